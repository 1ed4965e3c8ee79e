"""Deputies who can act (issue 14): a deputy DSL opens a concern nobody has taken up and starts
its record; the DSL puts a deputy in cover for a stated period; alerts go only to people who
may open what they link to."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, InternalError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from incidents import access, services
from incidents.models import (
    Action,
    ActionKind,
    AuditEvent,
    Cover,
    Incident,
    Membership,
    Role,
    Status,
)
from incidents.reminders import send_reminder
from incidents.services import NotAllowed, ServiceError
from tests import wizard_data as d
from tests.conftest import client_login, make_user, new_incident
from tests.test_permission_matrix import MATRIX, address, build_people

COVER_URL = reverse("school_cover")


def detail(incident):
    return reverse("incident_detail", args=[incident.reference])


def step(incident, name="disclosure"):
    return reverse("incident_step", args=[incident.reference, name])


def under_review(incident):
    """An older incident: someone has taken it up (its record started)."""
    Incident.objects.filter(pk=incident.pk).update(status=Status.UNDER_REVIEW)
    incident.refresh_from_db()
    return incident


@pytest.fixture
def team(world):
    for user in (world.oak_dsl, world.oak_deputy, world.oak_head, world.elm_deputy):
        user.email = f"{user.username}@example.org"
        user.save()
    return world


def cover_for(world, deputy=None, *, starts=None, hours=8, reason="The DSL's annual leave"):
    now = timezone.now()
    return services.grant_cover(
        school=world.oak,
        granted_by=world.oak_dsl,
        deputy=deputy or world.oak_deputy,
        starts_at=starts,
        ends_at=(starts or now) + timedelta(hours=hours),
        reason=reason,
    )


def report(client, world, capture):
    client_login(client, world.oak_staff)
    with capture(execute=True):
        client.post(reverse("report_concern"), d.concern_data())
    return Incident.objects.get()


# A new concern: any deputy opens it and starts its record --------------------------------------


def test_it_lets_a_deputy_follow_the_alert_and_start_the_record(
    client, team, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://testserver"
    world = team
    incident = report(client, world, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/incidents/\S+/)", mail.outbox[0].body).group(1)
    assert "oak-deputy@example.org" in mail.outbox[0].to

    client_login(client, world.oak_deputy)
    page = client.get(link)
    assert page.status_code == 200
    assert "She said" in page.content.decode()  # the concern as reported
    assert client.get(reverse("incident_wizard", args=[incident.reference]))["Location"] == step(
        incident
    )
    response = client.post(step(incident), d.disclosure_data(incident.version))
    assert response.status_code == 302, response.content.decode()[:2000]
    incident.refresh_from_db()
    assert incident.status == Status.UNDER_REVIEW
    # Starting it gives it to them: they keep it now it is no longer a new concern.
    assert access.has_grant(world.oak_deputy, incident)
    taken = AuditEvent.objects.get(action="incident.concern_taken_up")
    assert taken.user == world.oak_deputy and taken.data == {"grantee_id": world.oak_deputy.pk}
    assert client.get(detail(incident)).status_code == 200
    assert client.get(step(incident, "people")).status_code == 200


def test_it_shows_a_deputy_the_new_concerns_on_their_dashboard(client, world):
    new = new_incident(world.oak, world.oak_staff)
    older = under_review(new_incident(world.oak, world.oak_staff))
    client_login(client, world.oak_deputy)
    html = client.get(reverse("home")).content.decode()
    assert new.reference in html
    assert older.reference not in html
    assert "new concerns nobody has taken up yet" in html
    listed = client.get(reverse("incident_list")).content.decode()
    assert new.reference in listed and older.reference not in listed


def test_it_closes_a_concern_taken_up_to_the_other_deputies(client, world):
    incident = new_incident(world.oak, world.oak_staff)
    other = make_user("oak-otherdeputy")
    Membership.objects.create(
        user=other, school=world.oak, role=Role.DEPUTY_DSL, confirmed_at=timezone.now()
    )
    client_login(client, world.oak_deputy)
    assert client.post(step(incident), d.disclosure_data(incident.version)).status_code == 302
    client_login(client, other)
    refused = client.get(detail(incident))
    assert refused.status_code == 403
    assert access.TAKEN_UP in refused.content.decode()
    # Two deputies who opened it together: the second save is refused, never a second owner.
    assert client.post(step(incident), d.disclosure_data(1)).status_code == 403
    assert not access.has_grant(other, incident)


def test_it_gives_the_dsl_no_grant_when_they_start_the_record(client, world):
    incident = new_incident(world.oak, world.oak_staff)
    client_login(client, world.oak_dsl)
    assert client.post(step(incident), d.disclosure_data(incident.version)).status_code == 302
    assert not AuditEvent.objects.filter(action="incident.concern_taken_up").exists()
    assert not access.has_grant(world.oak_dsl, incident)


def test_it_refuses_a_deputy_without_cover_an_older_incident_not_granted(client, world):
    incident = under_review(new_incident(world.oak, world.oak_staff))
    client_login(client, world.oak_deputy)
    for url in (detail(incident), step(incident)):
        assert client.get(url).status_code == 403, url
    response = client.post(step(incident), d.disclosure_data(incident.version))
    assert response.status_code == 403
    assert access.readable_incidents(world.oak_deputy, world.oak).count() == 0
    refused = AuditEvent.objects.filter(action="incident.access_refused", incident=incident)
    assert refused.count() == 3


def test_it_refuses_another_schools_deputy_a_new_concern(client, world):
    incident = new_incident(world.oak, world.oak_staff)
    for outsider in (world.elm_deputy, world.riv_deputy):
        client_login(client, outsider)
        assert client.get(detail(incident)).status_code == 404
        assert client.get(step(incident)).status_code == 404


# Cover: the DSL's grant, for a stated period ---------------------------------------------------


def test_it_lets_the_dsl_put_a_deputy_in_cover(client, world):
    client_login(client, world.oak_dsl)
    page = client.get(COVER_URL)
    assert page.status_code == 200
    assert "No deputy DSL is covering for you now" in page.content.decode()
    ends = timezone.localtime() + timedelta(days=7)
    response = client.post(
        COVER_URL,
        {
            "deputy": world.oak_deputy.pk,
            "starts_at": "",
            "ends_at": ends.strftime("%Y-%m-%dT%H:%M"),
            "reason": "Annual leave",
        },
    )
    assert response.status_code == 302
    cover = Cover.objects.get()
    assert cover.deputy == world.oak_deputy and cover.granted_by == world.oak_dsl
    assert cover.starts_at <= timezone.now() and cover.reason == "Annual leave"
    event = AuditEvent.objects.get(action="school.cover_granted")
    assert event.user == world.oak_dsl and event.school == world.oak
    assert event.data["deputy_id"] == world.oak_deputy.pk and "Annual" not in str(event.data)
    html = client.get(COVER_URL).content.decode()
    assert "Annual leave" in html and "End now" in html


def test_it_gives_a_deputy_in_cover_the_whole_school(client, world):
    older = under_review(new_incident(world.oak, world.oak_staff))
    client_login(client, world.oak_deputy)
    assert client.get(detail(older)).status_code == 403
    cover = cover_for(world)
    assert access.COVER in access.roles_in(world.oak_deputy, world.oak)
    assert client.get(detail(older)).status_code == 200
    assert client.get(step(older)).status_code == 200
    response = client.post(step(older), d.disclosure_data(older.version))
    assert response.status_code == 302
    # Cover is not a grant: nothing is left behind when it ends.
    assert not access.has_grant(world.oak_deputy, older)
    home = client.get(reverse("home")).content.decode()
    until = timezone.localtime(cover.ends_at)
    assert f"You are covering for the DSL until {until:%A} {until.day} {until:%B %Y, %H:%M}" in (
        home
    )
    assert older.reference in home
    for name in ("trust_overview", "inspection_pack", "pupil_list", "received_list"):
        assert client.get(reverse(name)).status_code == 200, name


def test_it_keeps_separated_duties_from_a_deputy_in_cover(client, world):
    incident = under_review(new_incident(world.oak, world.oak_staff))
    cover_for(world)
    client_login(client, world.oak_deputy)
    refused = {
        "incident_access": reverse("incident_access", args=[incident.reference]),
        "school_cover": COVER_URL,
        "school_people": reverse("school_people"),
        "role_confirmations": reverse("role_confirmations"),
        "school_invitations": reverse("school_invitations"),
        "retention_list": reverse("retention_list"),
        "incident_approve": reverse("incident_approve", args=[incident.reference]),
    }
    assert {name: client.get(url).status_code for name, url in refused.items()} == dict.fromkeys(
        refused, 403
    )
    with pytest.raises(NotAllowed):
        services.grant_cover(
            school=world.oak,
            granted_by=world.oak_deputy,
            deputy=world.oak_deputy,
            starts_at=None,
            ends_at=timezone.now() + timedelta(hours=1),
            reason="Extending my own cover",
        )


def test_it_ends_cover_by_itself_at_its_end(client, world):
    incident = under_review(new_incident(world.oak, world.oak_staff))
    now = timezone.now()
    client_login(client, world.oak_deputy)
    # Stored times around now: one ended a second ago, one not begun for another minute.
    Cover.objects.create(
        school=world.oak,
        deputy=world.oak_deputy,
        granted_by=world.oak_dsl,
        granted_at=now - timedelta(days=2),
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(seconds=1),
        reason="Course",
    )
    assert client.get(detail(incident)).status_code == 403
    later = cover_for(world, starts=now + timedelta(minutes=1))
    assert client.get(detail(incident)).status_code == 403
    assert access.COVER not in access.roles_in(world.oak_deputy, world.oak)
    client_login(client, world.oak_dsl)
    page = client.get(COVER_URL).content.decode()
    assert "Arranged" in page and "Course" in page
    assert later.pk


@pytest.mark.django_db(transaction=True)
def test_it_ends_cover_when_its_stored_end_passes(client, world, owner_connection):
    incident = under_review(new_incident(world.oak, world.oak_staff))
    cover = cover_for(world, hours=2)
    client_login(client, world.oak_deputy)
    assert client.get(detail(incident)).status_code == 200
    # The application cannot move a cover's times (the database refuses)...
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        Cover.objects.filter(pk=cover.pk).update(ends_at=timezone.now() + timedelta(days=20))
    # ...so time is moved as the owner: the cover's two hours are now over.
    with owner_connection():
        Cover.objects.filter(pk=cover.pk).update(
            starts_at=cover.starts_at - timedelta(hours=3),
            ends_at=cover.ends_at - timedelta(hours=3),
        )
    assert client.get(detail(incident)).status_code == 403
    assert client.get(reverse("trust_overview")).status_code == 403
    assert "You are covering" not in client.get(reverse("home")).content.decode()


def test_it_lets_the_dsl_end_a_cover_early(client, world):
    incident = under_review(new_incident(world.oak, world.oak_staff))
    cover = cover_for(world)
    deputy = client_login(Client(), world.oak_deputy)
    assert deputy.get(detail(incident)).status_code == 200
    client_login(client, world.oak_dsl)
    response = client.post(reverse("cover_end", args=[cover.pk]))
    assert response.status_code == 302
    cover.refresh_from_db()
    assert cover.ended_by == world.oak_dsl and cover.ended_at <= timezone.now()
    assert deputy.get(detail(incident)).status_code == 403
    event = AuditEvent.objects.get(action="school.cover_ended")
    assert event.user == world.oak_dsl and event.data["cover_id"] == cover.pk
    again = client.post(reverse("cover_end", args=[cover.pk]), follow=True)
    assert "That cover has already ended." in again.content.decode()
    assert AuditEvent.objects.filter(action="school.cover_ended").count() == 1
    assert "ended early by" in client.get(COVER_URL).content.decode()


def test_it_keeps_a_cover_to_its_own_school(client, world):
    riv_incident = new_incident(world.riv, world.riv_staff)
    oak_incident = under_review(new_incident(world.oak, world.oak_staff))
    cover = cover_for(world)
    client_login(client, world.oak_deputy)
    assert client.get(detail(riv_incident)).status_code == 404
    # Another school's DSL neither sees nor ends it; another school's deputy gains nothing.
    client_login(client, world.elm_dsl)
    assert client.post(reverse("cover_end", args=[cover.pk])).status_code == 404
    client_login(client, world.riv_deputy)
    assert client.get(detail(oak_incident)).status_code == 404
    client_login(client, world.oak_dsl)
    response = client.post(
        COVER_URL,
        {
            "deputy": world.riv_deputy.pk,
            "ends_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "Leave",
        },
    )
    assert response.status_code == 200
    assert "Choose a deputy DSL of this school from the list" in response.content.decode()
    assert Cover.objects.count() == 1


@pytest.mark.parametrize(
    ("starts", "hours", "reason", "message"),
    [
        (None, 24 * 28 + 1, "Leave", "A cover lasts at most 28 days"),
        (-60, 4, "Leave", "A cover cannot start in the past"),
        (None, -1, "Leave", "The end must be after the start."),
        (None, 4, "   ", "Say why the deputy is covering"),
        (60 * 24 * 91, 4, "Leave", "up to 90 days ahead"),
    ],
)
def test_it_refuses_a_cover_outside_its_limits(world, starts, hours, reason, message):
    start = timezone.now() + timedelta(minutes=starts) if starts is not None else None
    with pytest.raises(ServiceError, match=message):
        cover_for(world, starts=start, hours=hours, reason=reason)
    assert not Cover.objects.exists()


def test_it_refuses_a_second_cover_at_the_same_time_and_cover_of_a_non_deputy(world):
    cover_for(world)
    with pytest.raises(ServiceError, match="already has a cover"):
        cover_for(world, starts=timezone.now() + timedelta(hours=2))
    with pytest.raises(ServiceError, match="Only a deputy DSL of this school"):
        cover_for(world, deputy=world.oak_staff)
    with pytest.raises(ServiceError, match="cannot put yourself"):
        cover_for(world, deputy=world.oak_dsl)


def test_it_shows_the_form_errors_beside_the_fields_and_keeps_what_was_typed(client, world):
    client_login(client, world.oak_dsl)
    response = client.post(
        COVER_URL, {"deputy": world.oak_deputy.pk, "ends_at": "2027-02-31T10:00", "reason": "Ill"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a real date and time" in html
    assert 'value="Ill"' in html
    assert not Cover.objects.exists()


# Alerts: only to those who may open what they link to -----------------------------------------


def test_it_alerts_only_those_who_may_open_the_concern(
    client, team, django_capture_on_commit_callbacks
):
    world = team
    pending = make_user("oak-pending", email="pending@example.org")
    Membership.objects.create(user=pending, school=world.oak, role=Role.DEPUTY_DSL)
    gone = make_user("oak-gone", email="gone@example.org", is_active=False)
    Membership.objects.create(
        user=gone, school=world.oak, role=Role.DEPUTY_DSL, confirmed_at=timezone.now()
    )
    incident = report(client, world, django_capture_on_commit_callbacks)
    assert sorted(mail.outbox[0].to) == ["oak-deputy@example.org", "oak-dsl@example.org"]
    sent = AuditEvent.objects.get(action="incident.alert_sent", incident=incident)
    assert sorted(sent.data["recipients"]) == sorted([world.oak_dsl.pk, world.oak_deputy.pk])
    # Once taken up, a deputy without a grant or cover may no longer open it: no alert for them.
    under_review(incident)
    assert access.alert_recipients(incident) == [world.oak_dsl]
    cover_for(world)
    assert sorted(u.pk for u in access.alert_recipients(incident)) == sorted(
        [world.oak_dsl.pk, world.oak_deputy.pk]
    )


def test_it_sends_the_daily_reminder_to_the_dsl_and_a_deputy_in_cover_only(team):
    world = team
    incident = new_incident(world.oak, world.oak_staff)
    # An overdue follow-up action: the reminder lists it.
    Action.objects.create(
        incident=incident,
        school=world.oak,
        kind=ActionKind.PASTORAL,
        description="x",
        owner="DSL",
        due_date=timezone.localdate() - timedelta(days=1),
        created_by=world.oak_dsl,
        updated_by=world.oak_dsl,
    )
    assert send_reminder(world.oak, timezone.localdate()) == 1
    assert mail.outbox[-1].to == ["oak-dsl@example.org"]
    cover_for(world)
    mail.outbox.clear()
    assert send_reminder(world.oak, timezone.localdate()) == 2
    assert sorted(sum((m.to for m in mail.outbox), [])) == [
        "oak-deputy@example.org",
        "oak-dsl@example.org",
    ]


# A deputy in cover beside the DSL, on every URL of the permission matrix ----------------------

# Where a deputy in cover is answered otherwise than the DSL: what separation of duties keeps
# to the DSL (docs/policy.md#cover-in-the-dsls-absence). Every other URL answers them alike.
KEPT_FROM_COVER = {
    # Not a duty: an export is its requester's only (the DSL asked for this one).
    ("GET", "export_status"): (200, 404),
    ("GET", "export_download"): (200, 404),
    ("GET", "incident_access"): (200, 403),  # a grant outlasts the cover
    ("POST", "incident_access"): (200, 403),
    ("GET", "school_cover"): (200, 403),  # no cover granted by someone in cover
    ("POST", "school_cover"): (200, 403),
    ("POST", "cover_end"): (302, 403),
    ("GET", "school_people"): (200, 403),  # leavers
    ("POST", "school_people"): (200, 403),
    ("GET", "leaver_actions"): (200, 403),
    ("POST", "leaver_actions"): (200, 403),
    ("GET", "role_confirmations"): (200, 403),  # a second person's confirmation of a role
    ("POST", "role_confirmations"): (200, 403),
    ("GET", "school_invitations"): (200, 403),  # accounts
    ("POST", "school_invitations"): (200, 403),
    ("GET", "retention_list"): (200, 403),  # destruction: never urgent, never undone
    ("POST", "retention_keep"): (302, 403),
    ("POST", "retention_authorise"): (302, 403),
    ("POST", "retention_destroy"): (302, 403),
}


def test_it_answers_a_deputy_in_cover_as_the_dsl_but_for_separated_duties(world):
    _, record = build_people(world)
    cover_for(world)
    differ = {}
    for name in sorted(MATRIX):
        url = address(name, record)
        for method in ("GET", "POST"):
            # Signed in afresh for each cell: the matrix's own rows sign out.
            clients = (
                client_login(Client(), world.oak_dsl),
                client_login(Client(), world.oak_deputy),
            )
            found = [
                (c.get(url) if method == "GET" else c.post(url, {})).status_code for c in clients
            ]
            if found[0] != found[1]:
                differ[(method, name)] = tuple(found)
    assert differ == KEPT_FROM_COVER


# Query counts: flat with the number of records and covers --------------------------------------


def counted(client, url) -> int:
    client.get(url)  # the first request renews the session; count the second
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def more_records(world, count):
    """``count`` new concerns and as many taken up and granted to the deputy."""
    for _ in range(count):
        new_incident(world.oak, world.oak_staff)
        granted = under_review(new_incident(world.oak, world.oak_staff))
        assign_perm(access.GRANT_CODENAME, world.oak_deputy, granted)


def more_covers(world, count):
    now = timezone.now()
    for i in range(count):
        Cover.objects.create(
            school=world.oak,
            deputy=world.oak_deputy,
            granted_by=world.oak_dsl,
            granted_at=now - timedelta(days=60 + i),
            starts_at=now - timedelta(days=60 + i),
            ends_at=now - timedelta(days=59 + i),
            reason="Course",
        )


def test_it_runs_the_same_queries_for_a_deputy_with_5_and_50_records(client, world):
    client_login(client, world.oak_deputy)
    more_records(world, 5)
    at_five = {name: counted(client, reverse(name)) for name in ("home", "incident_list")}
    more_records(world, 45)
    assert {name: counted(client, reverse(name)) for name in at_five} == at_five
    # In cover: the DSL's dashboard (the whole school's figures, trends and transfers) and
    # the banner's cover, flat too.
    cover_for(world)
    in_cover = {name: counted(client, reverse(name)) for name in at_five}
    more_records(world, 45)
    assert {name: counted(client, reverse(name)) for name in at_five} == in_cover


def test_it_runs_the_same_queries_on_the_cover_page_with_5_and_50_covers(client, world):
    client_login(client, world.oak_dsl)
    more_covers(world, 5)
    at_five = counted(client, COVER_URL)
    more_covers(world, 45)
    assert counted(client, COVER_URL) == at_five
