"""PDF output of the record: made to last and rendered without the network.

One ``PdfRenderer`` per process, built on first use, keeps WeasyPrint's font configuration
and the parsed print stylesheet between renders, so an export pays only for its own layout.
Output is PDF/A-3a: an archival PDF that is also tagged (headings, lists, tables and
paragraphs in a structure tree, in reading order, with the document's title and language), so
a screen reader can read it; its fonts are embedded (the Noto families from Debian's packages,
whatever script or emoji a child's words are in; static/css/print.css). The URL fetcher
serves the project's own fonts and stylesheets from disk and refuses everything else: a record
is never sent to, or shaped by, a third party.
"""

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Min
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from incidents import record, requirements, rules
from incidents.audit import AuditAction, label, log_action
from incidents.chronology import chronology
from incidents.digest import verify
from incidents.models import AssessmentResult, AuditEvent, Incident, Status, User
from incidents.record import current_result, fact_rows, risk_rows, section

STATIC_DIR = Path(settings.BASE_DIR) / "static"
STATIC_BASE_URL = STATIC_DIR.as_uri() + "/"
PRINT_CSS = STATIC_DIR / "css" / "print.css"
# The only directories the renderer may read from.
SERVED_DIRS = (STATIC_DIR / "fonts", STATIC_DIR / "css")
SERVED_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".css": "text/css"}
# PDF/A-3a: an ISO archival format (fonts embedded, colour defined, no external content) at
# its accessible level: tagged, with Unicode text. The tags cost about a tenth of the time.
PDF_VARIANT = "pdf/a-3a"
PDF_CONTENT_TYPE = "application/pdf"
DRAFT_MARK = "DRAFT — not approved"

# Who exported a record, as the PDF names them: nobody for ``manage.py export_record``.
Exporter = User | AnonymousUser | None


class ResourceRefused(ValueError):
    """The renderer was asked for something other than the project's fonts and stylesheets."""


class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint is untyped
    """Serves files under ``SERVED_DIRS`` by ``file:`` URL; refuses every other URL.

    No http(s), no data: URIs, no path outside those directories (``..`` is resolved first).
    """

    def __init__(self) -> None:
        # A refused resource stops the render: an export never silently lacks its fonts.
        super().__init__(fail_on_errors=True)

    @staticmethod
    def local_path(url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ResourceRefused(f"the PDF renderer fetches nothing from {parts.scheme or url}")
        path = Path(unquote(parts.path)).resolve()
        if path.suffix not in SERVED_TYPES or not any(
            path.is_relative_to(folder.resolve()) for folder in SERVED_DIRS
        ):
            raise ResourceRefused(f"the PDF renderer does not serve {path}")
        return path

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = self.local_path(url)
        return URLFetcherResponse(
            path.as_uri(),
            body=path.read_bytes(),
            headers={"Content-Type": SERVED_TYPES[path.suffix]},
        )


class PdfRenderer:
    """WeasyPrint with the font configuration and the print stylesheet parsed once."""

    def __init__(self, stylesheet: Path = PRINT_CSS) -> None:
        self.fetcher = StaticOnlyFetcher()
        self.font_config = FontConfiguration()
        self.stylesheet_path = stylesheet
        self.stylesheet_mtime = stylesheet.stat().st_mtime
        # CSS() registers the @font-face rules in font_config while it parses.
        self.stylesheets = [
            CSS(filename=stylesheet, url_fetcher=self.fetcher, font_config=self.font_config)
        ]
        # Pango's font map is not safe to share between threads rendering at once.
        self.lock = threading.Lock()

    def render(self, html: str, variant: str = PDF_VARIANT) -> bytes:
        with self.lock:
            document = HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=self.fetcher)
            pdf: bytes = document.write_pdf(
                stylesheets=self.stylesheets,
                font_config=self.font_config,
                pdf_variant=variant,
            )
            return pdf


_renderer: PdfRenderer | None = None
_renderer_lock = threading.Lock()


def renderer() -> PdfRenderer:
    """The process's renderer, built on first use; in development, rebuilt when print.css
    changes."""
    global _renderer
    with _renderer_lock:
        stale = (
            _renderer is not None
            and settings.DEBUG
            and PRINT_CSS.stat().st_mtime != _renderer.stylesheet_mtime
        )
        if _renderer is None or stale:
            _renderer = PdfRenderer()
        return _renderer


