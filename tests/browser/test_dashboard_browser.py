"""The DSL signs in, sees the dashboard by stage, searches and opens a record (issue 4)."""

from pathlib import Path

import pytest

from incidents.models import Signature, SignatureKind, Status
from tests.browser.a11y import assert_accessible
from tests.conftest import login
from tests.factories import full_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/dashboard")


def test_it_takes_a_dsl_from_the_dashboard_to_a_record(page, live_server, world):
    SHOTS.mkdir(parents=True, exist_ok=True)
    record = full_record(world.oak, world.oak_dsl, with_adult=True, deletion_overdue=True)
    full_record(world.oak, world.oak_dsl, outcome="handled_in_school", action_overdue=True)
    signed = full_record(world.oak, world.oak_dsl, status=Status.AWAITING_APPROVAL)
    Signature.objects.create(
        incident=signed,
        kind=SignatureKind.SIGNED,
        signer=world.oak_dsl,
        signer_name="Oak Dsl",
        role="dsl",
        meaning="I confirm this record is complete and accurate.",
        digest="d" * 64,
    )
    full_record(world.oak, world.oak_dsl, status=Status.APPROVED)

    login(page, live_server, "oak-dsl")
    stages = page.get_by_test_id("stage-counts")
    assert stages.locator('[data-stage="under_review"]').inner_text() == "2"
    assert stages.locator('[data-stage="approved"]').inner_text() == "1"
    assert page.get_by_test_id("overdue").get_by_role("link", name=record.reference).count() >= 1
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
    assert_accessible(page, "dashboard")

    page.get_by_role("link", name="Incidents", exact=True).click()
    page.wait_for_url("**/incidents/")
    assert page.get_by_role("link", name=record.reference).is_visible()
    page.screenshot(path=str(SHOTS / "list.png"), full_page=True)
    assert_accessible(page, "list")

    # Search by name: the page that answers has no name in its address.
    page.get_by_label("Reference or a young person's name", exact=False).fill("Amelia")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/incidents/search/")
    assert "Amelia" not in page.url
    assert page.get_by_role("link", name=record.reference).is_visible()
    page.screenshot(path=str(SHOTS / "search.png"), full_page=True)
    assert_accessible(page, "search")

    page.get_by_role("link", name=record.reference).click()
    page.wait_for_url(f"**/incidents/{record.reference}/")
    assert page.get_by_role("heading", name=f"Incident {record.reference}").is_visible()
    assert page.get_by_text("OFFICIAL-SENSITIVE").first.is_visible()
    assert page.locator(".flag-missing").first.is_visible()
    assert page.get_by_role("heading", name="Chronology").is_visible()
    page.screenshot(path=str(SHOTS / "record.png"), full_page=True)
    assert_accessible(page, "record")


def test_it_shows_the_headteacher_their_queue(page, live_server, world):
    SHOTS.mkdir(parents=True, exist_ok=True)
    signed = full_record(world.oak, world.oak_dsl, status=Status.AWAITING_APPROVAL)
    Signature.objects.create(
        incident=signed,
        kind=SignatureKind.SIGNED,
        signer=world.oak_dsl,
        signer_name="Oak Dsl",
        role="dsl",
        meaning="I confirm this record is complete and accurate.",
        digest="e" * 64,
    )
    not_referred = full_record(world.oak, world.oak_dsl, outcome="handled_in_school")
    login(page, live_server, "oak-head")
    page.get_by_role("link", name="Approvals").click()
    page.wait_for_url("**/headteacher/")
    assert (
        page.get_by_test_id("queue-approval")
        .get_by_role("link", name=signed.reference, exact=True)
        .is_visible()
    )
    assert (
        page.get_by_test_id("queue-signoff")
        .get_by_role("link", name=not_referred.reference, exact=True)
        .is_visible()
    )
    page.screenshot(path=str(SHOTS / "head-queue.png"), full_page=True)
