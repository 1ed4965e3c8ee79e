"""Nothing lost when a session ends (issue 14): a form posted after the idle limit is kept on the
server for its author, shown again once they have signed in with both factors, and saved only
when they press save again; the timeout warning and the idle limit in words."""

import datetime
import re
import time
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import AuditEvent, Disclosure, Incident, KeptSubmission, Status
from incidents.security import RESTORED_MESSAGE, SESSION_AUTH_AT, SESSION_SEEN_AT
from incidents.services import exports, kept
from tests import wizard_data as d
from tests.conftest import PASSWORD, client_login, fresh_totp_code, totp_device
from tests.factories import full_record

TYPED = "Kept words: a group chat called Year 9 banter"
KEPT_SIGN_IN = (
    "Your session ended after 30 minutes without activity. Sign in again; "
    "what you typed has been kept."
)


@pytest.fixture
def reported(client, world):
    """A concern reported by a member of staff, the DSL signed in and on its disclosure step."""
    client_login(client, world.oak_staff)
    client.post(reverse("report_concern"), d.concern_data())
    client_login(client, world.oak_dsl)
    return Incident.objects.get()


def age_session(client, key, seconds):
    session = client.session
    session[key] = time.time() - seconds
    session.save()


def version(incident) -> int:
    return Incident.objects.get(pk=incident.pk).version


def post_too_late(client, incident, **over):
    """Open the disclosure step, let 31 minutes pass, then press Save."""
    url = d.step_url(incident, "disclosure")
    assert client.get(url).status_code == 200
    age_session(client, SESSION_SEEN_AT, 31 * 60)
    data = d.disclosure_data(version(incident), platforms=TYPED, **over)
    return client.post(url, data)


def sign_in_with_both_factors(client, user, next_url="/"):
    """The real pages: password, then the authenticator's code, then where they were going."""
    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302
    device = totp_device(user)
    response = client.post(
        reverse("two_factor_verify"), {"otp_token": fresh_totp_code(device), "next": next_url}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


# Keeping ---------------------------------------------------------------------------------------


def test_it_keeps_a_step_posted_after_the_idle_limit_and_saves_nothing(client, world, reported):
    before = version(reported)
    response = post_too_late(client, reported)
    url = d.step_url(reported, "disclosure")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url.replace('/', '%2F')}"
    # Nothing saved; the session is over.
    assert version(reported) == before
    assert Disclosure.objects.get().platforms != TYPED
    assert "_auth_user_id" not in client.session
    # Kept on the server for the DSL, on that page, without the CSRF token.
    kept_row = KeptSubmission.objects.get()
    assert kept_row.user == world.oak_dsl
    assert kept_row.path == url
    assert kept_row.data["disclosure-platforms"] == [TYPED]
    assert "csrfmiddlewaretoken" not in kept_row.data
    # Never in a URL or a cookie.
    assert "Kept" not in unquote(response["Location"])
    for cookie in client.cookies.values():
        assert "Kept" not in unquote(cookie.value)
    # Audited: where and how many fields, never the words.
    event = AuditEvent.objects.filter(action="auth.submission_kept").get()
    assert event.user == world.oak_dsl
    assert event.data == {"path": url, "fields": len(kept_row.data), "limit": "idle"}
    assert "Kept" not in str(event.data)


def test_the_sign_in_page_says_why_and_that_it_was_kept(client, reported):
    post_too_late(client, reported)
    page = client.get(reverse("login")).content.decode()
    assert KEPT_SIGN_IN in page


def test_the_sign_in_page_says_why_when_nothing_was_posted(client, reported):
    age_session(client, SESSION_SEEN_AT, 31 * 60)
    response = client.get(d.step_url(reported, "disclosure"), follow=True)
    page = response.content.decode()
    assert "Your session ended after 30 minutes without activity. Sign in again." in page
    assert "what you typed has been kept" not in page


def test_the_sign_in_page_names_the_twelve_hour_limit(client, reported):
    url = d.step_url(reported, "disclosure")
    age_session(client, SESSION_AUTH_AT, 13 * 60 * 60)
    client.post(url, d.disclosure_data(version(reported), platforms=TYPED))
    page = client.get(reverse("login")).content.decode()
    assert (
        "Your session ended: you had been signed in for 12 hours. Sign in again; "
        "what you typed has been kept." in page
    )
    assert KeptSubmission.objects.get().data["disclosure-platforms"] == [TYPED]


