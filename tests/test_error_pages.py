"""The product's own error pages (issue 14): 400, 403, 404, 500, a refused CSRF check and a body
over the size limit, each in the layout, with a way back, and nothing of the request echoed."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from incidents.models import Disclosure, Incident
from tests.conftest import client_login
from tests.error_urls import SECRET
from tests.wizard_data import concern_data

pytestmark = pytest.mark.django_db


def assert_own_page(response, status, heading):
    body = response.content.decode()
    assert response.status_code == status, body[:500]
    assert '<a class="navbar-brand fw-semibold" href="/">Safeguarding records</a>' in body
    assert heading in body
    assert 'href="/">Go to your dashboard</a>' in body
    assert "Traceback" not in body
    return body


def without_tokens(body: str) -> str:
    """The page less what changes on every rendering (CSRF tokens)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


# 404 -------------------------------------------------------------------------------------------


def test_it_answers_an_unknown_address_with_its_own_404_and_no_echo(client):
    body = assert_own_page(client.get("/no-such-page-zq7/"), 404, "Page not found")
    assert "zq7" not in body
    assert 'href="/accounts/login/">Sign in</a>' in body


def test_it_gives_a_signed_in_reader_the_404_in_their_own_header(client, world):
    client_login(client, world.oak_dsl)
    body = assert_own_page(client.get("/no-such-page-zq7/"), 404, "Page not found")
    assert "Oakfield Academy" in body
    assert ">Sign in</a>" not in body


def test_another_schools_record_and_no_record_show_the_same_page(client, world, incident):
    client_login(client, world.elm_dsl)
    other = client.get(reverse("incident_detail", args=[incident.reference]))
    missing = client.get(reverse("incident_detail", args=["OAK-2026-9999"]))
    assert other.status_code == missing.status_code == 404
    assert without_tokens(other.content.decode()) == without_tokens(missing.content.decode())
    assert incident.reference not in other.content.decode()


# 403 -------------------------------------------------------------------------------------------


def test_it_explains_a_refusal_by_the_records_access_rules(client, world, incident):
    client_login(client, world.oak_staff)
    body = assert_own_page(
        client.get(reverse("incident_detail", args=[incident.reference])), 403, "You cannot do this"
    )
    assert "Your role does not allow this on this record." in body
    assert "ask your school's DSL" in body


@pytest.mark.urls("tests.error_urls")
def test_a_bare_permission_denied_gets_the_page_too(client, world):
    client_login(client, world.oak_dsl)
    body = assert_own_page(client.get("/test-errors/403/"), 403, "You cannot do this")
    assert "Your role does not allow this." in body


# 400 and 500 -----------------------------------------------------------------------------------


@pytest.mark.urls("tests.error_urls")
def test_a_request_it_cannot_read_gets_its_own_400(client):
    client.raise_request_exception = False
    body = assert_own_page(
        client.get("/test-errors/400/"), 400, "The service could not read what was sent"
    )
    assert "secret-detail" not in body


@pytest.mark.urls("tests.error_urls")
def test_a_server_error_gets_its_own_500_without_the_detail(client, world):
    client_login(client, world.oak_dsl)
    client.raise_request_exception = False
    body = assert_own_page(client.get("/test-errors/500/"), 500, "Something went wrong")
    assert "secret-detail" not in body and "passwd" not in body and SECRET not in body
    # Drawn without the request (the database may be what failed): both ways back, no user.
    assert 'href="/accounts/login/">Sign in</a>' in body
    assert "oak-dsl" not in body and "Oakfield" not in body


# CSRF ------------------------------------------------------------------------------------------


def test_a_refused_csrf_check_gets_its_own_page(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "oak-dsl", "password": world.password})
    body = assert_own_page(response, 403, "The form had expired")
    assert "CSRF verification failed" not in body
    assert "reload the page" in body
    assert 'href="/accounts/login/">Sign in</a>' in body
    assert "_auth_user_id" not in client.session


def test_a_signed_in_persons_refused_csrf_check_keeps_the_layout(world):
    client = Client(enforce_csrf_checks=True)
    client_login(client, world.oak_staff)
    response = client.post(reverse("report_concern"), concern_data())
    body = assert_own_page(response, 403, "The form had expired")
    assert "Oakfield Academy" in body
    assert Incident.objects.count() == 0


# A body over the limit ---------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["multipart", "urlencoded"])
def test_a_body_over_the_limit_gets_a_page_with_the_limit_in_words(
    client, world, settings, content_type
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_500_000
    client_login(client, world.oak_staff)
    data = concern_data(account="She said " * 300_000)
    if content_type == "urlencoded":
        from urllib.parse import urlencode

        response = client.post(
            reverse("report_concern"),
            urlencode(data),
            content_type="application/x-www-form-urlencoded",
        )
    else:
        response = client.post(reverse("report_concern"), data)
    body = assert_own_page(response, 413, "Too much to send at once")
    assert "reads up to 2.5 MB in one go" in body
    assert "each box takes up to 10,000 characters" in body
    assert Disclosure.objects.count() == 0


def test_every_page_tells_the_browser_the_limit(client, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000_000
    client_login(client, world.oak_staff)
    body = client.get(reverse("report_concern")).content.decode()
    assert '<body data-body-limit="1000000">' in body


def test_every_text_box_of_the_concern_form_stops_at_the_limit_the_server_keeps(client, world):
    client_login(client, world.oak_staff)
    body = client.get(reverse("report_concern")).content.decode()
    boxes = re.findall(r"<textarea[^>]*>", body)
    assert boxes
    assert all('maxlength="10000"' in box for box in boxes), boxes
    response = client.post(reverse("report_concern"), concern_data(account="a" * 10_001))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Shorten this to 10,000 characters or fewer (it has 10001)." in html
    assert "a" * 10_001 in html  # kept, to be shortened
    assert Incident.objects.count() == 0
