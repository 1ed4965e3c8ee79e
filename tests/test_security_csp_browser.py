"""The strict Content-Security-Policy breaks nothing: no page reports a violation in Chromium."""

import pytest

from tests.conftest import login
from tests.factories import full_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_reports_no_policy_violation_on_the_pages_people_use(page, live_server, world):
    record = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(str(error)))
    login(page, live_server, "oak-dsl")
    for path in (
        "/",
        "/incidents/",
        f"/incidents/{record.reference}/",
        f"/incidents/{record.reference}/steps/disclosure/",
        f"/incidents/{record.reference}/steps/initial-review/",
        f"/incidents/{record.reference}/sign/",
        f"/incidents/{record.reference}/verify/",
        f"/incidents/{record.reference}/access/",
        "/concerns/new/",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    assert violations == []