def test_a_fresh_sign_in_page_says_nothing_of_a_session(client, world):
    page = client.get(reverse("login")).content.decode()
    assert "Your session ended" not in page


# Restoring -------------------------------------------------------------------------------------


def test_it_restores_the_form_once_after_both_factors_and_saves_only_on_save(
    client, world, reported
):
    post_too_late(client, reported)
    url = d.step_url(reported, "disclosure")
    # Password alone is not enough: the page (and what was kept) waits for the second factor.
    client.post(reverse("login"), {"username": "oak-dsl", "password": PASSWORD})
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_verify"))
    assert KeptSubmission.objects.exists()
    # With the code: back to the step, the form filled with what was typed, and a banner.
    response = sign_in_with_both_factors(client, world.oak_dsl, url)
    assert response["Location"] == url
    page = client.get(url).content.decode()
    assert TYPED in page
    assert RESTORED_MESSAGE in page
    assert Disclosure.objects.get().platforms != TYPED
    assert not KeptSubmission.objects.exists()
    assert AuditEvent.objects.filter(action="auth.submission_restored").get().data == {"path": url}
    # The form carries the new session's CSRF token, not the one of the request kept.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert token
    # Used once: the next visit shows what is saved.
    assert TYPED not in client.get(url).content.decode()
    # Saved only when they press save.
    response = client.post(url, d.disclosure_data(version(reported), platforms=TYPED))
    assert response.status_code == 302
    assert Disclosure.objects.get().platforms == TYPED


def test_it_restores_nothing_for_another_user(client, world, reported):
    # A concern typed by a member of staff when their session ended...
    client_login(client, world.oak_staff)
    client.get(reverse("report_concern"))
    age_session(client, SESSION_SEEN_AT, 31 * 60)
    client.post(reverse("report_concern"), d.concern_data(account=TYPED))
    assert KeptSubmission.objects.get().user == world.oak_staff
    # ...is not shown to a colleague who signs in on the same browser.
    sign_in_with_both_factors(client, world.oak_deputy)
    page = client.get(reverse("report_concern")).content.decode()
    assert TYPED not in page
    assert RESTORED_MESSAGE not in page
    assert KeptSubmission.objects.exists()
    # Their author gets it back.
    client.post(reverse("logout"))
    sign_in_with_both_factors(client, world.oak_staff)
    page = client.get(reverse("report_concern")).content.decode()
    assert TYPED in page
    assert RESTORED_MESSAGE in page


def test_it_restores_only_on_the_page_it_was_posted_to(client, world, reported):
    post_too_late(client, reported)
    sign_in_with_both_factors(client, world.oak_dsl)
    page = client.get(reverse("report_concern")).content.decode()
    assert TYPED not in page
    assert KeptSubmission.objects.exists()
    assert TYPED in client.get(d.step_url(reported, "disclosure")).content.decode()


def test_it_forgets_what_was_kept_after_two_hours(client, world, reported):
    post_too_late(client, reported)
    KeptSubmission.objects.update(
        created_at=timezone.now() - datetime.timedelta(seconds=2 * 60 * 60 + 1)
    )
    sign_in_with_both_factors(client, world.oak_dsl)
    page = client.get(d.step_url(reported, "disclosure")).content.decode()
    assert TYPED not in page
    assert RESTORED_MESSAGE not in page
    assert kept.purge_expired() == 1
    assert not KeptSubmission.objects.exists()


def test_the_daily_run_deletes_what_was_kept_past_its_time(world):
    KeptSubmission.objects.create(
        user=world.oak_dsl,
        path="/concerns/new/",
        data={"account": [TYPED]},
        created_at=timezone.now() - datetime.timedelta(hours=3),
    )
    fresh = KeptSubmission.objects.create(
        user=world.oak_dsl, path="/incidents/", data={}, created_at=timezone.now()
    )
    call_command("send_reminders")
    assert list(KeptSubmission.objects.all()) == [fresh]