def render_pdf(template: str, context: dict[str, Any], variant: str = PDF_VARIANT) -> bytes:
    return renderer().render(render_to_string(template, context), variant)


# --------------------------------------------------------------------------------------------
# One incident: the inspection record.
# --------------------------------------------------------------------------------------------


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# The person-and-day lines a record's PDF prints, newest first: about two and a half pages.
# Everyone who ever touched the record is still named, with their totals, above them.
ACCESS_DAYS_PRINTED = 120
# Lines per paragraph: WeasyPrint re-reads the rest of a paragraph at every line it breaks, so
# one paragraph of thousands of lines costs the square of its length; short ones cost a line.
LINES_PER_PARAGRAPH = 20


def in_paragraphs(lines: list[str], size: int = LINES_PER_PARAGRAPH) -> list[list[str]]:
    """Lines in short paragraphs (``p.lines`` in a ``div.paragraphs``), read as one list."""
    return [lines[start : start + size] for start in range(0, len(lines), size)]


@dataclass(frozen=True)
class AccessSummary:
    """A record's access history as the PDF prints it: plain lines, never the audit codes."""

    total: int  # events in the audit log about this record
    people: list[str]  # one line per person, over the whole history
    days: list[list[str]]  # the latest person-and-day lines, newest first, in paragraphs
    days_total: int  # person-and-day lines in the whole history
    days_omitted: int  # of those, how many are older than the lines printed

    @property
    def lines(self) -> list[str]:
        return [line for paragraph in self.days for line in paragraph]


def _who(group: Mapping[str, Any]) -> str:
    if group["user_id"] is None:
        return group["username"] or "System"
    full = f"{group['user__first_name']} {group['user__last_name']}".strip()
    return full or group["username"] or "System"


def _what(actions: list[tuple[str, int]]) -> str:
    return ", ".join(f"{_lower_first(label(action))} ({count})" for action, count in actions)


def _events(total: int) -> str:
    return f"{total} event{'s' if total != 1 else ''}"


def access_summary(incident: Incident, days_printed: int = ACCESS_DAYS_PRINTED) -> AccessSummary:
    """The record's access history in two parts, counted in the database (one grouped query):

    - one line per person over the whole history: "Priya Shah · 212 events, 3 Mar 2026 to
      8 Dec 2026: read the record (200), saved a step of the record (12)";
    - one line per person per day, newest first, for the latest ``days_printed`` of them:
      "8 Dec 2026 · Priya Shah · 4 events: read the record (3), exported the record (1)".

    A record read 5,000 times prints the same few pages as one read 500 times: the PDF's
    layout time follows its lines. Every event, with its time and address, stays in the audit
    log; the lines say what each person did in the words of ``AuditAction``.
    """
    tz = timezone.get_current_timezone()
    per_day = (
        AuditEvent.objects.filter(incident=incident)
        .annotate(day=TruncDate("at", tzinfo=tz))
        .values("day", "user_id", "username", "user__first_name", "user__last_name", "action")
        .annotate(count=Count("pk"), first=Min("at"))
        .order_by("-day", "user_id", "username", "first")
    )
    days: dict[tuple[date, int | None, str], dict[str, Any]] = {}
    # Each person's totals over the whole history, from the same groups (one query in all).
    people: dict[tuple[int | None, str], dict[str, Any]] = {}
    for group in per_day:
        who = _who(group)
        key = (group["day"], group["user_id"], group["username"])
        day = days.setdefault(key, {"day": group["day"], "who": who, "actions": []})
        day["actions"].append((group["action"], group["count"]))
        person = people.setdefault(
            (group["user_id"], group["username"]),
            {"who": who, "actions": {}, "first": group["day"], "last": group["day"]},
        )
        person["actions"][group["action"]] = (
            person["actions"].get(group["action"], 0) + group["count"]
        )
        person["first"] = min(person["first"], group["day"])
        person["last"] = max(person["last"], group["day"])
    people_lines = []
    total = 0
    for person in sorted(people.values(), key=lambda person: person["first"]):
        count = sum(person["actions"].values())
        total += count
        first, last = person["first"], person["last"]
        span = f"{first:%-d %b %Y}" if first == last else f"{first:%-d %b %Y} to {last:%-d %b %Y}"
        what = _what(list(person["actions"].items()))
        people_lines.append(f"{person['who']} · {_events(count)}, {span}: {what}")
    day_lines = []
    for person in list(days.values())[:days_printed]:
        count = sum(n for _, n in person["actions"])
        what = _what(person["actions"])
        day_lines.append(f"{person['day']:%-d %b %Y} · {person['who']} · {_events(count)}: {what}")
    paragraphs = in_paragraphs(day_lines)
    return AccessSummary(
        total=total,
        people=people_lines,
        days=paragraphs,
        days_total=len(days),
        days_omitted=max(0, len(days) - days_printed),
    )


