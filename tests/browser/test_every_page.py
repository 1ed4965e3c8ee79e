"""Every page, as every role that can reach it, at 320 and 1280 CSS px: no page-level sideways
scroll (WCAG 1.4.10) and no axe-core violation at WCAG 2.2 AA (issue 14).

The pages are found, not listed: every pattern of the URLconf is requested with sample values
for its arguments (the demo's incidents in each state, every wizard step, a pupil, a transfer,
a file received, an export, a person, an invitation) by each role with the test client, and
each one that answers a page (200, HTML) is then opened in Chromium. A new URL whose argument
has no sample fails here until it is given one (``SAMPLES``) or a reason to be left out
(``NOT_PAGES``).
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from incidents import scenarios
from incidents.management.commands.seed_demo import (
    ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    scenario_files,
)
from incidents.models import (
    Incident,
    Membership,
    Pupil,
    ReceivedFile,
    Role,
    School,
    SignatureKind,
    Status,
    User,
)
from incidents.record import PARTS
from incidents.services import accounts as account_services
from incidents.services import exports, pupils
from tests.browser.a11y import axe_violations, describe, overflow
from tests.conftest import client_login, fresh_totp_code, login, totp_device
from tests.test_import_pupils import upn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (320, 1280)

# Patterns that are not pages a person reads, with the reason.
NOT_PAGES = {
    "admin": "Django's admin (its own pages, outside the product's templates)",
    "otp_webauthn": "passkeys' JSON endpoints",
    "logout": "a POST only",
    "chart_svg": "an SVG image (its text alternative is on the page that shows it)",
    "incident_export_pdf": "a PDF export",
    "pupil_subject_access_pdf": "a PDF export",
    "transfer_export_pdf": "a PDF export",
    "export_download": "a file download",
    "assessment_preview": "an htmx fragment inside the assessment step",
    "incident_roll_search": "an htmx fragment inside the people step (POST)",
    "incident_pick_pupil": "a POST from the people step",
    # Forms posted from another page (GET is refused with 405): their page is that other one.
    "recovery_codes": "a POST from the sign-in page",
    "pupil_transfer": "a POST from the pupil's file",
    "transfer_send": "a POST from the pupil's file",
    "transfer_receipt": "a POST from the received file",
    "retention_keep": "a POST from the retention page",
    "retention_authorise": "a POST from the retention page",
    "retention_destroy": "a POST from the retention page",
    "cover_end": "a POST from the cover page",
}

# Who signs in: every role with pages of its own, and anonymous visitors.
ROLES = [
    "oakfield-dsl",
    "oakfield-deputy",
    "oakfield-head",
    "oakfield-second",
    "oakfield-staff",
    "trust-lead",
    "riverside-dsl",
    "sysadmin",
]


def _patterns(resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""):
    """(name, namespace, converters by argument) of every named pattern."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from _patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name, namespace, list(entry.pattern.converters)


