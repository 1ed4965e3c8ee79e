"""The admin shows no record content anywhere and no authenticator's key; every change of a
role, an account's active state, its administrator flags or its password made there is in the
audit chain (issue 13, separation of duties)."""

from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.audit import verify_chain
from incidents.models import (
    Action,
    AuditEvent,
    Decision,
    Incident,
    Membership,
    Role,
    User,
    YoungPerson,
)
from tests.conftest import client_login, make_user, totp_device
from tests.factories import full_record


def content_of_records():
    """Strings only a record holds: the young people's names, the DSL's reasons, the actions,
    and the references."""
    strings = set(YoungPerson.objects.values_list("name", flat=True))
    strings |= {r for r in Decision.objects.values_list("reasons", flat=True) if r}
    strings |= set(Action.objects.values_list("description", flat=True))
    strings |= set(Incident.objects.values_list("reference", flat=True))
    return {s for s in strings if len(s) >= 6}


def admin_pages():
    """Every page of the admin for every registered model and every object of it."""
    yield "GET", reverse("admin:index"), {}
    for model in list(admin.site._registry):
        meta = model._meta
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        yield "GET", reverse("admin:app_list", args=[meta.app_label]), {}
        yield "GET", reverse(f"{prefix}_changelist"), {}
        yield "GET", reverse(f"{prefix}_changelist") + "?q=Amelia", {}
        yield "GET", reverse(f"{prefix}_add"), {}
        ids = list(model._default_manager.values_list("pk", flat=True))
        # The bulk delete's confirmation page (not confirmed: nothing is deleted).
        yield (
            "POST",
            reverse(f"{prefix}_changelist"),
            {"action": "delete_selected", "_selected_action": ids},
        )
        for pk in ids:
            for page in ("change", "history", "delete"):
                yield "GET", reverse(f"{prefix}_{page}", args=[pk]), {}
            if model is User:
                # Django names the user admin's password page so, whatever the model.
                yield "GET", reverse("admin:auth_user_password_change", args=[pk]), {}


def test_the_administrator_meets_no_record_content_on_any_admin_page(world, capsys):
    full_record(world.oak, world.oak_dsl, outcome="handled_in_school")
    full_record(world.riv, world.riv_dsl, names=("Chloe Price", "Dev Patel"))
    for user in (world.oak_dsl, world.oak_head):
        totp_device(user)
    secrets = content_of_records()
    keys = set(TOTPDevice.objects.values_list("key", flat=True))
    assert "Amelia Hart" in secrets and keys
    client = client_login(Client(), world.sysadmin)
    walked, showing = 0, []
    for method, url, data in admin_pages():
        response = client.get(url) if method == "GET" else client.post(url, data)
        assert response.status_code in {200, 302, 403}, (url, response.status_code)
        walked += 1
        page = response.content.decode()
        if any(s in page for s in secrets | keys):
            showing.append(url)
    with capsys.disabled():
        print(f"\nadmin pages walked: {walked}; showing record content or a key: {len(showing)}")
    assert walked > 100
    assert showing == []
    # Nothing was deleted by walking the confirmations.
    assert YoungPerson.objects.filter(name="Amelia Hart").exists()


def test_no_device_admin_is_registered_so_no_key_is_shown(world):
    assert not [m for m in admin.site._registry if issubclass(m, Device)]
    client = client_login(Client(), world.sysadmin)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404


def test_an_account_and_a_school_with_records_are_never_deleted(world):
    record = full_record(world.oak, world.oak_dsl)
    client = client_login(Client(), world.sysadmin)
    user_delete = reverse("admin:incidents_user_delete", args=[world.oak_dsl.pk])
    assert client.post(user_delete, {"post": "yes"}).status_code == 403
    school_delete = reverse("admin:incidents_school_delete", args=[world.oak.pk])
    assert client.post(school_delete, {"post": "yes"}).status_code == 403
    assert Incident.objects.filter(pk=record.pk).exists()


def test_every_change_made_in_the_admin_is_in_the_audit_chain(world, capsys):
    client = client_login(Client(), world.sysadmin)
    target = make_user("oak-target")
    # A role granted, then removed.
    client.post(
        reverse("admin:incidents_membership_add"),
        {"user": target.pk, "role": Role.STAFF, "school": world.oak.pk},
    )
    membership = Membership.objects.get(user=target)
    client.post(reverse("admin:incidents_membership_delete", args=[membership.pk]), {"post": "yes"})
    # A password set on the admin's own page.
    client.post(
        reverse("admin:auth_user_password_change", args=[target.pk]),
        {"password1": "another-long-passphrase-77", "password2": "another-long-passphrase-77"},
    )
    # Administrator flags, then the active state, on the change page.
    url = reverse("admin:incidents_user_change", args=[target.pk])
    base = {
        "username": target.username,
        "first_name": target.first_name,
        "last_name": target.last_name,
        "email": "",
        "date_joined_0": target.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": target.date_joined.strftime("%H:%M:%S"),
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    assert client.post(url, {**base, "is_active": "on", "is_staff": "on"}).status_code == 302
    assert client.post(url, {**base, "is_staff": "on"}).status_code == 302
    # An account created on the admin's add page.
    client.post(
        reverse("admin:incidents_user_add"),
        {
            "username": "oak-created",
            "password1": "another-long-passphrase-78",
            "password2": "another-long-passphrase-78",
            "usable_password": "true",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert User.objects.filter(username="oak-created").exists()
    kinds = {
        action: AuditEvent.objects.filter(action=action, user=world.sysadmin).count()
        for action in (
            "account.created",
            "account.role_granted",
            "account.role_removed",
            "account.password_set",
            "account.admin_flags_changed",
            "account.deactivated",
        )
    }
    with capsys.disabled():
        print(f"\naudit rows written by the admin's changes: {kinds}")
    assert all(count == 1 for count in kinds.values()), kinds
    assert verify_chain().intact
