"""Shared fixtures: named schools and people (STYLE habit 7), incidents, and a real browser."""

import os
import shutil
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

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
    _flush_as_the_owner()
    # `make test` promises PostgreSQL: never let the suite fall back to SQLite silently.
    if os.environ.get("SAFEGUARDING_TEST_BACKEND") == "postgresql":
        from django.conf import settings

        engine = settings.DATABASES["default"]["ENGINE"]
        if engine != "django.db.backends.postgresql":
            pytest.exit(f"make test must run on PostgreSQL, but the engine is {engine}", 2)
        if settings.DATABASE_MIGRATE is None:
            pytest.exit(
                "make test runs as two database roles: set DATABASE_MIGRATE_URL to the owner's "
                "address (copy the pg_virtualenv line of the Makefile's test target)",
                2,
            )


# Two database roles -------------------------------------------------------------------------
# The test database is created, migrated, flushed and dropped by the owner role
# (DATABASE_MIGRATE_URL); every query of the application and of the tests runs as the
# application's role (DATABASE_URL), which owns nothing. Without DATABASE_MIGRATE_URL (SQLite)
# `as_owner` changes nothing.


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_keepdb):
    """pytest-django's, with the database created and migrated (incidents' migrate command,
    which also grants the application's role its privileges) through the owner's connection."""
    from django.test.utils import setup_databases, teardown_databases

    from incidents.dbroles import as_owner

    verbosity = request.config.option.verbose
    with django_db_blocker.unblock(), as_owner():
        db_cfg = setup_databases(
            verbosity=verbosity, interactive=False, keepdb=django_db_keepdb, aliases={"default"}
        )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock(), as_owner():
            teardown_databases(db_cfg, verbosity=verbosity)


def _flush_as_the_owner():
    """A transactional test ends with `flush` (TRUNCATE of every table): only the owner may
    truncate, and the locking triggers let only the owner through, so it runs as the owner."""
    from django.core.management.commands import flush

    from incidents.dbroles import as_owner

    original = flush.Command.handle
    if getattr(original, "as_owner", False):
        return

    def handle(self, *args, **options):
        with as_owner(options["database"]):
            return original(self, *args, **options)

    handle.as_owner = True
    flush.Command.handle = handle


@pytest.fixture
def owner_connection(transactional_db):
    """The test database through the owner's connection, for a test that acts as someone
    holding the owner role (a tampering attacker): `with owner_connection(): ...` runs the
    block's ORM calls and SQL as the owner. Only in a transactional test: the owner's
    connection cannot see an open transaction's rows."""
    from django.conf import settings

    from incidents.dbroles import as_owner

    if settings.DATABASE_MIGRATE is None:
        pytest.fail("This test acts as the owner role: run it with make test (two roles)")
    return as_owner


# --------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    """Tasks run in the process that enqueues them, when its transaction commits (capture the
    commit with ``django_capture_on_commit_callbacks(execute=True)``). tests/test_exports.py
    runs one through the database backend and a real worker process."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests create many users. Production keeps Argon2
    (tests/test_security_settings.py checks the settings module itself)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
    # Roles in effect: confirmed by a second person (tests/test_duties.py grants pending ones).
    confirmed = timezone.now()
    for prefix, school in (("oak", oak), ("riv", riv), ("elm", elm)):
        for role in (Role.STAFF, Role.DEPUTY_DSL, Role.DSL, Role.HEADTEACHER):
            short = {"deputy_dsl": "deputy", "headteacher": "head"}.get(role, role)
            user = make_user(f"{prefix}-{short}")
            Membership.objects.create(user=user, school=school, role=role, confirmed_at=confirmed)
            setattr(w, f"{prefix}_{short}", user)
    w.trust_lead = make_user("trust-lead")
    Membership.objects.create(
        user=w.trust_lead, trust=trust, role=Role.TRUST_LEAD, confirmed_at=confirmed
    )
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


# Every test user who needs a second factor gets an authenticator with this key (hex, as
# django-otp stores it), so the helpers below can compute the current code.
TEST_TOTP_KEY = "3132333435363738393031323334353637383930"


def totp_device(user):
    """The user's confirmed authenticator, created with the test key if they have none."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="Test authenticator", key=TEST_TOTP_KEY, confirmed=True
        )
    return device


def fresh_totp_code(device) -> str:
    """A code the device will accept now: never one already used (django-otp refuses replay).

    When the current time step was already used, take the next one (within the device's
    tolerance) or wait for it.
    """
    import time

    from django_otp.oath import TOTP

    device.refresh_from_db()
    while True:
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        now = totp.t()
        wanted = max(now, device.last_t + 1)
        if wanted - now <= device.tolerance:
            totp.drift = device.drift + (wanted - now)
            return f"{totp.token():0{device.digits}d}"
        time.sleep(1)


def login(page, live_server, username, password=PASSWORD):
    """Sign in through the real pages, the second factor included when the user needs it."""
    from incidents.security import needs_second_factor

    user = User.objects.get(username=username)
    device = totp_device(user) if needs_second_factor(user) else None
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if device is not None:
        page.wait_for_url("**/accounts/two-factor/**")
        page.get_by_label("Code from your authenticator app").fill(fresh_totp_code(device))
        page.get_by_role("button", name="Verify").click()
        page.wait_for_load_state()


def client_login(client, user):
    """Log ``user`` in on the Django test client, past every factor the site asks for.

    Every test logs in through this one function, so the authentication flow can change in
    one place. The session is marked verified with the user's authenticator, as
    ``django_otp.login`` does after a correct code, and timed as the sign-in view times it.
    """
    import time

    from django_otp import DEVICE_ID_SESSION_KEY

    from incidents.security import SESSION_AUTH_AT, SESSION_SEEN_AT

    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session[SESSION_AUTH_AT] = session[SESSION_SEEN_AT] = time.time()
    session.save()
    return client


def run_export(client, url, data, capture):
    """POST to an export's URL, run its task, follow to the status page and download the file.

    ``capture`` is pytest-django's ``django_capture_on_commit_callbacks``. Returns the download.
    """
    with capture(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.status_code
    status = client.get(response["Location"])
    assert status.status_code == 200
    assert "Ready." in status.content.decode(), status.content.decode()
    return client.get(status.context["export"].get_absolute_download_url())
