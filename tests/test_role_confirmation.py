"""A role takes effect only when a second person confirms it (issue 13, separation of duties).

Granted in the admin (or anywhere), a role is pending: it gives no access, no alert, no school.
Never its holder, never its granter confirms it; a staff or deputy role is confirmed by the
school's headteacher or DSL, a headteacher's or DSL's by the trust lead, or for a school outside
a trust by a second system administrator, both recorded.
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from incidents import access, services
from incidents.models import AuditEvent, Membership, Role, School
from incidents.services import NotAllowed
from tests.conftest import client_login, make_user, new_incident

CONFIRM = reverse("role_confirmations")


def admin_add_membership(client, **fields):
    data = {"user": fields["user"].pk, "role": fields["role"]}
    if fields.get("school"):
        data["school"] = fields["school"].pk
    if fields.get("trust"):
        data["trust"] = fields["trust"].pk
    return client.post(reverse("admin:incidents_membership_add"), data)


@pytest.fixture
def admin_client_(client, world):
    return client_login(client, world.sysadmin)


def test_it_grants_a_role_in_the_admin_that_gives_no_access_until_confirmed(admin_client_, world):
    newcomer = make_user("oak-newcomer", email="newcomer@example.org")
    response = admin_add_membership(admin_client_, user=newcomer, school=world.oak, role=Role.DSL)
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer)
    assert membership.confirmed_at is None and membership.granted_by == world.sysadmin
    # No access anywhere: roles, schools, the record, the list, the DSL team's alerts.
    incident = new_incident(world.oak, world.oak_staff)
    assert access.roles_in(newcomer, world.oak) == frozenset()
    assert not access.schools_for(newcomer).exists()
    assert newcomer not in access.alert_recipients(incident)
    reader = client_login(Client(), newcomer)
    assert reader.get(reverse("incident_detail", args=[incident.reference])).status_code == 404
    assert reader.get(reverse("incident_list")).status_code in {302, 403}
    event = AuditEvent.objects.get(action="account.role_granted")
    assert event.user == world.sysadmin and event.data["holder_id"] == newcomer.pk


def test_nobody_confirms_their_own_role_nor_one_they_granted(world):
    newcomer = make_user("oak-newcomer")
    pending = services.grant_role(
        holder=newcomer, role=Role.STAFF, school=world.oak, granted_by=world.oak_head
    )
    with pytest.raises(NotAllowed):
        services.confirm_role(pending, newcomer)
    with pytest.raises(NotAllowed):
        services.confirm_role(pending, world.oak_head)
    # The database refuses it too, whatever writes the row.
    for who in (newcomer, world.oak_head):
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.filter(pk=pending.pk).update(
                confirmed_by=who, confirmed_at=timezone.now()
            )
    services.confirm_role(pending, world.oak_dsl)
    pending.refresh_from_db()
    assert pending.confirmed_by == world.oak_dsl
    assert access.roles_in(newcomer, world.oak) == {Role.STAFF}


@pytest.mark.parametrize(
    "role, confirmers, refused",
    [
        (Role.STAFF, ["oak_head", "oak_dsl"], ["oak_deputy", "trust_lead", "riv_dsl", "sysadmin"]),
        (Role.DEPUTY_DSL, ["oak_dsl"], ["oak_staff", "riv_head", "elm_dsl"]),
        (Role.DSL, ["trust_lead"], ["oak_head", "oak_dsl", "riv_head", "sysadmin"]),
        (Role.HEADTEACHER, ["trust_lead"], ["oak_head", "oak_dsl", "sysadmin"]),
        (Role.SECOND_SIGNATORY, ["trust_lead"], ["oak_head", "oak_dsl", "sysadmin"]),
    ],
)
def test_it_says_who_confirms_whom(world, role, confirmers, refused):
    newcomer = make_user("oak-newcomer")
    pending = services.grant_role(
        holder=newcomer, role=role, school=world.oak, granted_by=world.sysadmin
    )
    for name in refused:
        assert not access.may_confirm(getattr(world, name), pending), name
    for name in confirmers:
        assert access.may_confirm(getattr(world, name), pending), name


def test_a_second_administrator_confirms_a_role_in_a_school_outside_a_trust(world):
    lone = School.objects.create(name="Lone Primary", slug="lone", reference_prefix="LON")
    second = make_user("second-admin", is_staff=True, is_superuser=True)
    head = make_user("lone-head")
    first = client_login(Client(), world.sysadmin)
    admin_add_membership(first, user=head, school=lone, role=Role.HEADTEACHER)
    pending = Membership.objects.get(user=head)
    # An administrator made after the grant cannot be the second person.
    late = make_user("late-admin", is_staff=True, is_superuser=True)
    late.date_joined = timezone.now() + timedelta(seconds=1)
    late.save()
    changelist = reverse("admin:incidents_membership_changelist")
    action = {"action": "confirm_selected", "_selected_action": [pending.pk]}
    for who in (world.sysadmin, late):
        client_login(Client(), who).post(changelist, action)
        pending.refresh_from_db()
        assert pending.confirmed_at is None, who
    client_login(Client(), second).post(changelist, action)
    pending.refresh_from_db()
    assert pending.granted_by == world.sysadmin and pending.confirmed_by == second
    assert access.roles_in(head, lone) == {Role.HEADTEACHER}


def test_the_trust_lead_confirms_a_dsl_on_the_page_and_it_is_audited(client, world):
    newcomer = make_user("oak-newcomer")
    pending = services.grant_role(
        holder=newcomer, role=Role.DSL, school=world.oak, granted_by=world.sysadmin
    )
    head = client_login(client, world.oak_head)
    assert pending.pk not in [m.pk for m in head.get(CONFIRM).context["pending"]]
    lead = client_login(client, world.trust_lead)
    assert [m.pk for m in lead.get(CONFIRM).context["pending"]] == [pending.pk]
    response = lead.post(CONFIRM, {"membership": pending.pk, "decision": "confirm"})
    assert response.status_code == 302
    assert access.roles_in(newcomer, world.oak) == {Role.DSL}
    event = AuditEvent.objects.get(action="account.role_confirmed")
    assert event.user == world.trust_lead and event.data["granted_by_id"] == world.sysadmin.pk


def test_a_role_refused_on_the_page_is_removed_and_audited(client, world):
    newcomer = make_user("oak-newcomer")
    pending = services.grant_role(
        holder=newcomer, role=Role.STAFF, school=world.oak, granted_by=world.sysadmin
    )
    client_login(client, world.oak_dsl)
    client.post(CONFIRM, {"membership": pending.pk, "decision": "refuse"})
    assert not Membership.objects.filter(pk=pending.pk).exists()
    assert AuditEvent.objects.filter(action="account.role_refused", user=world.oak_dsl).exists()


def test_it_refuses_a_confirmation_not_offered_with_a_message(client, world):
    other = services.grant_role(
        holder=make_user("elm-newcomer"),
        role=Role.STAFF,
        school=world.elm,
        granted_by=world.sysadmin,
    )
    client_login(client, world.oak_dsl)
    response = client.post(CONFIRM, {"membership": other.pk, "decision": "confirm"})
    assert response.status_code == 200
    assert "not waiting for your confirmation" in response.content.decode()
    other.refresh_from_db()
    assert other.confirmed_at is None


def test_changing_a_confirmed_role_in_the_admin_makes_it_wait_again(admin_client_, world):
    membership = Membership.objects.get(user=world.oak_staff)
    url = reverse("admin:incidents_membership_change", args=[membership.pk])
    admin_client_.post(url, {"user": world.oak_staff.pk, "role": Role.DSL, "school": world.oak.pk})
    membership.refresh_from_db()
    assert membership.role == Role.DSL and membership.confirmed_at is None
    assert access.roles_in(world.oak_staff, world.oak) == frozenset()
    assert AuditEvent.objects.filter(action="account.role_changed").exists()


def test_a_role_added_in_the_users_inline_waits_too(admin_client_, world):
    user = world.oak_staff
    url = reverse("admin:incidents_user_change", args=[user.pk])
    form = admin_client_.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        {
            "username": user.username,
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "is_active": "on",
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": Membership.objects.get(user=user).pk,
            "memberships-0-user": user.pk,
            "memberships-0-role": Role.STAFF,
            "memberships-0-school": world.oak.pk,
            "memberships-1-user": user.pk,
            "memberships-1-role": Role.HEADTEACHER,
            "memberships-1-school": world.riv.pk,
        }
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("last_login", None)
    data.pop("date_joined", None)
    response = admin_client_.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    added = Membership.objects.get(user=user, school=world.riv)
    assert added.confirmed_at is None and added.granted_by == world.sysadmin
    assert access.roles_in(user, world.riv) == frozenset()
    # The unchanged role stays confirmed.
    assert Membership.objects.get(user=user, school=world.oak).confirmed_at is not None