def _demo() -> dict[str, Any]:
    """The demo trust, its people and incidents, plus one of every object a page is about."""
    data = scenarios.read_accounts(ACCOUNTS)
    users = scenarios.create_accounts(data, password=DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    for path in scenario_files():
        scenarios.write(scenarios.read(path), password=DEMO_PASSWORD)
    oak = School.objects.get(slug="oakfield")
    riv = School.objects.get(slug="riverside")
    dsl = users["oakfield-dsl"]
    second = User.objects.create_user(
        "oakfield-second", password=DEMO_PASSWORD, first_name="Ruth", last_name="Adeyemi"
    )
    Membership.objects.create(
        user=second, school=oak, role=Role.SECOND_SIGNATORY, confirmed_at=timezone.now()
    )
    totp_device(second)

    incidents = Incident.objects.filter(school=oak).prefetch_related("signatures")

    def last_signature(incident: Incident) -> str | None:
        kinds = [s.kind for s in incident.signatures.all()]
        return kinds[-1] if kinds else None

    by_state = {
        "draft": incidents.filter(status=Status.REPORTED).first(),
        "under review": next(
            i
            for i in incidents.filter(status=Status.UNDER_REVIEW)
            if last_signature(i) != SignatureKind.SENT_BACK
        ),
        "sent back": next(
            i
            for i in incidents.filter(status=Status.UNDER_REVIEW)
            if last_signature(i) == SignatureKind.SENT_BACK
        ),
        "signed": incidents.filter(status=Status.AWAITING_APPROVAL).first(),
        "locked": incidents.filter(status=Status.APPROVED).first(),
        "other school, locked": Incident.objects.filter(school=riv).first(),
    }
    assert all(by_state.values()), by_state

    # A pupil leaving for Riverside (file not sent yet), another whose file Riverside received.
    today = timezone.localdate()
    leaving, gone = (
        Pupil.objects.create(
            school=oak,
            upn=upn(n),
            legal_surname=f"Pupil{n}",
            legal_forename="Demo",
            date_of_birth=today - timedelta(days=15 * 365),
        )
        for n in (1, 2)
    )
    started = pupils.start_transfer(
        pupil=leaving,
        user=dsl,
        place_confirmed_on=today - timedelta(days=2),
        destination_school=riv,
    )
    sent = pupils.send_transfer(
        transfer=pupils.start_transfer(
            pupil=gone,
            user=dsl,
            place_confirmed_on=today - timedelta(days=2),
            destination_school=riv,
        ),
        user=dsl,
    )
    received = ReceivedFile.objects.get(school=riv)
    job = exports.request_record_pdf(None, dsl, by_state["under review"])
    newcomer = User.objects.create_user("oakfield-newcomer", email="newcomer@example.org")
    Membership.objects.create(
        user=newcomer, school=oak, role=Role.STAFF, confirmed_at=timezone.now()
    )
    invitation = account_services.issue_invitation(newcomer, issued_by=dsl, school=oak)
    staff = users["oakfield-staff"]
    return {
        "users": users | {"oakfield-second": second},
        "by_state": by_state,
        "samples": {
            "pupil": [leaving.pk],
            "transfer": [started.pk, sent.pk],
            "received": [received.pk],
            "job": [job.pk],
            "person_id": [staff.pk],
            "token": [invitation.url.rstrip("/").rsplit("/", 1)[-1]],
            "uidb64": [urlsafe_base64_encode(force_bytes(staff.pk))],
            "reset_token": [default_token_generator.make_token(staff)],
        },
    }


def _candidates(demo: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Every address to try (each pattern with each sample of its arguments), and the patterns
    whose arguments have no sample."""
    samples = demo["samples"]
    refs = [i.reference for i in demo["by_state"].values()]
    under_review = demo["by_state"]["under review"].reference
    urls, unknown = [], []
    for name, namespace, args in _patterns():
        if name in NOT_PAGES or namespace in NOT_PAGES:
            continue
        full = f"{namespace}:{name}" if namespace else name
        if not args:
            urls.append(reverse(full))
            continue
        if args == ["reference", "step"]:
            combos = [{"reference": under_review, "step": step} for step in PARTS]
            combos += [{"reference": r, "step": "check"} for r in refs if r != under_review]
        elif args == ["uidb64", "token"]:
            combos = [{"uidb64": samples["uidb64"][0], "token": samples["reset_token"][0]}]
        elif args == ["reference"]:
            combos = [{"reference": r} for r in refs]
        elif all(a in samples for a in args):
            combos = [
                dict(zip(args, values, strict=True))
                for values in itertools.product(*(samples[a] for a in args))
            ]
        else:
            unknown.append(full)
            continue
        urls += [reverse(full, kwargs=kwargs) for kwargs in combos]
    return urls, unknown


def _pages_for(client: Client, urls: list[str]) -> list[str]:
    """The addresses that answer this client a page of HTML."""
    found = []
    for url in urls:
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            found.append(url)
    return found


def _check(page: Any, url: str, problems: list[str]) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        extra = overflow(page)
        if extra > 0:
            problems.append(f"{url} at {width} px: scrolls sideways by {extra} px")
            print(problems[-1])
        violations = axe_violations(page)
        if violations:
            problems.append(f"{url} at {width} px:\n{describe(violations)}")
            print(problems[-1])


def test_every_page_reflows_at_320_px_and_passes_axe(browser, live_server):
    demo = _demo()
    urls, unknown = _candidates(demo)
    assert not unknown, (
        f"URL patterns with arguments this test has no sample for: {unknown}. Give them one in "
        "_demo/_candidates, or a reason in NOT_PAGES."
    )
    problems: list[str] = []
    covered: dict[str, list[str]] = {}
    seen: set[str] = set()

    # A page is checked once, by the first role that reaches it (the DSL reaches most), and
    # every role's own dashboard: one browser context per role, signed in once.
    for username in ROLES:
        user = User.objects.get(username=username)
        todo = [url for url in urls if url not in seen or url == "/"]
        pages = _pages_for(client_login(Client(), user), todo)
        assert pages, f"{username} reaches no page"
        covered[username] = pages
        seen.update(pages)
        context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
        page = context.new_page()
        page.set_default_timeout(15_000)
        login(page, live_server, username, password=DEMO_PASSWORD)
        for url in pages:
            response = page.goto(live_server.url + url)
            assert response is not None and response.status == 200, (username, url)
            _check(page, url, problems)
        context.close()

    # Signed out: the sign-in and password pages, an invitation; then the second factor.
    anonymous = _pages_for(Client(), urls)
    assert reverse("login") in anonymous
    covered["anonymous"] = anonymous
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    page = context.new_page()
    page.set_default_timeout(15_000)
    for url in anonymous:
        page.goto(live_server.url + url)
        _check(page, url, problems)
    page.goto(f"{live_server.url}{reverse('login')}")
    page.get_by_label("Username").fill("oakfield-head")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    _check(page, "the sign-in page with an error", problems)
    page.get_by_label("Username").fill("oakfield-head")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/two-factor/**")
    _check(page, "the second-factor page", problems)
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Verify").click()
    _check(page, "the second-factor page with an error", problems)
    # After a wrong code django-otp refuses any code for a second (the page says so): wait.
    page.wait_for_timeout(2_000)
    page.get_by_label("Code from your authenticator app").fill(
        fresh_totp_code(totp_device(User.objects.get(username="oakfield-head")))
    )
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()
    # A page the role may not open, and one that does not exist: the error pages.
    response = page.goto(f"{live_server.url}{reverse('school_invitations')}")
    assert response is not None and response.status == 403
    _check(page, "a refusal (403)", problems)
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response is not None and response.status == 404
    _check(page, "a page not found (404)", problems)
    context.close()

    total = sum(len(p) for p in covered.values())
    print(f"\n{total} pages checked at {WIDTHS} px:")
    for who, pages in covered.items():
        print(f"  {who} ({len(pages)}): {' '.join(pages)}")
    assert not problems, "\n".join(problems)
