"""Sessions end after 30 minutes idle and 12 hours at most (issue 5)."""

import time

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import AuditEvent
from incidents.security import SESSION_AUTH_AT, SESSION_SEEN_AT
from tests.conftest import client_login


def age_session(client, key, seconds):
    session = client.session
    session[key] = time.time() - seconds
    session.save()


def test_it_sets_a_thirty_minute_idle_limit_and_a_twelve_hour_one():
    assert settings.SESSION_IDLE_SECONDS == 30 * 60
    assert settings.SESSION_MAX_AGE_SECONDS == 12 * 60 * 60


def test_it_writes_the_session_at_most_once_a_minute(client, world):
    client_login(client, world.oak_dsl)
    client.get("/")
    stored = Session.objects.get().expire_date
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert not [q for q in queries if q["sql"].startswith('UPDATE "django_session"')]
    assert Session.objects.get().expire_date == stored


def test_it_renews_the_session_of_a_user_active_a_minute_later(client, world):
    client_login(client, world.oak_dsl)
    age_session(client, SESSION_SEEN_AT, 61)
    stored = Session.objects.get().expire_date
    client.get("/")
    assert Session.objects.get().expire_date > stored
    assert time.time() - client.session[SESSION_SEEN_AT] < 5


def test_it_keeps_an_active_session(client, world):
    client_login(client, world.oak_dsl)
    age_session(client, SESSION_SEEN_AT, 29 * 60)
    assert client.get("/").status_code == 200


def test_it_ends_a_session_idle_for_over_thirty_minutes(client, world):
    client_login(client, world.oak_dsl)
    client.get("/")
    age_session(client, SESSION_SEEN_AT, 31 * 60)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    event = AuditEvent.objects.filter(action="auth.session_expired").get()
    assert event.data == {"limit": "idle"}


def test_it_ends_a_session_the_store_has_expired(client, world):
    client_login(client, world.oak_dsl)
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_it_ends_a_session_twelve_hours_after_sign_in_however_busy(client, world):
    client_login(client, world.oak_dsl)
    client.get("/")
    age_session(client, SESSION_AUTH_AT, 12 * 60 * 60 + 1)
    response = client.get("/")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.session_expired").get().data == {
        "limit": "absolute"
    }
