"""Deputies who can act (issue 14), in Chromium: a deputy DSL follows a concern alert from the
e-mail and starts the record; the DSL puts a deputy in cover and the deputy is told until when."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from incidents import access
from incidents.models import Cover, Incident, Status, User
from tests import wizard_data as d
from tests.browser.test_wizard_journeys import fill, report_concern, save
from tests.conftest import login, new_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/deputies")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_deputy_follows_the_concern_alert_and_starts_the_record(
    page, live_server, world, settings
):
    settings.SITE_URL = live_server.url
    for user in (world.oak_dsl, world.oak_deputy):
        User.objects.filter(pk=user.pk).update(email=f"{user.username}@example.org")
    incident = report_concern(page, live_server)
    alert = next(m for m in mail.outbox if "oak-deputy@example.org" in m.to)
    link = next(line.strip() for line in alert.body.splitlines() if "/incidents/" in line)
    assert link == f"{live_server.url}/incidents/{incident.reference}/"

    login(page, live_server, "oak-deputy")
    dashboard = page.get_by_text(incident.reference)
    assert dashboard.count() >= 1  # the new concern is on the deputy's dashboard
    shot(page, "01-deputy-dashboard")
    page.goto(link)
    assert page.get_by_role("heading", name=re.compile(incident.reference)).count() >= 1
    shot(page, "02-deputy-reads-the-concern")
    page.get_by_role("link", name="Continue the record").click()
    page.wait_for_url(re.compile(r"/steps/disclosure/$"))
    fill(page, d.disclosure_data(incident.version))
    save(page)
    page.wait_for_url(re.compile(r"/steps/people/$"))
    shot(page, "03-deputy-started-the-record")
    incident.refresh_from_db()
    assert incident.status == Status.UNDER_REVIEW
    assert access.has_grant(world.oak_deputy, incident)
    page.goto(link)
    assert page.get_by_role("link", name="Continue the record").count() == 1


def test_the_dsl_puts_a_deputy_in_cover_and_the_deputy_is_told_until_when(page, live_server, world):
    older = Incident.objects.get(pk=_older(world).pk)
    login(page, live_server, "oak-dsl")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cover").click()
    page.get_by_label("Deputy DSL who will cover").select_option(str(world.oak_deputy.pk))
    ends = timezone.localtime() + timedelta(days=5)
    page.get_by_label("Until").fill(ends.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Why").fill("The DSL's annual leave")
    page.get_by_role("button", name="Put in cover").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("current-covers").get_by_text("annual leave").count() == 1
    shot(page, "04-dsl-cover-page")
    assert Cover.objects.get().deputy == world.oak_deputy
    page.get_by_role("button", name="Sign out").click()

    login(page, live_server, "oak-deputy")
    banner = page.get_by_test_id("cover-banner")
    assert "You are covering for the DSL until" in banner.inner_text()
    assert page.get_by_text(older.reference).count() >= 1
    shot(page, "05-deputy-in-cover-dashboard")
    page.goto(f"{live_server.url}/incidents/{older.reference}/")
    assert page.get_by_role("link", name="Continue the record").count() == 1


def _older(world):
    """An incident taken up already: a deputy opens it only with a grant or in cover."""
    incident = new_incident(world.oak, world.oak_staff)
    Incident.objects.filter(pk=incident.pk).update(status=Status.UNDER_REVIEW)
    return incident