def record_context(incident: Incident, *, exported_by: Exporter = None) -> dict[str, Any]:
    """What ``templates/export/record.html`` shows, from a record loaded by ``record.load``."""
    decision = section(incident, "decision")
    current = current_result(incident)
    # The result the decision was made against is the one that matters to an inspector
    # (docs/policy.md#decision-and-referrals); a later result, if the facts changed the outcome
    # after the decision, is shown beside it.
    decided_on = decision.assessment if decision is not None else None
    result = decided_on or current
    later_result = (
        current
        if decided_on is not None and not requirements.decision_is_current(incident)
        else None
    )
    return {
        "incident": incident,
        "school": incident.school,
        "is_draft": incident.status != Status.APPROVED,
        "draft_mark": DRAFT_MARK,
        "disclosure": section(incident, "disclosure"),
        "initial_review": section(incident, "initial_review"),
        "fact_rows": fact_rows(section(incident, "initial_review")),
        "risk": section(incident, "risk_assessment"),
        "risk_rows": risk_rows(section(incident, "risk_assessment")),
        "result": result,
        "result_policy": policy_title(result),
        "later_result": later_result,
        "decision": decision,
        "review": section(incident, "review"),
        "chronology": chronology(incident),
        "requirements": requirements.of(incident),
        "today": timezone.localdate(),
        "access": access_summary(incident),
        # Whoever holds the paper can see whether the record still matched its latest
        # signature when it was exported.
        "verification": verify(incident),
        "exported_at": timezone.now().replace(microsecond=0),
        "exported_by": exported_by,
    }


def policy_title(result: AssessmentResult | rules.Assessment | None) -> str:
    if result is None:
        return ""
    try:
        return rules.get_policy(result.policy).title
    except ValueError:
        # A profile since withdrawn: the stored name and version still say what applied.
        return result.policy


def record_filename(incident: Incident) -> str:
    # The reference only: a file name is seen in places the record's content must not be.
    return f"{incident.reference}-inspection-record.pdf"


def render_record_pdf(
    incident: Incident, *, exported_by: Exporter = None
) -> tuple[str, str, bytes]:
    """The inspection record of one incident as ``(filename, content_type, bytes)``.

    Authorise before calling (``access.get_incident_for_user``); this loads and renders only.
    """
    loaded = record.load(record.incidents().select_related("school__trust").get(pk=incident.pk))
    content = render_pdf("export/record.html", record_context(loaded, exported_by=exported_by))
    return record_filename(loaded), PDF_CONTENT_TYPE, content


def export_record(
    incident: Incident,
    *,
    request: HttpRequest | None = None,
    user: User | None = None,
    via: str = "web",
) -> tuple[str, str, bytes]:
    """Render the record and write the audit event of its export."""
    exported_by = user or (request.user if request is not None else None)
    filename, content_type, content = render_record_pdf(incident, exported_by=exported_by)
    data: dict[str, Any] = {"format": "pdf"}
    if via != "web":
        data["via"] = via
    log_action(AuditAction.EXPORTED, request=request, user=user, incident=incident, data=data)
    return filename, content_type, content


__all__ = [
    "DRAFT_MARK",
    "PDF_VARIANT",
    "PdfRenderer",
    "ResourceRefused",
    "StaticOnlyFetcher",
    "export_record",
    "in_paragraphs",
    "render_record_pdf",
    "renderer",
]
