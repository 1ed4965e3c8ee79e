"""The incident list at /incidents/ (issue 4, part B)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from incidents.models import DecisionOutcome, InitialReview, Status
from incidents.services.records import _record_assessment as record_assessment
from tests.conftest import client_login, new_incident
from tests.factories import full_record

pytestmark = pytest.mark.django_db

URL = "/incidents/"


def many(world, count, school=None, status=Status.REPORTED):
    school = school or world.oak
    made = []
    for _ in range(count):
        incident = new_incident(school, world.oak_staff)
        if status != Status.REPORTED:
            incident.status = status
            incident.save(update_fields=["status"])
        made.append(incident)
    return made


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_refuses_staff(client, world):
    client_login(client, world.oak_staff)
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("who", ["oak_dsl", "oak_head", "trust_lead"])
def test_it_shows_the_schools_incidents_to_readers(client, world, who):
    mine = full_record(world.oak, world.oak_dsl)
    elsewhere = full_record(world.elm, world.elm_dsl)
    client_login(client, getattr(world, who))
    if who == "trust_lead":
        client.post(reverse("choose_school"), {"school": world.oak.pk})
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert mine.reference in body
    assert elsewhere.reference not in body


def test_it_shows_a_deputy_only_granted_incidents(client, world):
    # Taken up already: a concern nobody has taken up is every deputy's (tests/test_deputies.py).
    granted, hidden = many(world, 2, status=Status.UNDER_REVIEW)
    assign_perm("incidents.change_incident", world.oak_deputy, granted)
    client_login(client, world.oak_deputy)
    body = client.get(URL).content.decode()
    assert granted.reference in body
    assert hidden.reference not in body


def test_it_lists_newest_first_and_filters_by_stage(client, world):
    first, second = many(world, 2)
    approved = many(world, 1, status=Status.APPROVED)[0]
    client_login(client, world.oak_dsl)
    response = client.get(URL)
    assert [i.pk for i in response.context["page"].items] == [approved.pk, second.pk, first.pk]
    response = client.get(URL, {"stage": Status.APPROVED})
    assert [i.pk for i in response.context["page"].items] == [approved.pk]
    assert response.context["stage"] == Status.APPROVED


def test_it_ignores_an_unknown_stage_with_a_message(client, world):
    many(world, 1)
    client_login(client, world.oak_dsl)
    response = client.get(URL, {"stage": "nonsense"})
    assert response.status_code == 200
    assert len(response.context["page"].items) == 1
    assert "That stage does not exist" in response.content.decode()


def test_it_shows_category_from_the_latest_result_and_the_dsls_override(client, world):
    incident = full_record(world.oak, world.oak_dsl)
    client_login(client, world.oak_dsl)
    row = client.get(URL).context["page"].items[0]
    assert (row.result_category, row.result_subtype) == ("experimental", "romantic")
    # New facts give a new result; the list follows the latest.
    InitialReview.objects.filter(incident=incident).update(adult_involved="yes")
    incident.refresh_from_db()
    latest = record_assessment(incident)
    row = client.get(URL).context["page"].items[0]
    assert (row.result_category, row.result_subtype) == ("aggravated", "adult_involved")
    latest.overridden = True
    latest.override_category = "experimental"
    latest.override_subtype = "other"
    latest.override_reason = "The 'adult' is a 17 year old: age checked with the college."
    latest.save()
    row = client.get(URL).context["page"].items[0]
    assert (row.result_category, row.result_subtype) == ("experimental", "other")
    assert "Experimental: Other" in client.get(URL).content.decode()


def test_it_flags_overdue_deletions_and_actions(client, world):
    late = full_record(world.oak, world.oak_dsl, deletion_overdue=True, action_overdue=True)
    fine = full_record(world.oak, world.oak_dsl)
    client_login(client, world.oak_dsl)
    rows = {i.pk: i for i in client.get(URL).context["page"].items}
    assert rows[late.pk].deletion_overdue and rows[late.pk].action_overdue
    assert not rows[fine.pk].deletion_overdue and not rows[fine.pk].action_overdue


def test_it_pages_without_counting(client, world):
    made = many(world, 30)
    client_login(client, world.oak_dsl)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    page = response.context["page"]
    assert len(page.items) == 25
    assert page.has_next and not page.has_previous
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert 'href="?page=2"' in response.content.decode()
    second = client.get(URL, {"page": 2}).context["page"]
    assert [i.pk for i in second.items] == [i.pk for i in reversed(made[:5])]
    assert second.has_previous and not second.has_next
    # Nonsense page numbers fall back to the first page rather than failing.
    assert client.get(URL, {"page": "abc"}).context["page"].number == 1
    assert client.get(URL, {"page": "-3"}).context["page"].number == 1
    assert client.get(URL, {"page": 99}).context["page"].items == []


def test_it_keeps_the_stage_when_paging(client, world):
    many(world, 26, status=Status.UNDER_REVIEW)
    client_login(client, world.oak_dsl)
    body = client.get(URL, {"stage": Status.UNDER_REVIEW}).content.decode()
    assert 'href="?stage=under_review&amp;page=2"' in body


def test_it_runs_the_same_queries_with_5_and_50_incidents(client, world, django_assert_num_queries):
    for index in range(5):
        full_record(world.oak, world.oak_dsl, deletion_overdue=bool(index % 2))
    client_login(client, world.oak_dsl)
    client.get(URL)
    with CaptureQueriesContext(connection) as at_five:
        assert client.get(URL).status_code == 200
    for _index in range(5):
        full_record(world.oak, world.oak_dsl, action_overdue=True)
    many(world, 40)
    with django_assert_num_queries(len(at_five)):
        assert client.get(URL).status_code == 200


def test_it_sends_no_cache_headers(client, world):
    client_login(client, world.oak_dsl)
    assert "no-store" in client.get(URL)["Cache-Control"]


def test_it_sends_a_user_without_a_school_home(client, world):
    client_login(client, world.sysadmin)
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_it_orders_by_when_the_record_was_opened(client, world):
    older, newer = many(world, 2)
    older.incident_date = newer.incident_date + timedelta(days=3)
    older.save(update_fields=["incident_date"])
    client_login(client, world.oak_dsl)
    assert [i.pk for i in client.get(URL).context["page"].items] == [newer.pk, older.pk]


# Filters (issue 18) ------------------------------------------------------------------------


def references(response):
    return {i.reference for i in response.context["page"].items}


def test_it_filters_by_category_overdue_signoff_and_dates(client, world):
    late = full_record(world.oak, world.oak_dsl, deletion_overdue=True)
    kept = full_record(world.oak, world.oak_dsl, outcome=DecisionOutcome.HANDLED_IN_SCHOOL)
    fresh = many(world, 1)[0]
    fresh.disclosed_at = fresh.disclosed_at - timedelta(days=40)
    fresh.save(update_fields=["disclosed_at"])
    client_login(client, world.oak_dsl)
    assert references(client.get(URL, {"category": "experimental"})) == {
        late.reference,
        kept.reference,
    }
    assert references(client.get(URL, {"category": "none"})) == {fresh.reference}
    assert references(client.get(URL, {"category": "aggravated"})) == set()
    assert references(client.get(URL, {"overdue": "1"})) == {late.reference}
    assert references(client.get(URL, {"signoff": "1"})) == {kept.reference}
    day = fresh.disclosed_at.date()
    assert references(
        client.get(URL, {"disclosed_from": day.isoformat(), "disclosed_to": day.isoformat()})
    ) == {fresh.reference}
    assert fresh.reference not in references(
        client.get(URL, {"disclosed_from": (day + timedelta(days=1)).isoformat()})
    )


def test_it_explains_a_bad_filter_beside_its_field_and_keeps_the_rest(client, world):
    many(world, 1)
    client_login(client, world.oak_dsl)
    response = client.get(
        URL, {"disclosed_from": "2026-10-05", "disclosed_to": "2026-10-01", "category": "x"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "The end of the range must not be before its start." in body
    assert 'id="id_disclosed_to-error"' in body
    assert 'value="2026-10-01"' in body  # what was typed is shown back


def test_it_keeps_the_filters_when_paging(client, world):
    many(world, 26, status=Status.UNDER_REVIEW)
    client_login(client, world.oak_dsl)
    body = client.get(URL, {"stage": Status.UNDER_REVIEW, "overdue": ""}).content.decode()
    assert 'href="?stage=under_review&amp;overdue=&amp;page=2"' in body


def test_filters_add_no_query(client, world):
    full_record(world.oak, world.oak_dsl, deletion_overdue=True)
    full_record(world.oak, world.oak_dsl, outcome=DecisionOutcome.HANDLED_IN_SCHOOL)
    many(world, 3)
    client_login(client, world.trust_lead)
    client.post(reverse("choose_school"), {"school": world.oak.pk})
    client.get(URL)
    with CaptureQueriesContext(connection) as bare:
        client.get(URL)
    every = {
        "category": "experimental",
        "stage": Status.UNDER_REVIEW,
        "overdue": "1",
        "signoff": "1",
        "disclosed_from": "2026-01-01",
        "disclosed_to": "2026-12-31",
        "school": world.riv.slug,
    }
    for name, value in every.items():
        with CaptureQueriesContext(connection) as one:
            assert client.get(URL, {name: value}).status_code == 200
        assert len(one) == len(bare), name
    with CaptureQueriesContext(connection) as all_of_them:
        client.get(URL, every)
    assert len(all_of_them) == len(bare)


def test_the_trust_lead_lists_another_school_of_the_trust(client, world):
    oak = full_record(world.oak, world.oak_dsl)
    riv = full_record(world.riv, world.riv_dsl)
    elm = full_record(world.elm, world.elm_dsl)
    client_login(client, world.trust_lead)
    client.post(reverse("choose_school"), {"school": world.oak.pk})
    assert references(client.get(URL, {"school": world.riv.slug})) == {riv.reference}
    assert references(client.get(URL)) == {oak.reference}
    # Not a school of the trust: the filter is refused beside its field, the current school shown.
    response = client.get(URL, {"school": world.elm.slug})
    assert references(response) == {oak.reference}
    assert elm.reference not in response.content.decode()
    assert "Choose one of the options listed." in response.content.decode()


def test_a_dsl_cannot_name_another_school(client, world):
    oak = full_record(world.oak, world.oak_dsl)
    full_record(world.riv, world.riv_dsl)
    client_login(client, world.oak_dsl)
    response = client.get(URL, {"school": world.riv.slug})
    assert references(response) == {oak.reference}
    assert 'name="school"' not in response.content.decode()