def test_a_newer_submission_replaces_the_one_kept_on_the_same_page(client, world, reported):
    post_too_late(client, reported)
    client_login(client, world.oak_dsl)
    client.get(reverse("home"))
    age_session(client, SESSION_SEEN_AT, 31 * 60)
    client.post(
        d.step_url(reported, "disclosure"),
        d.disclosure_data(version(reported), platforms="Second try"),
    )
    assert KeptSubmission.objects.get().data["disclosure-platforms"] == ["Second try"]


def test_a_step_asks_the_database_nothing_when_nothing_was_kept(client, reported):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(d.step_url(reported, "disclosure")).status_code == 200
    assert not [q for q in queries if "incidents_keptsubmission" in q["sql"]]


# Refusing --------------------------------------------------------------------------------------


def test_it_keeps_nothing_that_fails_the_csrf_check(world, reported):
    browser = Client(enforce_csrf_checks=True)
    client_login(browser, world.oak_dsl)
    age_session(browser, SESSION_SEEN_AT, 31 * 60)
    response = browser.post(
        d.step_url(reported, "disclosure"), d.disclosure_data(version(reported), platforms=TYPED)
    )
    assert response.status_code == 403
    assert not KeptSubmission.objects.exists()


def test_it_keeps_nothing_when_the_session_is_gone(client, reported):
    # No session left to say whose it was: nobody could be given it safely.
    client.get(d.step_url(reported, "disclosure"))
    Session.objects.all().delete()
    response = client.post(
        d.step_url(reported, "disclosure"), d.disclosure_data(version(reported), platforms=TYPED)
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not KeptSubmission.objects.exists()


def test_it_keeps_nothing_for_a_page_that_does_not_keep_forms(client, world):
    client_login(client, world.oak_dsl)
    client.get(reverse("home"))
    age_session(client, SESSION_SEEN_AT, 31 * 60)
    response = client.post(reverse("choose_school"), {"school": str(world.oak.pk)})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not KeptSubmission.objects.exists()


def test_it_keeps_nothing_of_an_htmx_request(client, reported):
    client.get(d.step_url(reported, "disclosure"))
    age_session(client, SESSION_SEEN_AT, 31 * 60)
    client.post(
        d.step_url(reported, "disclosure"),
        d.disclosure_data(version(reported), platforms=TYPED),
        headers={"HX-Request": "true"},
    )
    assert not KeptSubmission.objects.exists()


def test_it_never_keeps_a_secret(rf, world):
    request = rf.post("/concerns/new/")
    request.user = world.oak_dsl
    posted = request.POST.copy()
    posted.update(
        {
            "account": TYPED,
            "csrfmiddlewaretoken": "x" * 64,
            "password": "hunter2",
            "otp_token": "123456",
        }
    )
    kept.keep(request, world.oak_dsl, "/concerns/new/", posted, "idle")
    assert KeptSubmission.objects.get().data == {"account": [TYPED]}


def test_the_store_keeps_an_idle_session_as_long_as_what_is_kept():
    # The middleware ends the session at 30 minutes; the row outlives it so a late form
    # still says whose it was.
    assert settings.SESSION_IDLE_SECONDS == 30 * 60
    assert settings.KEPT_SUBMISSION_SECONDS == 2 * 60 * 60
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_SECONDS + 2 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_a_session_seen_only_by_passive_requests_is_idle_from_sign_in(client, world):
    client_login(client, world.oak_dsl)
    session = client.session
    del session[SESSION_SEEN_AT]
    session[SESSION_AUTH_AT] = time.time() - 31 * 60
    session.save()
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("login"))


# The warning -----------------------------------------------------------------------------------


