"""Two colleagues on the same step: the second save is refused, and nothing is lost."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from incidents.models import Disclosure, Incident, Membership, Role
from tests import wizard_data as d
from tests.conftest import client_login, make_user


@pytest.fixture
def colleague(world):
    user = make_user("oak-second")
    Membership.objects.create(
        user=user, school=world.oak, role=Role.DSL, confirmed_at=timezone.now()
    )
    return user


@pytest.fixture
def reported(client, world):
    client_login(client, world.oak_staff)
    client.post(reverse("report_concern"), d.concern_data())
    return Incident.objects.get()


def test_it_refuses_a_stale_save_and_shows_both_versions(world, colleague, reported):
    first, second = Client(), Client()
    client_login(first, world.oak_dsl)
    client_login(second, colleague)
    url = d.step_url(reported, "disclosure")
    assert first.get(url).status_code == 200
    assert second.get(url).status_code == 200
    opened_at = Incident.objects.get().version

    saved = first.post(url, d.disclosure_data(opened_at, platforms="Snapchat (theirs)"))
    assert saved.status_code == 302

    stale = second.post(url, d.disclosure_data(opened_at, platforms="Instagram (mine)"))
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "A colleague saved this step while you were editing it" in html
    assert "Snapchat (theirs)" in html  # their version, as now saved
    assert html.count("differs from yours") == 1  # only the platforms differ
    assert 'value="Instagram (mine)"' in html  # yours, as typed, still in the form
    assert Disclosure.objects.get().platforms == "Snapchat (theirs)"
    # The form now carries the current version: saving again after comparing succeeds.
    current = Incident.objects.get().version
    assert f'name="version" value="{current}"' in html
    again = second.post(url, d.disclosure_data(current, platforms="Instagram (mine)"))
    assert again.status_code == 302
    assert Disclosure.objects.get().platforms == "Instagram (mine)"


def test_it_keeps_both_lists_of_people_on_a_conflict(world, colleague, reported):
    first, second = Client(), Client()
    client_login(first, world.oak_dsl)
    client_login(second, colleague)
    url = d.step_url(reported, "people")
    opened_at = Incident.objects.get().version
    first.post(url, d.people_data(opened_at, young=[d.young_person(name="Amelia Hart")]))
    stale = second.post(url, d.people_data(opened_at, young=[d.young_person(name="Ben Cole")]))
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "Amelia Hart" in html and 'value="Ben Cole"' in html
    assert list(reported.young_people.values_list("name", flat=True)) == ["Amelia Hart"]


def test_it_refuses_edits_to_an_approved_record(client, world, reported):
    Incident.objects.filter(pk=reported.pk).update(status="approved")
    client_login(client, world.oak_dsl)
    url = d.step_url(reported, "disclosure")
    response = client.post(url, d.disclosure_data(reported.version, platforms="Changed"))
    assert response.status_code == 302
    assert response["Location"] == d.step_url(reported, "check")
    assert Disclosure.objects.get().platforms == ""
    page = client.get(response["Location"]).content.decode()
    assert "approved and locked" in page


def test_it_refuses_edits_to_a_record_awaiting_approval(client, world, reported):
    Incident.objects.filter(pk=reported.pk).update(status="awaiting_approval")
    client_login(client, world.oak_dsl)
    url = d.step_url(reported, "disclosure")
    response = client.post(url, d.disclosure_data(reported.version, platforms="Changed"))
    assert response["Location"] == d.step_url(reported, "check")
    assert Disclosure.objects.get().platforms == ""
    page = client.get(response["Location"]).content.decode()
    assert "awaiting the headteacher" in page
    assert '/steps/disclosure/">Change' not in page
