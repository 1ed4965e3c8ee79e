"""PDF output of the record: made to last and rendered without the network.

One ``PdfRenderer`` per process, built on first use, keeps WeasyPrint's font configuration
and the parsed print stylesheet between renders, so an export pays only for its own layout.
Output is PDF/A-3b with its fonts embedded (bundled under ``static/fonts``, never the
server's), and the URL fetcher serves the project's own fonts and stylesheets from disk and
refuses everything else: a record is never sent to, or shaped by, a third party.
"""

import threading
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
# PDF/A-3b: an ISO archival format; fonts embedded, colour defined, no external content.
PDF_VARIANT = "pdf/a-3b"
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


def access_summary(incident: Incident) -> list[str]:
    """The record's access history as plain lines: one per person per day, oldest first.

    "12 Mar 2026 · Priya Shah · 4 events: read the record (3), saved a step of the record (1)".
    The events are counted in the database (one grouped query, names joined), so the
    PDF costs the same for 20 events or 5,000: every event is still in the audit log, and the
    lines say what each person did in the words of ``AuditAction``, never its codes.
    """
    tz = timezone.get_current_timezone()
    groups = (
        AuditEvent.objects.filter(incident=incident)
        .annotate(day=TruncDate("at", tzinfo=tz))
        .values("day", "user_id", "username", "user__first_name", "user__last_name", "action")
        .annotate(count=Count("pk"), first=Min("at"))
        .order_by("day", "first")
    )
    people: dict[tuple[date, int | None, str], list[tuple[str, int]]] = {}
    names: dict[int | None, str] = {}
    for group in groups:
        key = (group["day"], group["user_id"], group["username"])
        people.setdefault(key, []).append((group["action"], group["count"]))
        full = f"{group['user__first_name']} {group['user__last_name']}".strip()
        names[group["user_id"]] = full if group["user_id"] is not None else ""
    lines = []
    for (day, user_id, username), actions in people.items():
        who = names.get(user_id) or username or "System"
        total = sum(count for _, count in actions)
        what = ", ".join(f"{_lower_first(label(action))} ({count})" for action, count in actions)
        lines.append(f"{day:%-d %b %Y} · {who} · {total} event{'s' if total != 1 else ''}: {what}")
    return lines


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
        "access_lines": access_summary(incident),
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
    "render_record_pdf",
    "renderer",
]