def test_every_signed_in_page_says_when_the_session_ends(client, world):
    client_login(client, world.oak_dsl)
    page = client.get(reverse("home")).content.decode()
    assert "For your security you will be signed out after 30 minutes without activity" in page
    after = timezone.localtime()
    before = after - datetime.timedelta(minutes=1)
    loaded = re.search(
        r"this page was loaded at (\d\d:\d\d), so with no activity you will be "
        r"signed out at (\d\d:\d\d)",
        page,
    )
    assert loaded.group(1) in (f"{before:%H:%M}", f"{after:%H:%M}")
    assert loaded.group(2) in (
        f"{before + datetime.timedelta(minutes=30):%H:%M}",
        f"{after + datetime.timedelta(minutes=30):%H:%M}",
    )
    assert 'role="alertdialog"' in page
    assert re.search(r'data-remaining="(1[789]\d\d|1800)"', page)
    assert "js/session-timeout.js" in page
    # Nothing of the kind before signing in.
    assert "session-timeout" not in Client().get(reverse("login")).content.decode()


def test_the_dialog_counts_from_the_last_activity(client, world):
    client_login(client, world.oak_dsl)
    # Seen 20 seconds ago: not renewed (once a minute), so 29 minutes 40 left.
    age_session(client, SESSION_SEEN_AT, 20)
    page = client.get(reverse("home")).content.decode()
    remaining = int(re.search(r'data-remaining="(\d+)"', page).group(1))
    assert 1770 <= remaining <= 1781


def test_stay_signed_in_renews_the_session_at_once(client, world):
    client_login(client, world.oak_dsl)
    age_session(client, SESSION_SEEN_AT, 28 * 60)
    response = client.post(reverse("session_keep_alive"))
    assert response.status_code == 200
    assert response.json()["remaining"] >= 1795
    assert time.time() - client.session[SESSION_SEEN_AT] < 5
    # Twenty-nine minutes later the session is still there.
    age_session(client, SESSION_SEEN_AT, 29 * 60)
    assert client.get(reverse("home")).status_code == 200


def test_stay_signed_in_is_a_post(client, world):
    client_login(client, world.oak_dsl)
    assert client.get(reverse("session_keep_alive")).status_code == 405
    anonymous = Client().post(reverse("session_keep_alive"))
    assert anonymous.status_code == 302


def test_stay_signed_in_cannot_revive_an_ended_session(client, world):
    client_login(client, world.oak_dsl)
    age_session(client, SESSION_SEEN_AT, 31 * 60)
    response = client.post(reverse("session_keep_alive"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not KeptSubmission.objects.exists()


def test_a_passive_page_says_the_time_left_without_renewing_it(client, world, reported):
    client_login(client, world.oak_dsl)
    job = exports.request_record_pdf(None, world.oak_dsl, reported)
    age_session(client, SESSION_SEEN_AT, 25 * 60)
    seen = client.session[SESSION_SEEN_AT]
    response = client.get(reverse("export_status", args=[job.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert client.session[SESSION_SEEN_AT] == seen
    assert 295 <= int(response["Session-Idle-Remaining"]) <= 300


# The headteacher's reason and the DSL's addendum ------------------------------------------------


@pytest.fixture
def signed(world):
    record = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    code = fresh_totp_code(totp_device(world.oak_dsl))
    services.sign_record(record, world.oak_dsl, PASSWORD, otp_token=code)
    record.refresh_from_db()
    return record


def test_it_keeps_the_headteachers_reason_for_sending_back(client, world, signed):
    url = reverse("incident_send_back", args=[signed.reference])
    client_login(client, world.oak_head)
    client.get(url)
    age_session(client, SESSION_SEEN_AT, 31 * 60)
    client.post(url, {"reason": "The dates of the meeting do not match the chronology."})
    signed.refresh_from_db()
    assert signed.status == Status.AWAITING_APPROVAL
    sign_in_with_both_factors(client, world.oak_head, url)
    page = client.get(url).content.decode()
    assert "The dates of the meeting do not match the chronology." in page
    assert RESTORED_MESSAGE in page
    signed.refresh_from_db()
    assert signed.status == Status.AWAITING_APPROVAL


def test_it_keeps_an_addendums_words_but_never_its_password_or_code(client, world, signed):
    url = reverse("incident_addendum", args=[signed.reference])
    client_login(client, world.oak_dsl)
    client.get(url)
    age_session(client, SESSION_SEEN_AT, 31 * 60)
    client.post(url, {"text": "The police rang back.", "password": PASSWORD, "otp_token": "1"})
    assert KeptSubmission.objects.get().data == {"text": ["The police rang back."]}
