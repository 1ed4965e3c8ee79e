"""Enrolment and recovery in Chromium: an invitation's journey, and a passkey registered on the
account page then used at the second-factor step (a CDP virtual authenticator), all under the
strict Content-Security-Policy."""

import os

import pytest
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
    Membership.objects.create(user=newcomer, school=world.oak, role=Role.DSL)
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
