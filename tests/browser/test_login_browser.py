"""A demo DSL logs in with a real browser and sees their school's page."""

import pytest

from tests.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_logs_a_dsl_in_to_their_school(page, live_server, world):
    login(page, live_server, "oak-dsl")
    header = page.get_by_test_id("current-school")
    assert "Oakfield Academy" in header.inner_text()
    assert "Riverside" not in page.content()
    page.screenshot(path="/tmp/shots/login-home.png", full_page=True)
