"""Enrolment and recovery need more than a password (issue 13, item 1).

An account is activated by a one-time invitation that sets the password and the authenticator in
one journey; the set-up secret is new on every visit; recovery codes work once each; a forgotten
password never bypasses the second factor; an administrator's reset ends sessions and removes
devices. The takeover attempts of the issue are counted at the end of this file.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.models import AuditEvent, Invitation, Membership, Role, User
from incidents.services import ServiceError
from incidents.services import accounts as service
from tests.conftest import client_login, fresh_totp_code, make_user, totp_device
from tests.test_settings import load_settings

NEW_PASSWORD = "a-long-new-pass-phrase-for-oak"
LINK = re.compile(r"/accounts/invitation/([\w-]+)/")
RESET_LINK = re.compile(r"/accounts/reset/[\w-]+/[\w-]+/")


def actions(*names):
    rows = AuditEvent.objects.order_by("pk").values_list("action", flat=True)
    return [a for a in rows if not names or a in names]


def code_for(device):
    if device.pk is not None:
        device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def invite(user, by, capture, school=None):
    with capture(execute=True):
        issued = service.issue_invitation(user, issued_by=by, school=school)
    token = issued.url.rsplit("/", 2)[-2]
    return issued, token


def open_invitation(client, token):
    """The set-up page; the authenticator it just made for the account."""
    response = client.get(reverse("invitation_accept", kwargs={"token": token}))
    device = TOTPDevice.objects.filter(confirmed=False).order_by("-pk").first()
    return response, device


def accept(client, token, device, password=NEW_PASSWORD, code=None):
    return client.post(
        reverse("invitation_accept", kwargs={"token": token}),
        {
            "new_password1": password,
            "new_password2": password,
            "otp_token": code if code is not None else code_for(device),
        },
    )


@pytest.fixture
def new_teacher(world):
    """A member of staff just created: reads no records."""
    user = User.objects.create_user("oak-newstaff", email="new.staff@oak.example")
    Membership.objects.create(user=user, school=world.oak, role=Role.STAFF)
    return user


@pytest.fixture
def newcomer(world):
    """A DSL account just created by the administrator: no password, no device."""
    user = User.objects.create_user(
        "oak-newdsl", email="new.dsl@oak.example", first_name="Nia", last_name="Newman"
    )
    Membership.objects.create(user=user, school=world.oak, role=Role.DSL)
    return user


# Invitations ---------------------------------------------------------------------------------


def test_it_stores_only_the_hash_of_an_invitation(
    world, newcomer, django_capture_on_commit_callbacks
):
    issued, token = invite(newcomer, world.sysadmin, django_capture_on_commit_callbacks)
    stored = Invitation.objects.get(user=newcomer)
    assert token not in stored.token_hash and stored.token_hash == service.token_hash(token)
    assert stored.expires_at - stored.created_at == timedelta(hours=72)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.dsl@oak.example"]
    assert LINK.search(mail.outbox[0].body).group(1) == token
    # A DSL reads children's records: their link goes to their own address only.
    assert not issued.may_hand_over
    assert actions("account.invitation_issued") == ["account.invitation_issued"]


def test_it_sets_the_password_and_the_authenticator_in_one_journey(
    client, world, newcomer, django_capture_on_commit_callbacks
):
    _, token = invite(newcomer, world.sysadmin, django_capture_on_commit_callbacks)
    response, device = open_invitation(client, token)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in body and "<img" not in body and "oak-newdsl" in body
    response = accept(client, token, device)
    assert response.status_code == 200
    codes = re.findall(r"<li>([a-z0-9]+)</li>", response.content.decode())
    assert len(codes) == 10
    assert set(codes) == set(StaticToken.objects.values_list("token", flat=True))
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW_PASSWORD)
    device.refresh_from_db()
    assert device.confirmed
    # Signed in with the second factor verified: the dashboard opens.
    assert client.get("/").status_code == 200
    assert Invitation.objects.get(user=newcomer).used_at is not None
    assert actions(
        "account.invitation_accepted",
        "auth.second_factor_enrolled",
        "account.recovery_codes_issued",
        "auth.login_succeeded",
    ) == [
        "account.invitation_accepted",
        "auth.second_factor_enrolled",
        "account.recovery_codes_issued",
        "auth.login_succeeded",
    ]


def test_it_refuses_an_invitation_used_once(
    client, world, newcomer, django_capture_on_commit_callbacks
):
    _, token = invite(newcomer, world.sysadmin, django_capture_on_commit_callbacks)
    _, device = open_invitation(client, token)
    accept(client, token, device)
    other = Client()
    response, _ = open_invitation(other, token)
    assert response.status_code == 404
    assert "no longer works" in response.content.decode()
    assert "account.invitation_refused" in actions()


def test_it_refuses_an_expired_invitation(
    client, world, newcomer, django_capture_on_commit_callbacks
):
    _, token = invite(newcomer, world.sysadmin, django_capture_on_commit_callbacks)
    _, device = open_invitation(client, token)
    Invitation.objects.filter(user=newcomer).update(
        created_at=timezone.now() - timedelta(hours=80),
        expires_at=timezone.now() - timedelta(hours=8),
    )
    response = accept(client, token, device)
    assert response.status_code == 404
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()
    assert not TOTPDevice.objects.filter(user=newcomer, confirmed=True).exists()


def test_a_new_invitation_supersedes_the_older_one(
    client, world, newcomer, django_capture_on_commit_callbacks
):
    _, first = invite(newcomer, world.sysadmin, django_capture_on_commit_callbacks)
    _, second = invite(newcomer, world.sysadmin, django_capture_on_commit_callbacks)
    assert open_invitation(Client(), first)[0].status_code == 404
    response, device = open_invitation(client, second)
    assert response.status_code == 200
    assert accept(client, second, device).status_code == 200


def test_it_refuses_a_guessed_token(client, world, newcomer, django_capture_on_commit_callbacks):
    invite(newcomer, world.sysadmin, django_capture_on_commit_callbacks)
    assert open_invitation(client, "x" * 43)[0].status_code == 404


def test_it_applies_django_password_validators_and_keeps_the_secret(
    client, world, newcomer, django_capture_on_commit_callbacks
):
    _, token = invite(newcomer, world.sysadmin, django_capture_on_commit_callbacks)
    _, device = open_invitation(client, token)
    response = accept(client, token, device, password="short")
    body = response.content.decode()
    assert response.status_code == 200
    assert "This password is too short" in body and 'id="error-summary"' in body
    # The secret just scanned is still the one shown: a typing slip does not undo the app.
    assert TOTPDevice.objects.filter(user=newcomer, confirmed=False).get() == device
    assert accept(client, token, device).status_code == 200


def test_it_shows_a_new_secret_on_every_visit_and_the_old_one_stops_working(
    client, world, newcomer, django_capture_on_commit_callbacks
):
    _, token = invite(newcomer, world.sysadmin, django_capture_on_commit_callbacks)
    attacker = Client()
    _, seen_first = open_invitation(attacker, token)
    first_secret = seen_first.key
    _, device = open_invitation(client, token)
    assert device.key != first_secret
    assert not TOTPDevice.objects.filter(pk=seen_first.pk).exists()
    # The first visitor's secret, and its code, are worth nothing now.
    stale = TOTPDevice(user=newcomer, key=first_secret)
    response = accept(attacker, token, device, code=code_for(stale))
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=newcomer, confirmed=True).exists()


def test_it_refuses_a_wrong_code_next_to_the_field(
    client, world, newcomer, django_capture_on_commit_callbacks
):
    _, token = invite(newcomer, world.sysadmin, django_capture_on_commit_callbacks)
    _, device = open_invitation(client, token)
    code = code_for(device)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = accept(client, token, device, code=wrong)
    assert "That code is not right" in response.content.decode()
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()


# The DSL's invitations ----------------------------------------------------------------------


def test_the_dsl_invites_a_new_teacher_and_sees_the_link_once(
    client, world, new_teacher, django_capture_on_commit_callbacks
):
    client_login(client, world.oak_dsl)
    page = client.get(reverse("school_invitations"))
    assert page.status_code == 200 and "oak-newstaff" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("school_invitations"), {"user": new_teacher.pk})
    body = response.content.decode()
    assert response.status_code == 200
    token = LINK.search(body).group(1)
    assert service.find_invitation(token).user == new_teacher
    assert mail.outbox[0].to == ["new.staff@oak.example"]


def test_the_dsl_never_sees_the_link_of_someone_who_will_read_records(
    client, world, newcomer, django_capture_on_commit_callbacks
):
    # Otherwise a DSL could set up a new headteacher's account and approve their own records.
    client_login(client, world.oak_dsl)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("school_invitations"), {"user": newcomer.pk})
    assert response.status_code == 200
    assert not LINK.search(response.content.decode())
    assert "goes only to their own e-mail address" in response.content.decode()
    assert LINK.search(mail.outbox[0].body) and mail.outbox[0].to == ["new.dsl@oak.example"]


def test_the_dsl_cannot_invite_anyone_with_a_role_elsewhere(client, world):
    Membership.objects.create(user=world.oak_staff, school=world.riv, role=Role.STAFF)
    client_login(client, world.oak_dsl)
    for person in (world.oak_staff, world.riv_staff, world.trust_lead, world.sysadmin):
        response = client.post(reverse("school_invitations"), {"user": person.pk})
        assert "Choose a colleague from the list" in response.content.decode()
    assert not Invitation.objects.exists()


def test_the_dsl_cannot_invite_someone_who_has_a_second_factor(
    world, django_capture_on_commit_callbacks
):
    totp_device(world.oak_head)
    with pytest.raises(ServiceError, match="already has a second factor"):
        service.issue_invitation(world.oak_head, issued_by=world.oak_dsl, school=world.oak)


def test_a_returning_persons_link_is_only_e_mailed(world, django_capture_on_commit_callbacks):
    world.oak_staff.last_login = timezone.now()
    world.oak_staff.save()
    issued, _ = invite(
        world.oak_staff, world.oak_dsl, django_capture_on_commit_callbacks, world.oak
    )
    assert not issued.may_hand_over


@pytest.mark.parametrize("who", ["oak_head", "oak_deputy", "oak_staff", "elm_head"])
def test_only_the_schools_dsl_invites(client, world, who):
    client_login(client, getattr(world, who))
    assert client.get(reverse("school_invitations")).status_code == 403


# Recovery codes ------------------------------------------------------------------------------


def signed_in_with_password(client, user, password):
    client.post(reverse("login"), {"username": user.username, "password": password})


def test_a_recovery_code_works_once_and_the_rest_are_counted(client, world):
    totp_device(world.oak_dsl)
    codes = service.issue_recovery_codes(world.oak_dsl)
    signed_in_with_password(client, world.oak_dsl, world.password)
    page = client.get(reverse("two_factor_verify"))
    assert 'data-testid="recovery-left">10<' in page.content.decode()
    response = client.post(reverse("two_factor_verify"), {"recovery_code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert service.recovery_codes_left(world.oak_dsl) == 9
    event = AuditEvent.objects.filter(action="auth.recovery_code_used").get()
    assert event.data["remaining"] == 9

    other = Client()
    signed_in_with_password(other, world.oak_dsl, world.password)
    response = other.post(reverse("two_factor_verify"), {"recovery_code": codes[0]})
    assert response.status_code == 200
    assert "already been used" in response.content.decode()
    assert other.get("/").status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, world):
    old = service.issue_recovery_codes(totp_device(world.oak_dsl).user)
    client_login(client, world.oak_dsl)
    page = client.get(reverse("account_security"))
    assert page.status_code == 200 and "Make new recovery codes" in page.content.decode()
    response = client.post(reverse("recovery_codes"))
    new = re.findall(r"<li>([a-z0-9]+)</li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)
    assert actions("account.recovery_codes_issued") == ["account.recovery_codes_issued"] * 2


def test_the_account_page_needs_the_second_factor_first(client, world):
    totp_device(world.oak_dsl)
    signed_in_with_password(client, world.oak_dsl, world.password)
    assert client.get(reverse("account_security")).status_code == 302
    response = client.post(reverse("recovery_codes"))
    assert response.status_code == 302
    assert not StaticDevice.objects.filter(user=world.oak_dsl).exists()


# Forgotten password ----------------------------------------------------------------------------


def test_a_forgotten_password_is_reset_but_the_second_factor_is_still_asked(
    client, world, django_capture_on_commit_callbacks
):
    user = world.oak_dsl
    user.email = "dsl@oak.example"
    user.save()
    device = totp_device(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "DSL@oak.example"})
    assert response.url == reverse("password_reset_done")
    link = RESET_LINK.search(mail.outbox[0].body).group(0)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.url == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # Not signed in; signing in with the new password still stops at the second factor.
    assert SESSION_KEY not in client.session
    signed_in_with_password(client, user, NEW_PASSWORD)
    assert client.get("/").url.startswith(reverse("two_factor_verify"))
    assert (
        client.post(
            reverse("two_factor_verify"), {"otp_token": fresh_totp_code(device)}
        ).status_code
        == 302
    )
    assert client.get("/").status_code == 200
    # The link worked once.
    assert "no longer works" in Client().get(link, follow=True).content.decode()
    assert actions("account.password_reset_requested", "account.password_reset") == [
        "account.password_reset_requested",
        "account.password_reset",
    ]


def test_a_reset_request_says_the_same_whether_or_not_the_address_is_known(client, world):
    response = client.post(reverse("password_reset"), {"email": "nobody@nowhere.example"})
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_an_account_without_a_second_factor_gets_an_invitation_instead(
    client, world, django_capture_on_commit_callbacks
):
    world.oak_head.email = "head@oak.example"
    world.oak_head.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "head@oak.example"})
    assert LINK.search(mail.outbox[0].body)
    assert not RESET_LINK.search(mail.outbox[0].body)


# The administrator's reset -------------------------------------------------------------------


def test_the_administrators_reset_ends_sessions_and_removes_devices(
    client, world, django_capture_on_commit_callbacks
):
    victim = world.oak_dsl
    victim.email = "dsl@oak.example"
    victim.save()
    victims_browser = client_login(Client(), victim)
    service.issue_recovery_codes(victim)
    assert victims_browser.get("/").status_code == 200
    client_login(client, world.sysadmin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:incidents_user_changelist"),
            {"action": "reset_sign_in", "_selected_action": [victim.pk]},
            follow=True,
        )
    assert "sessions ended, devices removed" in response.content.decode()
    # The link goes to the person only, never to the administrator's screen.
    assert not LINK.search(response.content.decode())
    assert LINK.search(mail.outbox[0].body) and mail.outbox[0].to == ["dsl@oak.example"]
    assert "reset your sign-in" in mail.outbox[0].body
    assert victims_browser.get("/").url.startswith(reverse("login"))
    victim.refresh_from_db()
    assert not victim.has_usable_password()
    assert not TOTPDevice.objects.filter(user=victim).exists()
    assert not StaticDevice.objects.filter(user=victim).exists()
    event = AuditEvent.objects.get(action="account.sign_in_reset")
    assert event.user == world.sysadmin
    assert event.data["account_id"] == victim.pk
    assert event.data["sessions_ended"] == 1
    assert event.data["devices_removed"] == 2


def test_the_administrator_invites_new_accounts_and_sees_only_a_teachers_link(
    client, world, newcomer, new_teacher, django_capture_on_commit_callbacks
):
    client_login(client, world.sysadmin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:incidents_user_changelist"),
            {"action": "send_invitation", "_selected_action": [newcomer.pk, new_teacher.pk]},
        )
    shown = LINK.findall(response.content.decode())
    assert [service.find_invitation(token).user for token in shown] == [new_teacher]
    assert sorted(m.to[0] for m in mail.outbox) == ["new.dsl@oak.example", "new.staff@oak.example"]


def test_an_administrator_cannot_reset_their_own_sign_in(world):
    with pytest.raises(ServiceError):
        service.reset_sign_in(world.sysadmin, by=world.sysadmin)
    with pytest.raises(ServiceError):
        service.reset_sign_in(world.oak_staff, by=world.oak_dsl)


# Passkeys: registering one needs the second factor already ----------------------------------


def test_a_password_alone_cannot_register_a_passkey(client, world):
    signed_in_with_password(client, world.oak_head, world.password)
    for name in ("credential-registration-begin", "credential-registration-complete"):
        response = client.post(reverse(f"otp_webauthn:{name}"), content_type="application/json")
        assert response.status_code in (302, 403)
    # Even a role that needs no second factor (staff) cannot add one without it.
    staff = Client()
    signed_in_with_password(staff, world.oak_staff, world.password)
    response = staff.post(
        reverse("otp_webauthn:credential-registration-begin"), content_type="application/json"
    )
    assert response.status_code == 403
    assert "otp_webauthn_register_state" not in staff.session


# The takeover attempts of issue 13 -----------------------------------------------------------


def attempts(world, capture):
    """Each attempt by someone holding only the password of a reader's account with no second
    factor (or an invitation page seen before its owner opened it). True when it won a way in."""
    victim = world.oak_head
    password = world.password

    def bound(client=None):
        confirmed = TOTPDevice.objects.filter(user=victim, confirmed=True).exists()
        verified = client is not None and client.get("/").status_code == 200
        return confirmed or verified

    def enrol_page():
        c = Client()
        signed_in_with_password(c, victim, password)
        c.get(reverse("two_factor_enrol"))
        return bound(c) or TOTPDevice.objects.filter(user=victim).exists()

    def enrol_post_guesses():
        c = Client()
        signed_in_with_password(c, victim, password)
        for guess in ("000000", "123456", "999999"):
            c.post(reverse("two_factor_enrol"), {"otp_token": guess})
        return bound(c)

    def verify_page():
        c = Client()
        signed_in_with_password(c, victim, password)
        c.post(reverse("two_factor_verify"), {"otp_token": "123456"})
        c.post(reverse("two_factor_verify"), {"recovery_code": "abcdefgh"})
        return bound(c)

    def passkey_registration():
        c = Client()
        signed_in_with_password(c, victim, password)
        c.post(reverse("otp_webauthn:credential-registration-begin"))
        c.post(reverse("otp_webauthn:credential-registration-complete"), {})
        return bound(c)

    def recovery_codes_page():
        c = Client()
        signed_in_with_password(c, victim, password)
        c.post(reverse("recovery_codes"))
        return bound(c) or StaticDevice.objects.filter(user=victim).exists()

    def account_page():
        c = Client()
        signed_in_with_password(c, victim, password)
        return c.get(reverse("account_security")).status_code == 200

    def forgot_password():
        victim.email = "head@oak.example"
        victim.save()
        c = Client()
        with capture(execute=True):
            c.post(reverse("password_reset"), {"email": "head@oak.example"})
        # What arrives goes to the owner's mailbox, not to the attacker: nothing is shown.
        return bool(LINK.search(c.get(reverse("password_reset_done")).content.decode()))

    def guessed_invitation():
        c = Client()
        return c.get(reverse("invitation_accept", kwargs={"token": "A" * 43})).status_code == 200

    def setup_page_seen_once():
        # The attacker opens the owner's invitation first and keeps its secret; the owner then
        # opens it and enrols; the attacker's secret never works, before or after.
        _, token = invite(victim, world.sysadmin, capture)
        attacker = Client()
        _, seen = open_invitation(attacker, token)
        kept_key = seen.key
        owner = Client()
        _, device = open_invitation(owner, token)
        stolen = TOTPDevice(user=victim, key=kept_key)
        accept(attacker, token, device, code=code_for(stolen))
        won_before = attacker.get("/").status_code == 200
        _, device = open_invitation(owner, token)
        accept(owner, token, device)
        assert TOTPDevice.objects.filter(user=victim, confirmed=True).exists()
        accept(attacker, token, device, code=code_for(stolen))
        theirs = TOTPDevice.objects.filter(user=victim, confirmed=True, key=kept_key).exists()
        return won_before or theirs or attacker.get("/").status_code == 200

    return {
        "enrol page with the password": enrol_page,
        "codes posted to the enrol page": enrol_post_guesses,
        "verify page with no device": verify_page,
        "passkey registration with the password": passkey_registration,
        "recovery codes with the password": recovery_codes_page,
        "account page with the password": account_page,
        "forgotten-password flow": forgot_password,
        "guessed invitation token": guessed_invitation,
        "set-up page seen before the owner": setup_page_seen_once,
    }


def test_no_takeover_attempt_of_the_issue_succeeds(world, django_capture_on_commit_callbacks):
    results = {
        name: attempt()
        for name, attempt in attempts(world, django_capture_on_commit_callbacks).items()
    }
    succeeded = [name for name, won in results.items() if won]
    print(f"takeover attempts: {len(results)} tried, {len(succeeded)} succeeded")
    assert len(results) == 9
    assert succeeded == []


# Query counts: the account pages do not grow with the number of people ------------------------


def queries_of(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_invitations_page_does_not_grow_with_the_number_of_colleagues(client, world):
    client_login(client, world.oak_dsl)
    url = reverse("school_invitations")
    few = queries_of(client, url)
    for n in range(30):
        colleague = make_user(f"oak-colleague{n}")
        Membership.objects.create(user=colleague, school=world.oak, role=Role.STAFF)
        if n % 2:
            totp_device(colleague)
    many = queries_of(client, url)
    assert few == many <= 7


def test_the_second_factor_and_account_pages_keep_their_budget(client, world):
    totp_device(world.oak_dsl)
    service.issue_recovery_codes(world.oak_dsl)
    signed_in_with_password(client, world.oak_dsl, world.password)
    assert queries_of(client, reverse("two_factor_verify")) <= 9
    client_login(client, world.oak_dsl)
    assert queries_of(client, reverse("account_security")) <= 8


# django-axes still limits sign-in after a reset ------------------------------------------------


def test_a_password_reset_does_not_lift_a_lockout(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "oak-dsl", "password": "wrong-guess-000"})
    service.set_password_from_reset(world.oak_dsl, NEW_PASSWORD)
    response = client.post(reverse("login"), {"username": "oak-dsl", "password": NEW_PASSWORD})
    assert SESSION_KEY not in client.session
    assert response.status_code in (403, 429) or "locked" in response.content.decode().lower()


def test_an_account_with_no_usable_password_cannot_sign_in(client, world, newcomer):
    response = client.post(reverse("login"), {"username": "oak-newdsl", "password": ""})
    assert response.status_code == 200 and SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "uidb64",
    ["OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "AA%00", "-1", "x" * 300],
)
def test_a_hostile_reset_link_is_never_a_server_error(client, world, uidb64):
    response = client.get(f"/accounts/reset/{uidb64}/set-password/", follow=True)
    assert response.status_code in (200, 404)


@pytest.mark.parametrize("token", ["%00", "a" * 2000, "..%2F..", "ü"])
def test_a_hostile_invitation_link_is_never_a_server_error(client, world, token):
    assert client.get(f"/accounts/invitation/{token}/").status_code == 404


def test_the_settings_refuse_an_ip_address_as_the_passkeys_relying_party():
    refused = load_settings(DJANGO_DEBUG="true", DJANGO_SITE_URL="http://127.0.0.1:8000")
    assert refused.returncode != 0 and "relying party" in refused.stderr
    assert (
        load_settings(DJANGO_DEBUG="true", DJANGO_SITE_URL="http://localhost:8012").returncode == 0
    )
