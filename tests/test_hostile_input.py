"""Hostile input in an address, a query string or the sign-in form: never a server error.

Whatever is put where a reference, a step or a page number goes, the answer is the app's own
400 or 404 page (or the page itself), never a 500 (docs/architecture.md#input-the-product-refuses).
"""

import re
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.urls import URLPattern
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents import urls as incident_urls
from tests.conftest import client_login
from tests.factories import full_record

pytestmark = pytest.mark.django_db

HOSTILE = [
    "\x00",
    "OAK\x00-2026-0001",
    "%00",
    "OAK-2026-0001%00",
    "../",
    "..%2F..%2Fetc%2Fpasswd",
    "x" * 5000,
    "9" * 400,
    str(2**63),
    "-1",
    "é日本語🙂",
    "\u202eOAK-2026-0001",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    " ",
]
PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


@pytest.fixture
def dsl(client, world):
    """Oakfield's DSL, signed in with the second factor; an error is answered, not raised."""
    client.raise_request_exception = False
    return client_login(client, world.oak_dsl)


@pytest.fixture
def record(world):
    return full_record(world.oak, world.oak_dsl, reporter=world.oak_dsl)


def fill(route, values):
    """The route with each parameter replaced by its (URL-quoted) value."""
    return "/" + PARAMETER.sub(lambda m: quote(values[m.group(2)], safe="%/"), route)


def patterns():
    return [p for p in incident_urls.urlpatterns if isinstance(p, URLPattern)]


def assert_own_error_page(response, status):
    assert response.status_code == status
    assert b"Safeguarding records" in response.content


def test_a_nul_byte_in_a_reference_is_not_found(dsl):
    assert_own_error_page(dsl.get("/incidents/OAK-2026%000001/"), 404)


def test_a_nul_byte_in_a_receipt_reference_is_not_found(dsl):
    assert_own_error_page(dsl.get("/concerns/OAK%00/receipt/"), 404)


def test_a_page_number_past_bigint_is_not_found(dsl):
    assert_own_error_page(dsl.get("/incidents/", {"page": "9" * 25}), 404)


def test_a_page_number_far_past_the_last_page_is_not_found(dsl):
    assert dsl.get("/incidents/", {"page": "100000"}).status_code == 200
    assert_own_error_page(dsl.get("/incidents/", {"page": "100001"}), 404)


def test_a_sign_in_username_over_255_characters_is_refused_by_the_form(client, world):
    client.raise_request_exception = False
    response = client.post("/accounts/login/", {"username": "x" * 300, "password": "wrong"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize("pattern", patterns(), ids=lambda p: p.name)
def test_hostile_values_in_every_parameter_of_every_address(dsl, record, pattern):
    route = str(pattern.pattern)
    names = [m.group(2) for m in PARAMETER.finditer(route)]
    valid = {"reference": record.reference, "step": "disclosure"}
    for value in HOSTILE:
        # Each parameter in turn takes the value, the others a valid one; the query string and
        # the form fields the lists read take it too.
        for name in names or [None]:
            url = fill(route, valid | ({name: value} if name else {}))
            for method in (dsl.get, dsl.post):
                response = method(url, {"page": value, "stage": value, "q": value})
                assert response.status_code < 500, (url, value, response.status_code)


FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(value=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300))
def test_generated_references_are_never_a_server_error(dsl, record, value):
    for route in ("incidents/<reference>/", "concerns/<reference>/receipt/"):
        response = dsl.get(fill(route, {"reference": value}))
        assert response.status_code in {200, 302, 404}, (value, response.status_code)


@FUZZ
@given(page=st.one_of(st.integers(), st.text(max_size=50)))
def test_generated_page_numbers_are_never_a_server_error(dsl, page):
    assert dsl.get("/incidents/", {"page": str(page)}).status_code in {200, 404}
