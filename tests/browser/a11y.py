"""Accessibility checks for browser tests: axe-core at WCAG 2.2 AA, and reflow at 320 px.

axe-core comes from the npm registry (``make test`` installs it into ``.cache/axe``, git-ignored;
``AXE_CORE_JS`` names another copy): it is injected into the page under test by Playwright and
never served by the app. A journey calls
``assert_accessible(page)`` after each page it reaches.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

# WCAG 2.0, 2.1 and 2.2, levels A and AA (axe's tags); best practices are not asked for.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


AXE_CORE_JS = Path(
    os.environ.get(
        "AXE_CORE_JS",
        Path(__file__).resolve().parents[2] / ".cache/axe/node_modules/axe-core/axe.min.js",
    )
)


@cache
def axe_script() -> str:
    if not AXE_CORE_JS.is_file():
        raise RuntimeError(f"axe-core is not at {AXE_CORE_JS}: `make test` installs it from npm.")
    return AXE_CORE_JS.read_text()


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
