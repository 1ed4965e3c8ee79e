"""Enrolment and recovery in Chromium: an invitation's journey, and a passkey registered on the
account page then used at the second-factor step (a CDP virtual authenticator), all under the
strict Content-Security-Policy."""

import os

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from incidents.models import AuditEvent, Membership, Role, User
from incidents.services import accounts
from tests.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/shots"
NEW_PASSWORD = "a-long-new-pass-phrase-for-oak"


def watch_for_violations(page):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(str(error)))
    return violations


def shoot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def current_code(device):
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


@pytest.fixture
def webauthn_origin(settings, live_server):
    # WebAuthn refuses an IP address as its relying party: the live server is on localhost.
    assert live_server.url.startswith("http://localhost:")
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    return live_server.url


def test_an_invitation_sets_up_the_account_in_one_visit(page, live_server, world):
    violations = watch_for_violations(page)
    newcomer = User.objects.create_user("oak-newdsl", first_name="Nia", last_name="Newman")
    Membership.objects.create(
        user=newcomer, school=world.oak, role=Role.DSL, confirmed_at=timezone.now()
    )
    issued = accounts.issue_invitation(newcomer, issued_by=world.sysadmin)
    path = issued.url.split("localhost:8000", 1)[1]

    page.goto(f"{live_server.url}{path}")
    assert page.get_by_test_id("invited-username").inner_text() == "oak-newdsl"
    shoot(page, "invitation")
    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    page.get_by_label("The same password again").fill(NEW_PASSWORD)
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    page.get_by_label("Code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Set up my account").click()

    codes = page.get_by_test_id("recovery-codes").locator("li")
    assert codes.count() == 10
    shoot(page, "recovery-codes")
    page.get_by_role("link", name="I have kept them: continue").click()
    assert "Oakfield Academy" in page.get_by_test_id("current-school").inner_text()
    # The link has been used: opening it again says so.
    page.goto(f"{live_server.url}{path}")
    assert "no longer works" in page.content()
    assert violations == []


def test_a_password_alone_is_sent_to_ask_for_an_invitation(page, live_server, world):
    page.goto(f"{live_server.url}/accounts/login/")
    shoot(page, "sign-in")
    page.get_by_label("Username").fill("oak-head")
    page.get_by_label("Password").fill(world.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/two-factor/set-up/**")
    assert "needs an invitation" in page.content()
    assert page.get_by_test_id("otp-secret").count() == 0
    shoot(page, "enrol-needs-invitation")


def test_a_passkey_is_registered_then_used_as_the_second_factor(
    page, live_server, world, webauthn_origin
):
    violations = watch_for_violations(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    login(page, live_server, "oak-dsl")
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_role("button", name="Add a passkey").click()
    page.get_by_test_id("passkeys").locator("li").first.wait_for()
    assert WebAuthnCredential.objects.filter(user=world.oak_dsl, confirmed=True).count() == 1
    assert AuditEvent.objects.filter(action="account.passkey_registered").count() == 1
    shoot(page, "account-sign-in")

    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("oak-dsl")
    page.get_by_label("Password").fill(world.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/two-factor/**")
    shoot(page, "verify-with-passkey")
    page.get_by_role("button", name="Use your passkey").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "Oakfield Academy" in page.get_by_test_id("current-school").inner_text()
    verified = AuditEvent.objects.filter(action="auth.second_factor_verified").last()
    assert verified.data["passkey"] is True
    assert violations == []


def sign_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_recovery_code_stands_in_for_a_lost_phone(page, live_server, world):
    from tests.conftest import totp_device

    totp_device(world.oak_dsl)
    codes = accounts.issue_recovery_codes(world.oak_dsl)
    sign_in(page, live_server, "oak-dsl", world.password)
    page.wait_for_url("**/accounts/two-factor/**")
    page.get_by_text("Use a recovery code instead").click()
    page.get_by_label("Recovery code").fill(codes[3])
    page.get_by_role("button", name="Use recovery code").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "You have 9 left" in page.content()
    shoot(page, "recovery-code-used")


def test_a_forgotten_password_then_still_the_second_factor(page, live_server, world):
    from django.core import mail

    from tests.conftest import fresh_totp_code, totp_device

    world.oak_dsl.email = "dsl@oak.example"
    world.oak_dsl.save()
    device = totp_device(world.oak_dsl)
    sign_in(page, live_server, "oak-dsl", "not-the-password-123")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("Your e-mail address").fill("dsl@oak.example")
    page.get_by_role("button", name="Send the link").click()
    assert "Check your e-mail" in page.content()
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    page.goto(live_server.url + link.split("localhost:8000", 1)[1])
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my new password").click()
    assert "Your password has been changed" in page.content()
    sign_in(page, live_server, "oak-dsl", NEW_PASSWORD)
    page.wait_for_url("**/accounts/two-factor/**")
    page.get_by_label("Code from your authenticator app").fill(fresh_totp_code(device))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{live_server.url}/")


def test_the_administrators_reset_from_the_admin(page, live_server, world, browser):
    from django.core import mail

    from tests.conftest import totp_device

    world.oak_dsl.email = "dsl@oak.example"
    world.oak_dsl.save()
    victim = browser.new_context().new_page()
    login(victim, live_server, "oak-dsl")
    totp_device(world.sysadmin)
    login(page, live_server, "sysadmin")
    page.goto(f"{live_server.url}/admin/incidents/user/?q=oak-dsl")
    page.locator(f"input[name=_selected_action][value='{world.oak_dsl.pk}']").check()
    page.locator("select[name=action]").select_option("reset_sign_in")
    page.get_by_role("button", name="Go").click()
    messages = page.locator("ul.messagelist")
    messages.wait_for()
    assert "sessions ended, devices removed" in messages.inner_text()
    assert "/accounts/invitation/" in mail.outbox[0].body
    victim.goto(f"{live_server.url}/")
    assert "/accounts/login/" in victim.url
    assert not TOTPDevice.objects.filter(user=world.oak_dsl).exists()
    victim.context.close()
