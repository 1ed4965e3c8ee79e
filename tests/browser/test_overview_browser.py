"""The trust lead opens the overview, sorts by the slowest review and follows a figure to the
school's filtered list (issue 18); screenshots at 1280 and 390 px."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from incidents.models import DecisionOutcome, InitialReview
from tests.conftest import login
from tests.factories import full_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/overview")


def test_the_trust_lead_finds_the_slow_school_and_its_records(page, live_server, world):
    SHOTS.mkdir(parents=True, exist_ok=True)
    now = timezone.now()
    full_record(world.oak, world.oak_dsl, disclosed_at=now - timedelta(days=20))
    full_record(world.oak, world.oak_dsl, deletion_overdue=True)
    slow = full_record(
        world.riv,
        world.riv_dsl,
        disclosed_at=now - timedelta(days=20),
        outcome=DecisionOutcome.HANDLED_IN_SCHOOL,
    )
    met = timezone.localdate(slow.disclosed_at) + timedelta(days=9)
    InitialReview.objects.filter(incident=slow).update(meeting_date=met)

    login(page, live_server, "trust-lead")
    page.goto(f"{live_server.url}/overview/")
    table = page.get_by_test_id("overview")
    assert page.get_by_role("heading", name="Trust overview").is_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / "overview-1280.png"), full_page=True)

    table.get_by_role("link", name="Disclosure to DSL review").click()
    page.wait_for_url("**/overview/?sort=to_review&dir=desc")
    header = table.get_by_role("columnheader", name="Disclosure to DSL review")
    assert header.get_attribute("aria-sort") == "descending"
    first_row = table.locator("tbody tr").first
    assert first_row.get_by_role("rowheader").inner_text() == "Riverside Primary"

    # The sign-offs waiting of the slowest school: its filtered incident list.
    first_row.locator("td").nth(6).get_by_role("link").click()
    page.wait_for_url("**/incidents/?school=riverside&signoff=1")
    assert page.get_by_role("link", name=slow.reference).is_visible()
    assert page.get_by_text("Riverside Primary").first.is_visible()
    assert page.get_by_label("Awaiting the headteacher's sign-off").is_checked()
    page.screenshot(path=str(SHOTS / "filtered-list-1280.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/overview/?sort=to_review&dir=desc")
    page.screenshot(path=str(SHOTS / "overview-390.png"), full_page=True)
    image = page.locator("img.chart-image").first
    assert image.get_attribute("alt").startswith("Incidents disclosed each month")
    # The chart loaded under the page's policy (an image that failed would have no width).
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) > 0
    figure = page.locator("figure.chart-figure").nth(1)
    figure.scroll_into_view_if_needed()
    figure.screenshot(path=str(SHOTS / "chart-390.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    figure.scroll_into_view_if_needed()
    figure.screenshot(path=str(SHOTS / "chart-1280.png"))
