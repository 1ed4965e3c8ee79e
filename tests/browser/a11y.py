"""Accessibility checks for browser tests: axe-core at WCAG 2.2 AA, and reflow at 320 px.

axe-core comes from the test dependencies (``axe-playwright-python`` ships ``axe.min.js``): it is
injected into the page under test by Playwright and never served by the app. A journey calls
``assert_accessible(page)`` after each page it reaches.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

# WCAG 2.0, 2.1 and 2.2, levels A and AA (axe's tags); best practices are not asked for.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@cache
def axe_script() -> str:
    from axe_playwright_python.base import AXE_SCRIPT

    return AXE_SCRIPT


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe's violations of the page as it is now, at WCAG 2.2 AA."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script())
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = page.evaluate(f"axe.run(document, {json.dumps(options)})")
    return results["violations"]


def describe(violations: list[dict[str, Any]]) -> str:
    """Each violation's rule, impact, help and the elements it found (their selectors)."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"][:8]:
            lines.append(
                f"    {node['target']}: {node.get('failureSummary', '').splitlines()[-1:]}"
            )
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def overflow(page: Any) -> int:
    """By how many CSS pixels the page is wider than the window (0 when it reflows)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def assert_accessible(page: Any, where: str = "") -> None:
    """Fail on any axe violation at WCAG 2.2 AA, printing each one."""
    violations = axe_violations(page)
    assert not violations, f"axe on {where or page.url}:\n{describe(violations)}"


def assert_reflows(page: Any, where: str = "") -> None:
    """WCAG 1.4.10: no page-level horizontal scroll."""
    extra = overflow(page)
    assert extra <= 0, f"{where or page.url} scrolls sideways by {extra} px"
