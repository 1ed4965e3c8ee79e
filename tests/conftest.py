"""Shared fixtures: named schools and people (STYLE habit 7), incidents, and a real browser."""

import os
import shutil
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from incidents.models import Membership, Role, School, Trust, User
from incidents.services import open_incident

PASSWORD = "correct-horse-battery-staple-42"
LONDON = ZoneInfo("Europe/London")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def pytest_configure(config):
    # `make test` promises PostgreSQL: never let the suite fall back to SQLite silently.
    if os.environ.get("SAFEGUARDING_TEST_BACKEND") == "postgresql":
        from django.conf import settings

        engine = settings.DATABASES["default"]["ENGINE"]
        if engine != "django.db.backends.postgresql":
            pytest.exit(f"make test must run on PostgreSQL, but the engine is {engine}", 2)


def make_user(username: str, **extra) -> User:
    first, _, last = username.partition("-")
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=extra.pop("first_name", first.title()),
        last_name=extra.pop("last_name", last.title()),
        **extra,
    )


@pytest.fixture
def world(db):
    """Two schools of one trust plus a school outside it, and a person in every role.

    oak_*: Oakfield Academy; riv_*: Riverside Primary (same trust); elm_dsl: another trust.
    """
    trust = Trust.objects.create(name="Evergreen Learning Trust", slug="evergreen")
    other_trust = Trust.objects.create(name="Elm Trust", slug="elm")
    oak = School.objects.create(
        trust=trust, name="Oakfield Academy", slug="oakfield", reference_prefix="OAK"
    )
    riv = School.objects.create(
        trust=trust,
        name="Riverside Primary",
        slug="riverside",
        reference_prefix="RIV",
        phase="primary",
    )
    elm = School.objects.create(
        trust=other_trust, name="Elm High", slug="elm", reference_prefix="ELM"
    )
    w = SimpleNamespace(trust=trust, oak=oak, riv=riv, elm=elm, password=PASSWORD)
    for prefix, school in (("oak", oak), ("riv", riv), ("elm", elm)):
        for role in (Role.STAFF, Role.DEPUTY_DSL, Role.DSL, Role.HEADTEACHER):
            short = {"deputy_dsl": "deputy", "headteacher": "head"}.get(role, role)
            user = make_user(f"{prefix}-{short}")
            Membership.objects.create(user=user, school=school, role=role)
            setattr(w, f"{prefix}_{short}", user)
    w.trust_lead = make_user("trust-lead")
    Membership.objects.create(user=w.trust_lead, trust=trust, role=Role.TRUST_LEAD)
    w.sysadmin = make_user("sysadmin", is_staff=True, is_superuser=True)
    return w


def new_incident(school, reporter, **kwargs):
    return open_incident(
        school=school,
        reported_by=reporter,
        incident_date=kwargs.pop("incident_date", date(2026, 10, 1)),
        disclosed_at=kwargs.pop("disclosed_at", datetime(2026, 10, 2, 9, 30, tzinfo=LONDON)),
    )


@pytest.fixture
def incident(world):
    return new_incident(world.oak, world.oak_staff)


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


# Browser tests -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        pytest.fail("Chromium is not installed: `make test` installs it with apt-get")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the same
    # test are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    p = context.new_page()
    p.set_default_timeout(15_000)
    yield p
    context.close()


def login(page, live_server, username, password=PASSWORD):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def client_login(client, user):
    """Log ``user`` in on the Django test client, past every factor the site asks for.

    Every test logs in through this one function, so the authentication flow can change in
    one place.
    """
    client.force_login(user)
    return client
