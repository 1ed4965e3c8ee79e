"""A DSL grants a named deputy DSL access to one incident, and revokes it."""

import pytest

from incidents.access import has_grant
from incidents.models import AuditEvent, Incident, Status
from tests.conftest import client_login


def url(incident):
    return f"/incidents/{incident.reference}/access/"


def grant(client, incident, user, action="grant"):
    return client.post(url(incident), {"action": action, "user": user.pk})


@pytest.fixture
def page(client, world):
    return client_login(client, world.oak_dsl)


def test_it_lets_the_dsl_grant_a_deputy_access(page, world, incident):
    assert page.get(url(incident)).status_code == 200
    response = grant(page, incident, world.oak_deputy)
    assert response.status_code == 302
    assert has_grant(world.oak_deputy, incident)
    event = AuditEvent.objects.get(action="incident.access_granted")
    assert event.user == world.oak_dsl and event.data == {"grantee_id": world.oak_deputy.pk}


def test_it_gives_the_deputy_the_record_once_granted(client, world, incident):
    # Taken up already: a concern nobody has taken up is open to every deputy (issue 14).
    Incident.objects.filter(pk=incident.pk).update(status=Status.UNDER_REVIEW)
    client_login(client, world.oak_deputy)
    assert client.get(f"/incidents/{incident.reference}/").status_code == 403
    from guardian.shortcuts import assign_perm

    from incidents.access import GRANT_CODENAME

    assign_perm(GRANT_CODENAME, world.oak_deputy, incident)
    assert client.get(f"/incidents/{incident.reference}/").status_code == 200


def test_it_revokes_access(page, world, incident):
    grant(page, incident, world.oak_deputy)
    response = grant(page, incident, world.oak_deputy, action="revoke")
    assert response.status_code == 302
    assert not has_grant(world.oak_deputy, incident)
    assert AuditEvent.objects.filter(action="incident.access_revoked").exists()


@pytest.mark.parametrize("who", ["riv_deputy", "elm_deputy", "oak_staff", "oak_head"])
def test_it_rejects_anyone_but_a_deputy_of_the_school_submitted_by_id(page, world, incident, who):
    response = grant(page, incident, getattr(world, who))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Choose a deputy DSL of this school from the list." in body
    assert not has_grant(getattr(world, who), incident)
    assert not AuditEvent.objects.filter(action="incident.access_granted").exists()


def test_it_offers_only_the_schools_deputies(page, world, incident):
    body = page.get(url(incident)).content.decode()
    assert "Oak Deputy" in body
    assert "Riv Deputy" not in body and "Elm Deputy" not in body


@pytest.mark.parametrize(
    "who,status",
    [
        ("oak_head", 403),
        ("oak_deputy", 403),
        ("trust_lead", 403),
        ("oak_staff", 403),
        ("riv_dsl", 404),
        ("sysadmin", 404),
    ],
)
def test_it_lets_only_the_dsl_manage_access(client, world, incident, who, status):
    client_login(client, getattr(world, who))
    assert client.get(url(incident)).status_code == status
    response = client.post(url(incident), {"action": "grant", "user": world.oak_deputy.pk})
    assert response.status_code == status
    assert not has_grant(world.oak_deputy, incident)


def test_it_links_the_dsl_to_the_access_page_from_the_record(page, world, incident):
    body = page.get(f"/incidents/{incident.reference}/").content.decode()
    assert url(incident) in body
