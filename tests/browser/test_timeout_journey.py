"""Nothing lost when a session ends, in Chromium (issue 14): the DSL types into a step, the
session ends on the server, they press Save, sign in again with password and code, find what
they typed, and save it. And the warning two minutes before the idle limit."""

import re
import time
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from incidents.models import Disclosure, Incident, KeptSubmission
from incidents.security import RESTORED_MESSAGE, SESSION_SEEN_AT
from tests import wizard_data as d
from tests.conftest import PASSWORD, client_login, fresh_totp_code, login, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/timeout")
TYPED = "WhatsApp group 'Year 9 banter', and her own phone"


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sessions_of(user):
    for row in Session.objects.all():
        if row.get_decoded().get("_auth_user_id") == str(user.pk):
            yield SessionStore(session_key=row.session_key)


def idle_for(user, seconds):
    """Move the user's last activity back on the server, as if they had been away."""
    for store in sessions_of(user):
        store[SESSION_SEEN_AT] = time.time() - seconds
        store.save()


def reported(world) -> Incident:
    staff = Client()
    client_login(staff, world.oak_staff)
    staff.post(reverse("report_concern"), d.concern_data())
    return Incident.objects.get()


def test_what_the_dsl_typed_survives_the_end_of_their_session(page, live_server, world):
    incident = reported(world)
    login(page, live_server, "oak-dsl")
    step = f"{live_server.url}{d.step_url(incident, 'disclosure')}"
    page.goto(step)
    page.locator('[name="disclosure-platforms"]').fill(TYPED)
    # Thirty-one minutes away from the keyboard, then Save.
    idle_for(world.oak_dsl, 31 * 60)
    page.get_by_role("button", name="Save and continue").click()

    # The sign-in page says why, and that nothing was lost.
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    assert TYPED not in page.url
    assert page.get_by_test_id("session-ended").inner_text() == (
        "Your session ended after 30 minutes without activity. Sign in again; "
        "what you typed has been kept."
    )
    for cookie in page.context.cookies():
        assert "banter" not in cookie["value"]
    shot(page, "01-sign-in-again")
    assert Disclosure.objects.get().platforms != TYPED

    # Password, then the authenticator's code: back on the step, the field filled.
    page.get_by_label("Username").fill("oak-dsl")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/two-factor/**")
    code = fresh_totp_code(totp_device(world.oak_dsl))
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(step)
    assert page.locator('[name="disclosure-platforms"]').input_value() == TYPED
    assert page.get_by_text(RESTORED_MESSAGE).is_visible()
    shot(page, "02-restored")
    # Nothing saved until they press Save.
    assert Disclosure.objects.get().platforms != TYPED
    assert not KeptSubmission.objects.exists()

    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r"/steps/people/$"))
    assert Disclosure.objects.get().platforms == TYPED


def test_the_warning_opens_before_the_limit_and_stay_signed_in_keeps_the_session(
    page, live_server, world, settings
):
    # A limit of 2 minutes 6 seconds: the warning opens 6 seconds after a page loads.
    settings.SESSION_IDLE_SECONDS = 126
    settings.SESSION_RENEW_SECONDS = 0
    login(page, live_server, "oak-dsl")
    page.goto(f"{live_server.url}/incidents/")
    link = page.get_by_role("link", name="Safeguarding records")
    link.focus()

    dialog = page.get_by_role("alertdialog", name="You are about to be signed out")
    dialog.wait_for(state="visible", timeout=20_000)
    assert "For your security, we will sign you out in" in dialog.inner_text()
    # Focus is moved into the dialog.
    assert page.evaluate(
        "document.getElementById('session-timeout').contains(document.activeElement)"
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    shot(page, "03-warning-1280")
    page.set_viewport_size({"width": 390, "height": 800})
    shot(page, "04-warning-390")
    page.set_viewport_size({"width": 1280, "height": 800})

    before = max(store[SESSION_SEEN_AT] for store in sessions_of(world.oak_dsl))
    dialog.get_by_role("button", name="Stay signed in").click()
    dialog.wait_for(state="hidden")
    # Focus goes back where it was; the server counts the click as activity.
    assert page.evaluate("document.activeElement.textContent.trim()") == "Safeguarding records"
    after = max(store[SESSION_SEEN_AT] for store in sessions_of(world.oak_dsl))
    assert after > before

    # Escape is "Stay signed in" too.
    dialog.wait_for(state="visible", timeout=20_000)
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    page.wait_for_function("() => !document.getElementById('session-timeout').open", timeout=5_000)
    assert max(store[SESSION_SEEN_AT] for store in sessions_of(world.oak_dsl)) > after

    # Still signed in.
    page.goto(f"{live_server.url}/incidents/")
    assert "/accounts/login/" not in page.url
    assert page.get_by_test_id("current-user").is_visible()


def test_the_page_says_when_the_session_ends_without_javascript(browser, live_server, world):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        login(page, live_server, "oak-dsl")
        text = page.get_by_test_id("session-expiry").inner_text()
        assert re.match(
            r"For your security you will be signed out after 30 minutes without activity; "
            r"this page was loaded at \d\d:\d\d, so with no activity you will be signed out "
            r"at \d\d:\d\d\.",
            text,
        )
        assert not page.get_by_role("alertdialog").is_visible()
    finally:
        context.close()


def test_when_the_time_runs_out_the_dialog_says_so_and_save_keeps_the_words(
    page, live_server, world, settings
):
    # Ten seconds idle, the warning at five.
    settings.SESSION_IDLE_SECONDS = 10
    settings.SESSION_WARNING_SECONDS = 5
    settings.SESSION_RENEW_SECONDS = 0
    incident = reported(world)
    login(page, live_server, "oak-dsl")
    page.goto(f"{live_server.url}{d.step_url(incident, 'disclosure')}")
    page.locator('[name="disclosure-platforms"]').fill(TYPED)

    page.get_by_role("alertdialog", name="You are about to be signed out").wait_for()
    ended = page.get_by_role("alertdialog", name="Your session has ended")
    ended.wait_for(timeout=20_000)
    assert "close this message and press Save" in ended.inner_text()
    shot(page, "05-ended")
    ended.get_by_role("button", name="Close this message").click()
    ended.wait_for(state="hidden")
    # The page counts down from a whole second below the server's time: let the server agree.
    page.wait_for_timeout(1_500)
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    assert "what you typed has been kept" in page.get_by_test_id("session-ended").inner_text()
    assert KeptSubmission.objects.get().data["disclosure-platforms"] == [TYPED]
