"""In a real browser (issue 14): a date that is not real comes back as typed with what to fix,
and a form larger than the server reads is stopped before it is sent, nothing lost."""

import pytest

from incidents.models import Incident
from tests.conftest import login
from tests.wizard_data import concern_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_concern(page, **over):
    data = concern_data(**over)
    for name, value in data.items():
        field = page.locator(f'[name="{name}"]').first
        kind = field.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if kind.endswith(":radio"):
            page.locator(f'[name="{name}"][value="{value}"]').check()
        elif kind.endswith(":checkbox"):
            for each in [value] if isinstance(value, str) else value:
                page.locator(f'[name="{name}"][value="{each}"]').check()
        elif value:
            field.fill(value)


def test_an_impossible_date_comes_back_as_typed(page, live_server, world):
    login(page, live_server, "oak-staff")
    page.goto(f"{live_server.url}/concerns/new/")
    fill_concern(page, incident_date="31/02/2026")
    page.get_by_role("button", name="Send to the safeguarding team").click()
    page.wait_for_load_state()
    assert page.locator('[name="incident_date"]').input_value() == "31/02/2026"
    assert "Enter a real date, for example 27 3 2026." in page.content()
    assert "This field is required" not in page.content()
    page.screenshot(path="/tmp/errors-shots/concern-bad-date.png", full_page=True)
    assert not Incident.objects.exists()


def test_a_form_over_the_limit_is_stopped_in_the_browser(page, live_server, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5_000
    login(page, live_server, "oak-staff")
    page.goto(f"{live_server.url}/concerns/new/")
    long_account = "She said he sent it again. " * 300  # 8,100 characters: under the box's limit
    fill_concern(page, account=long_account)
    page.get_by_role("button", name="Send to the safeguarding team").click()
    note = page.locator(".app-too-big")
    note.wait_for()
    assert "the service reads up to 5 KB and this form holds about" in note.inner_text()
    assert "Nothing has been sent, and what you typed is still here." in note.inner_text()
    assert page.locator('[name="account"]').input_value() == long_account
    assert page.evaluate("document.activeElement.name") == "account"
    page.screenshot(path="/tmp/errors-shots/concern-too-big.png", full_page=True)
    assert not Incident.objects.exists()
