"""The DSL signs, the headteacher approves with their second factor, the record is locked and
verified, in a real browser."""

import os

import pytest

from incidents.models import AuditEvent, Status, User
from tests.browser.a11y import assert_accessible
from tests.conftest import PASSWORD, fresh_totp_code, login, totp_device
from tests.factories import full_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/shots/security"


def shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)
    assert_accessible(page, name)


def reauthenticate(page, username):
    page.get_by_label("Your password").fill(PASSWORD)
    device = totp_device(User.objects.get(username=username))
    page.get_by_label("Code from your authenticator app").fill(fresh_totp_code(device))


def test_it_takes_a_record_from_signature_to_locked_and_verified(page, live_server, world):
    record = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    record_url = f"{live_server.url}/incidents/{record.reference}/"

    # The DSL signs.
    login(page, live_server, "oak-dsl")
    page.goto(record_url)
    page.get_by_role("link", name="Sign the record").click()
    assert (
        "I confirm this record is complete and accurate"
        in page.get_by_test_id("meaning").inner_text()
    )
    reauthenticate(page, "oak-dsl")
    shot(page, "1-sign")
    page.get_by_role("button", name="Sign the record").click()
    page.wait_for_url(record_url)
    assert "awaiting headteacher approval" in page.get_by_test_id("stage").inner_text()
    page.get_by_role("button", name="Sign out").click()

    # The headteacher approves, giving their password and a fresh code again.
    login(page, live_server, "oak-head")
    page.goto(record_url)
    page.get_by_role("link", name="Approve or send back").click()
    reauthenticate(page, "oak-head")
    shot(page, "2-approve")
    page.get_by_role("button", name="Approve and lock the record").click()
    page.wait_for_url(record_url)
    assert page.get_by_test_id("stage").inner_text() == "Approved and locked"
    assert page.get_by_role("link", name="Sign the record").count() == 0
    shot(page, "3-approved")

    # Anyone with access can verify it.
    page.get_by_role("link", name="Verify the signatures").click()
    verdict = page.get_by_test_id("verification").inner_text()
    assert verdict.startswith("Intact")
    shot(page, "4-verified")

    record.refresh_from_db()
    assert record.status == Status.APPROVED
    actions = set(AuditEvent.objects.filter(incident=record).values_list("action", flat=True))
    assert {"record.signed", "record.approved", "record.verified", "incident.viewed"} <= actions


def test_it_refuses_a_wrong_password_at_signing_in_the_browser(page, live_server, world):
    record = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    login(page, live_server, "oak-dsl")
    page.goto(f"{live_server.url}/incidents/{record.reference}/sign/")
    reauthenticate(page, "oak-dsl")
    page.get_by_label("Your password").fill("not-my-password-at-all")
    page.get_by_role("button", name="Sign the record").click()
    summary = page.locator("#error-summary")
    assert "password or the code" in summary.inner_text()
    assert summary.evaluate("el => el === document.activeElement")
    shot(page, "5-wrong-password")
    record.refresh_from_db()
    assert record.status == Status.UNDER_REVIEW


def test_it_enrols_a_new_headteacher_by_invitation_before_showing_any_record(
    page, live_server, world
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from incidents.services import accounts

    record = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    # A password alone sets nothing up (issue 13): the headteacher is invited.
    issued = accounts.issue_invitation(world.oak_head, issued_by=world.sysadmin)
    page.goto(live_server.url + issued.url.split("localhost:8000", 1)[1])
    qr = page.get_by_test_id("otp-qr").locator("svg")
    assert qr.is_visible() and qr.bounding_box()["width"] > 100
    shot(page, "0-enrol")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    device = TOTPDevice.objects.get(user=world.oak_head, confirmed=False)
    page.get_by_label("Code from your authenticator app").fill(fresh_totp_code(device))
    page.get_by_role("button", name="Set up my account").click()
    page.get_by_test_id("recovery-codes").wait_for()
    page.goto(f"{live_server.url}/incidents/{record.reference}/")
    assert "OFFICIAL-SENSITIVE" in page.content()
