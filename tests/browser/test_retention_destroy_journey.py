"""A record past its review date: the DSL proposes its destruction, the headteacher authorises
it, the DSL destroys it; the retention page and the record's address show its tombstone."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from incidents.models import Status, Tombstone
from tests.conftest import login
from tests.factories import DEFAULT_NAMES, full_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/retention-destroy")


def test_a_record_is_destroyed_and_its_tombstone_stays(page, browser, live_server, world):
    SHOTS.mkdir(parents=True, exist_ok=True)
    old = full_record(
        world.oak,
        world.oak_dsl,
        status=Status.APPROVED,
        viewing_complete=True,
        incident_date=date(2006, 5, 1),
        disclosed_at=datetime(2006, 5, 2, 9, 0, tzinfo=UTC),
    )
    card = page.get_by_test_id(f"retention-{old.reference}")

    login(page, live_server, "oak-dsl")
    page.goto(f"{live_server.url}/retention/")
    card.get_by_label("Why it can be destroyed").fill("Past review; nothing open")
    card.get_by_role("button", name="Authorise destruction").click()
    assert "the other of the DSL and the headteacher authorises it" in page.content()

    head = browser.new_context(locale="en-GB", timezone_id="Europe/London").new_page()
    login(head, live_server, "oak-head")
    head.goto(f"{live_server.url}/retention/")
    head.get_by_test_id(f"retention-{old.reference}").get_by_role(
        "button", name="Authorise destruction"
    ).click()
    assert f"Destruction of {old.reference} authorised." in head.content()
    head.context.close()

    page.goto(f"{live_server.url}/retention/")
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=SHOTS / f"authorised-{width}.png", full_page=True)
    card.get_by_role("button", name="Destroy the record's content").click()
    assert "its tombstone stays" in page.content()
    tombstone = page.get_by_test_id(f"tombstone-{old.reference}")
    assert "Past review; nothing open" in tombstone.inner_text()
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=SHOTS / f"destroyed-{width}.png", full_page=True)

    response = page.goto(f"{live_server.url}/incidents/{old.reference}/")
    assert response.status == 410
    assert page.get_by_test_id(f"tombstone-{old.reference}").is_visible()
    assert DEFAULT_NAMES[0] not in page.content()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=SHOTS / "tombstone-page-1280.png", full_page=True)
    assert Tombstone.objects.filter(incident=old).exists()
