"""Who wrote each entry, as they were then; and leavers (issue 13).

Renaming an account changes nothing the record says of who wrote, signed or signed off each
entry, on the page, in the chronology or in the PDF, and its signatures still verify.
Deactivating a leaver ends all their sessions, keeps their authorship, and lists their open
follow-up actions for the DSL to give to someone else; all of it audited.
"""

import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from incidents import services
from incidents.digest import verify
from incidents.export.pdf import render_record_pdf
from incidents.models import Action, AuditEvent, Membership, Role, Status, User
from tests.conftest import client_login, make_user, new_incident
from tests.factories import full_record

PEOPLE = reverse("school_people")


def pdf_text(incident):
    _, _, content = render_record_pdf(incident)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_renaming_an_account_changes_no_record_and_its_signatures_still_verify(world):
    record = full_record(world.oak, world.oak_dsl, status=Status.APPROVED, viewing_complete=True)
    assert verify(record).intact
    for person, name in ((world.oak_dsl, "Renamed Dsl"), (world.oak_head, "Renamed Head")):
        person.first_name, person.last_name = name.split()
        person.save()
    # Read by the trust lead: the page's header names whoever is signed in, under their name
    # now, and the access history (which the trust lead does not see) names readers as now.
    page = client_login(Client(), world.trust_lead).get(
        reverse("incident_detail", args=[record.reference])
    )
    html = page.content.decode()
    assert "Oak Dsl" in html and "Oak Head" in html
    assert "Renamed Dsl" not in html and "Renamed Head" not in html
    chronology = " ".join(str(entry) for entry in page.context["chronology"])
    assert "Renamed" not in chronology
    text = pdf_text(record).split("12. Access history")[0]
    assert "Oak Dsl" in text and "Oak Head" in text and "Renamed" not in text
    assert verify(record).intact


@pytest.fixture
def leaver(world):
    """A second DSL of Oakfield who wrote a record (and so owns its staff-support action)."""
    person = make_user("oak-leaver")
    Membership.objects.create(
        user=person, school=world.oak, role=Role.DSL, confirmed_at=timezone.now()
    )
    person.record = full_record(world.oak, person)
    return person


def test_the_dsl_deactivates_a_leaver_whose_sessions_end_and_authorship_stays(world, leaver):
    theirs = client_login(Client(), leaver)
    assert theirs.get(reverse("incident_detail", args=[leaver.record.reference])).status_code == 200
    dsl = client_login(Client(), world.oak_dsl)
    response = dsl.post(PEOPLE, {"person": leaver.pk})
    assert response.status_code == 302
    leaver.refresh_from_db()
    assert not leaver.is_active
    assert theirs.get(reverse("incident_detail", args=[leaver.record.reference])).status_code == 302
    event = AuditEvent.objects.get(action="account.deactivated")
    assert event.user == world.oak_dsl and event.data["sessions_ended"] == 1
    page = dsl.get(reverse("incident_detail", args=[leaver.record.reference])).content.decode()
    assert "Oak Leaver" in page


def test_it_refuses_to_deactivate_someone_who_works_elsewhere_too(world):
    Membership.objects.create(
        user=world.oak_deputy, school=world.riv, role=Role.STAFF, confirmed_at=timezone.now()
    )
    dsl = client_login(Client(), world.oak_dsl)
    response = dsl.post(PEOPLE, {"person": world.oak_deputy.pk})
    assert response.status_code == 200
    assert "also holds a role outside" in response.content.decode()
    world.oak_deputy.refresh_from_db()
    assert world.oak_deputy.is_active


def test_the_dsl_reassigns_a_leavers_open_action(world, leaver):
    services.deactivate_leaver(leaver, world.oak, world.oak_dsl)
    url = reverse("leaver_actions", args=[leaver.pk])
    dsl = client_login(Client(), world.oak_dsl)
    page = dsl.get(url)
    rows = page.context["rows"]
    assert [a.owner for a in rows] == ["Oak Leaver"] * len(rows) and rows
    assert AuditEvent.objects.filter(action="school.leaver_actions_viewed").exists()
    action = rows[0]
    version = leaver.record.version
    leaver.record.refresh_from_db()
    version = leaver.record.version
    response = dsl.post(url, {"action": action.pk, "to": world.oak_deputy.pk})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.owner == "Oak Deputy" and action.updated_by == world.oak_dsl
    leaver.record.refresh_from_db()
    assert leaver.record.version == version + 1
    event = AuditEvent.objects.get(action="incident.action_reassigned")
    assert event.incident_id == leaver.record.pk and event.data["to_id"] == world.oak_deputy.pk


def test_the_headteacher_reads_but_does_not_reassign(world, leaver):
    url = reverse("leaver_actions", args=[leaver.pk])
    head = client_login(Client(), world.oak_head)
    assert head.get(url).status_code == 200
    action = Action.objects.filter(incident=leaver.record).first()
    assert head.post(url, {"action": action.pk, "to": world.oak_deputy.pk}).status_code == 403


def test_it_refuses_to_reassign_an_action_of_a_signed_record(world, leaver):
    leaver.record.status = Status.AWAITING_APPROVAL
    leaver.record.save(update_fields=["status"])
    action = Action.objects.filter(incident=leaver.record, owner="Oak Leaver").first()
    with pytest.raises(services.ServiceError, match="being written"):
        services.reassign_action(action, world.oak_deputy, world.oak_dsl)


def test_deactivating_in_the_admin_ends_sessions_and_is_audited(world):
    theirs = client_login(Client(), world.oak_staff)
    admin = client_login(Client(), world.sysadmin)
    url = reverse("admin:incidents_user_change", args=[world.oak_staff.pk])
    form = admin.get(url).context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None and k not in {"password", "groups", "user_permissions", "last_login"}
    }
    data.pop("is_active")
    data.update(
        {
            "date_joined_0": world.oak_staff.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": world.oak_staff.date_joined.strftime("%H:%M:%S"),
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        }
    )
    data.pop("date_joined", None)
    assert admin.post(url, data).status_code == 302
    assert not User.objects.get(pk=world.oak_staff.pk).is_active
    assert theirs.get(reverse("home")).status_code == 302
    event = AuditEvent.objects.get(action="account.deactivated")
    assert event.user == world.sysadmin and event.data["sessions_ended"] == 1


def counted(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_people_pages_take_the_same_queries_however_many_people_and_actions(world):
    person = world.oak_staff

    def add(count):
        for index in range(count):
            newcomer = make_user(f"oak-extra{User.objects.count()}-{index}")
            services.grant_role(
                holder=newcomer, role=Role.STAFF, school=world.oak, granted_by=world.sysadmin
            )
            incident = new_incident(world.oak, world.oak_staff)
            Action.objects.create(
                incident=incident,
                school=world.oak,
                kind="pastoral",
                description="Check in weekly.",
                owner="Oak Staff",
                due_date=timezone.localdate(),
                created_by=world.oak_dsl,
                updated_by=world.oak_dsl,
            )

    dsl = client_login(Client(), world.oak_dsl)
    urls = [PEOPLE, reverse("role_confirmations"), reverse("leaver_actions", args=[person.pk])]
    add(3)
    before = [counted(dsl, url) for url in urls]
    add(30)
    after = [counted(dsl, url) for url in urls]
    assert after == before
    # Ceilings: each page a handful of queries (session, user, school, roles, its rows).
    assert before[0] <= 9 and before[1] <= 9 and before[2] <= 14, before
    page = dsl.get(reverse("leaver_actions", args=[person.pk]))
    assert len(page.context["rows"]) == 33
