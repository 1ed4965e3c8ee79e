"""A pupil is imported, appears in two incidents, leaves; the file goes to a school on this
service whose DSL confirms receipt; the sending dashboard shows it overdue, then done."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from incidents.models import ReceivedFile, Transfer, YoungPerson
from tests.conftest import login, new_incident
from tests.test_import_pupils import HEADER, row, upn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/child-file")


def test_a_childs_file_moves_with_the_child(page, browser, live_server, world):
    SHOTS.mkdir(parents=True, exist_ok=True)
    first = new_incident(world.oak, world.oak_staff)
    second = new_incident(world.oak, world.oak_staff)

    # The DSL imports the roll: one good pupil, one bad row reported by its line.
    login(page, live_server, "oak-dsl")
    page.get_by_role("link", name="Pupils", exact=True).click()
    page.get_by_role("link", name="Import the roll").click()
    text = "\n".join(
        [
            HEADER,
            row(1, legal_surname="Hart", legal_forename="Amelia"),
            row(2, upn="BAD"),
        ]
    )
    page.get_by_label("The roll as CSV text").fill(text)
    page.get_by_role("button", name="Import").click()
    assert page.get_by_test_id("import-summary").inner_text() == (
        "created 1, updated 0, left 0, rejected 1"
    )
    assert "Line 3: the UPN must be 13 characters" in page.get_by_test_id("rejected").inner_text()
    page.screenshot(path=str(SHOTS / "import.png"), full_page=True)

    # She is picked from the roll in two incidents: the search sends no name in a URL.
    for incident in (first, second):
        page.goto(f"{live_server.url}/incidents/{incident.reference}/steps/people/")
        page.get_by_label("A pupil's name or UPN").fill("Amelia")
        page.get_by_role("button", name="Find on the roll").click()
        results = page.get_by_test_id("roll-results")
        results.get_by_role("button", name="Add Amelia Hart").click()
        page.wait_for_url(f"**/incidents/{incident.reference}/steps/people/")
        assert "Amelia" not in page.url
        assert page.get_by_text("Amelia Hart added from the roll").is_visible()
    page.screenshot(path=str(SHOTS / "people-step.png"), full_page=True)
    assert YoungPerson.objects.filter(pupil__upn=upn(1)).count() == 2

    # Her file lists both; she leaves for Elm High, whose place was confirmed a month ago.
    page.get_by_role("link", name="Pupils", exact=True).click()
    page.get_by_role("link", name="Amelia Hart").first.click()
    listed = page.get_by_test_id("file-incidents").inner_text()
    assert first.reference in listed and second.reference in listed
    page.get_by_label("Destination school on this service").select_option(label="Elm High")
    confirmed = timezone.localdate() - timedelta(days=30)
    page.get_by_label("Place confirmed on").fill(confirmed.isoformat())
    page.get_by_role("button", name="Mark as leaving").click()
    assert page.get_by_text("Marked as leaving: the file is due by").is_visible()
    page.get_by_role("button", name="Send a redacted copy to Elm High").click()
    assert page.get_by_text("The file is sent to Elm High").is_visible()
    page.screenshot(path=str(SHOTS / "file.png"), full_page=True)

    # Overdue on the dashboard until the receipt.
    page.get_by_role("link", name="Dashboard").click()
    transfers = page.get_by_test_id("transfers")
    assert "Overdue" in transfers.inner_text()
    page.screenshot(path=str(SHOTS / "dashboard-overdue.png"), full_page=True)

    # Elm High's DSL reads the copy and confirms receipt in one click.
    other = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    elm = other.new_page()
    elm.set_default_timeout(15_000)
    login(elm, live_server, "elm-dsl")
    elm.goto(f"{live_server.url}/received/")
    elm.get_by_test_id("received-files").get_by_role("link", name="Amelia Hart").click()
    assert first.reference in elm.content() and second.reference in elm.content()
    elm.get_by_role("button", name="Confirm receipt").click()
    assert "Receipt confirmed" in elm.get_by_test_id("receipt").inner_text()
    elm.screenshot(path=str(SHOTS / "received.png"), full_page=True)
    # The sender's records stay closed to the receiver.
    response = elm.goto(f"{live_server.url}/incidents/{first.reference}/")
    assert response.status == 404
    other.close()
    transfer = Transfer.objects.get()
    assert transfer.receipt_confirmed_by == world.elm_dsl
    assert ReceivedFile.objects.get().school == world.elm

    # Done on the sending school's dashboard.
    page.reload()
    transfers = page.get_by_test_id("transfers")
    assert "Done" in transfers.inner_text() and "Overdue" not in transfers.inner_text()
    page.screenshot(path=str(SHOTS / "dashboard-done.png"), full_page=True)
