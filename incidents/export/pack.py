"""The school's inspection pack over a date range: a PDF and a CSV of the same rows.

It answers the questions Ofsted asks of safeguarding records, as the Wolverhampton guidance
lists them under "Recording incidents": are records up to date and complete; do they show
sound decision-making and relevant referrals made in a timely manner; tenacity in following
up with agencies; and (the guidance's last paragraph) a decision not to refer with its reason,
signed off by the headteacher. One row per incident, identified by its reference only: the
pack names no child.

Every incident is loaded by ``incidents.record.with_lists`` in one go, so the pack costs the
same number of queries for three incidents or three hundred.
"""

import csv
import io
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from openpyxl import Workbook

from incidents import charts, childfile, record, requirements
from incidents.audit import AuditAction, log_action
from incidents.display import effective_category
from incidents.export import ofsted
from incidents.export.pdf import PDF_CONTENT_TYPE, in_paragraphs, render_pdf
from incidents.models import AuditEvent, Incident, School, Status, User
from incidents.record import current_result, section
from incidents.requirements import AGENCY_REFERRALS, missing_items

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("pdf", "csv", "xlsx")


@dataclass
class PackRow:
    incident: Incident
    reference: str
    status: str
    approved: bool
    incident_date: date
    disclosed_at: datetime
    category: str
    subtype: str
    review_at: datetime | None
    review_is_meeting: bool
    meeting_date: date | None
    meeting_time: time | None
    decision: str
    decided_at: datetime | None
    referral_at: datetime | None
    to_review: timedelta | None
    to_decision: timedelta | None
    to_referral: timedelta | None
    agencies: list[str]
    referrals: int
    referrals_with_reference: int
    referrals_with_outcome: int
    non_referral_signed_off: bool | None  # None: nothing needs the headteacher's sign-off
    # What the rules require of the incident and what was done, one line each (prompts left out).
    required_done: list[str]
    unmet: int  # requirements that no referral meets
    advice_sought: int
    missing: list[str]
    actions_open: int
    actions_overdue: int
    deletions_overdue: int
    last_updated: datetime

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def to_review_text(self) -> str:
        return duration_text(self.to_review)

    @property
    def to_decision_text(self) -> str:
        return duration_text(self.to_decision)

    @property
    def to_referral_text(self) -> str:
        return duration_text(self.to_referral)

    @property
    def up_to_date(self) -> bool:
        return not (self.actions_overdue or self.deletions_overdue)

    # One text line per incident in each of the pack's long lists (``Pack.lines``): a table row
    # costs WeasyPrint a box per cell, a line one. The detail is in the CSV and the workbook.

    @property
    def decision_line(self) -> str:
        review = (
            f"{_local(self.review_at):%-d %b %Y} (meeting)"
            if self.review_is_meeting and self.review_at is not None
            else _when(self.review_at, "not yet")
        )
        decision = (
            f"{self.decision}, {_when(self.decided_at)}" if self.decision else "no decision yet"
        )
        required = "rules: " + (_required_counts(self.required_done) or "not yet assessed")
        signoff = {None: "", True: " · head's sign-off given", False: " · HEAD'S SIGN-OFF AWAITED"}
        advice = f" · advice sought {self.advice_sought}" if self.advice_sought else ""
        return (
            f"{self.reference} · disclosed {_when(self.disclosed_at)} · "
            f"{self.category}{': ' + self.subtype if self.subtype else ''} · "
            f"review {review} ({self.to_review_text}) · {decision} ({self.to_decision_text}) · "
            f"referral {_when(self.referral_at, 'none')} ({self.to_referral_text}) · "
            f"{required}{advice}{signoff[self.non_referral_signed_off]}"
        )

    @property
    def records_line(self) -> str:
        overdue = []
        if self.actions_overdue:
            overdue.append(
                f"{self.actions_overdue} action{'s' if self.actions_overdue > 1 else ''}"
            )
        if self.deletions_overdue:
            overdue.append(
                f"{self.deletions_overdue} deletion{'s' if self.deletions_overdue > 1 else ''}"
            )
        missing = "complete" if self.complete else "INCOMPLETE: " + "; ".join(self.missing)
        return (
            f"{self.reference} · {self.status} · {missing} · "
            + ("OVERDUE: " + ", ".join(overdue) if overdue else "nothing overdue")
            + f" · updated {_when(self.last_updated)}"
        )

    @property
    def followup_line(self) -> str:
        without_outcome = self.referrals - self.referrals_with_outcome
        return (
            f"{self.reference} · {'; '.join(self.agencies) or 'no agency contacted'} · "
            f"{self.referrals} referral{'s' if self.referrals != 1 else ''} and reports, "
            f"{self.referrals_with_reference} with a reference number, "
            f"{self.referrals_with_outcome} with the outcome recorded"
            + (f" (OUTCOME MISSING for {without_outcome})" if without_outcome else "")
        )


@dataclass
class Pack:
    school: School
    start: date
    end: date
    generated_at: datetime
    rows: list[PackRow]
    by_category: list[tuple[str, int]] = field(default_factory=list)
    # Children's files transferred when a pupil left (``childfile.transfer_figures``).
    transfers: dict[str, int] = field(default_factory=dict)
    # Records of the period destroyed at the end of their retention (not among ``rows``).
    destroyed: int = 0

    @property
    def medians(self) -> dict[str, timedelta | None]:
        return {
            "to_review": _median(row.to_review for row in self.rows),
            "to_decision": _median(row.to_decision for row in self.rows),
            "to_referral": _median(row.to_referral for row in self.rows),
        }

    @property
    def median_texts(self) -> dict[str, str]:
        return {name: duration_text(value) for name, value in self.medians.items()}

    def count(self, predicate: Callable[[PackRow], object]) -> int:
        return sum(1 for row in self.rows if predicate(row))

    @property
    def totals(self) -> dict[str, int]:
        return {
            "incidents": len(self.rows),
            "complete": self.count(lambda r: r.complete),
            "up_to_date": self.count(lambda r: r.up_to_date),
            "approved": self.count(lambda r: r.approved),
            "referred": self.count(lambda r: r.referrals),
            "non_referrals": self.count(lambda r: r.non_referral_signed_off is not None),
            "non_referrals_signed_off": self.count(lambda r: r.non_referral_signed_off),
            "with_unmet": self.count(lambda r: r.unmet),
            "advice_sought": sum(r.advice_sought for r in self.rows),
            "actions_open": sum(r.actions_open for r in self.rows),
            "actions_overdue": sum(r.actions_overdue for r in self.rows),
            "deletions_overdue": sum(r.deletions_overdue for r in self.rows),
            "destroyed": self.destroyed,
        }

    @property
    def outstanding(self) -> list[PackRow]:
        return [r for r in self.rows if r.actions_open or r.deletions_overdue]

    @property
    def outstanding_lines(self) -> list[str]:
        """One line per open action and per overdue deletion, by incident."""
        today = timezone.localdate()
        lines = []
        for row in self.outstanding:
            for action in row.incident.actions.all():
                if action.done_on is None:
                    state = "OVERDUE" if action.is_overdue(today) else "open"
                    lines.append(
                        f"{row.reference} · {action.get_kind_display()} · {action.owner} · "
                        f"due {action.due_date:%-d %b %Y} · {state}"
                    )
            for deletion in row.incident.deletions.all():
                if deletion.is_overdue(today):
                    lines.append(
                        f"{row.reference} · Deletion of the imagery not confirmed · "
                        f"{deletion.asked_by} · due {deletion.deadline:%-d %b %Y} · OVERDUE"
                    )
        return lines


def _local(value: datetime) -> datetime:
    return timezone.localtime(value)


def _when(value: datetime | None, missing: str = "—") -> str:
    return missing if value is None else f"{_local(value):%-d %b %Y %H:%M}"


def _required_counts(lines: list[str]) -> str:
    """``required_done`` lines counted: "2 done, 1 with reasons, 1 NOT DONE"."""
    unmet = sum(1 for line in lines if "NOT DONE" in line or "NO REASONS" in line)
    done = sum(1 for line in lines if line.endswith(": done") or "): done " in line)
    reasons = len(lines) - unmet - done
    parts = [f"{done} done"] if done else []
    if reasons:
        parts.append(f"{reasons} with reasons")
    if unmet:
        parts.append(f"{unmet} NOT DONE")
    return ", ".join(parts)


def duration_text(value: timedelta | None) -> str:
    """A duration as an inspector reads it: "40 min", "3 h 20 min", "2 d 4 h"."""
    if value is None:
        return "—"
    sign = "−" if value < timedelta(0) else ""
    minutes = int(abs(value).total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{sign}{days} d {hours} h"
    if hours:
        return f"{sign}{hours} h {minutes} min" if minutes else f"{sign}{hours} h"
    return f"{sign}{minutes} min"


def _median(values: Iterable[timedelta | None]) -> timedelta | None:
    present = [v for v in values if v is not None]
    if not present:
        return None
    return timedelta(seconds=statistics.median(v.total_seconds() for v in present))


def _day_end(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


def dsl_review_at(incident: Incident) -> tuple[datetime | None, bool]:
    """When the DSL first reviewed the concern, and whether that is a meeting's date.

    The earlier of the first save of the record in the wizard (from the audit log) and the
    initial review meeting. A meeting recorded with the time it began counts from then; one
    known to the day only (recorded before December 2026) counts at the end of its day, so the
    time shown is never shorter than the time taken.
    """
    saved = record.first_saved_at(incident)
    review = section(incident, "initial_review")
    meeting = None
    if review is not None:
        meeting = review.meeting_at or _day_end(review.meeting_date)
    if meeting is not None and (saved is None or meeting < saved):
        return meeting, True
    return saved, False


def _since(start: datetime, end: datetime | None) -> timedelta | None:
    return None if end is None else end - start


def pack_row(incident: Incident, today: date) -> PackRow:
    result = current_result(incident)
    decision = section(incident, "decision")
    referrals = list(incident.referrals.all())
    agency_referrals = [r for r in referrals if r.agency in AGENCY_REFERRALS]
    referral_at = min((r.made_at for r in agency_referrals), default=None)
    review_at, review_is_meeting = dsl_review_at(incident)
    review = section(incident, "initial_review")
    category, subtype = effective_category(result)
    actions = list(incident.actions.all())
    asked = requirements.of(incident)
    signed_off = asked.signoff_at is not None if asked.signoff_needed else None
    steps = []
    for item in missing_items(incident):
        label = record.PARTS[item.step] if item.blocks_signing else "Headteacher's sign-off"
        if label not in steps:
            steps.append(label)
    return PackRow(
        incident=incident,
        reference=incident.reference,
        status=incident.get_status_display(),
        approved=incident.status == Status.APPROVED,
        incident_date=incident.incident_date,
        disclosed_at=incident.disclosed_at,
        category=category,
        subtype=subtype,
        review_at=review_at,
        review_is_meeting=review_is_meeting,
        meeting_date=review.meeting_date if review is not None else None,
        meeting_time=review.meeting_time if review is not None else None,
        decision=decision.get_outcome_display() if decision is not None else "",
        decided_at=decision.decided_at if decision is not None else None,
        referral_at=referral_at,
        to_review=_since(incident.disclosed_at, review_at),
        to_decision=_since(incident.disclosed_at, decision.decided_at if decision else None),
        to_referral=_since(incident.disclosed_at, referral_at),
        agencies=sorted({r.get_agency_display() for r in referrals}),
        referrals=len(referrals),
        referrals_with_reference=sum(1 for r in referrals if r.reference_number.strip()),
        referrals_with_outcome=sum(1 for r in referrals if r.outcome.strip()),
        non_referral_signed_off=signed_off,
        required_done=[required_done(r) for r in asked if r.level != requirements.CONSIDER],
        unmet=len(asked.unmet),
        advice_sought=len(incident.advice.all()),
        # Step names only: the messages themselves may name a child.
        missing=steps,
        actions_open=sum(1 for a in actions if a.done_on is None),
        actions_overdue=sum(1 for a in actions if a.is_overdue(today)),
        deletions_overdue=sum(1 for d in incident.deletions.all() if d.is_overdue(today)),
        last_updated=incident.updated_at,
    )


# How firmly each requirement is asked, in the pack's few words.
_LEVEL_SHORT = {
    requirements.REQUIRED: "required",
    requirements.ADVISED: "advised",
    requirements.DISCRETIONARY: "at the school's discretion",
    requirements.RECORD: "needs reasons and the head's sign-off",
}


def required_done(requirement: requirements.Requirement) -> str:
    """One line of the pack's "required by the rules / done" column: no child is named."""
    level = _LEVEL_SHORT.get(requirement.level, requirement.level)
    if requirement.level == requirements.RECORD:
        # Not referring is not something done: what it needs is its reasons (and the sign-off).
        written = requirement.reasons.strip()
        return f"{requirement.what} ({level}): " + ("reasons written" if written else "NO REASONS")
    if requirement.met:
        done = (
            "done " + ", ".join(f"{r.made_at:%-d %b %Y}" for r in requirement.referrals)
            if requirement.referrals
            else "done"
        )
    elif requirement.reasons_with or requirement.reasons.strip():
        done = "not done, reasons written"
    else:
        done = "NOT DONE, no reasons"
    return f"{requirement.what} ({level}): {done}"


def pack_incidents(school: School, start: date, end: date) -> QuerySet[Incident]:
    """The school's incidents first disclosed between ``start`` and ``end`` (inclusive), except
    those destroyed at the end of their retention (counted apart: ``Pack.destroyed``)."""
    first_save = (
        AuditEvent.objects.filter(incident=OuterRef("pk"), action=AuditAction.STEP_SAVED)
        .order_by("at")
        .values("at")[:1]
    )
    return (
        record.with_lists(Incident.objects.all())
        .filter(
            school=school,
            disclosed_at__date__gte=start,
            disclosed_at__date__lte=end,
            destroyed_at__isnull=True,
        )
        .annotate(first_saved_at=Subquery(first_save))
        .order_by("disclosed_at", "pk")
    )


# Told how far the work has gone: a percentage and what is being done, in words.
Progress = Callable[[int, str], None]


def _no_progress(percent: int, stage: str) -> None:
    return None


def pack_size(school: School, start: date, end: date) -> int:
    """How many incidents the pack over ``start``..``end`` holds (one COUNT)."""
    return Incident.objects.filter(
        school=school, disclosed_at__date__gte=start, disclosed_at__date__lte=end
    ).count()


def build_pack(school: School, start: date, end: date, progress: Progress = _no_progress) -> Pack:
    today = timezone.localdate()
    progress(5, "Reading the incidents")
    incidents = list(pack_incidents(school, start, end))
    rows = []
    for done, incident in enumerate(incidents, start=1):
        rows.append(pack_row(incident, today))
        if done % 100 == 0:
            progress(10 + 30 * done // len(incidents), f"Checked {done} of {len(incidents)}")
    by_category = Counter(
        row.category + (f": {row.subtype}" if row.subtype else "") for row in rows
    )
    return Pack(
        school=school,
        start=start,
        end=end,
        generated_at=timezone.now().replace(microsecond=0),
        rows=rows,
        by_category=sorted(by_category.items()),
        transfers=childfile.transfer_figures(school, start, end, today),
        destroyed=childfile.destroyed_count(school, start, end),
    )


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def pack_filename(pack: Pack, extension: str) -> str:
    return f"{pack.school.slug}-inspection-pack-{pack.start:%Y%m%d}-{pack.end:%Y%m%d}.{extension}"


def pack_charts(pack: Pack) -> list[charts.Chart]:
    """The charts of the pack's school over the pack's period (six queries)."""
    period = charts.Period(start=pack.start, end=pack.end)
    return charts.build_all([pack.school], period)


def pack_context(pack: Pack) -> dict[str, Any]:
    """What the pack's PDF template is given (the benchmark renders the same)."""
    return {
        "pack": pack,
        "totals": pack.totals,
        "charts": pack_charts(pack),
        # Ofsted's eight questions (Wolverhampton, Recording incidents): export/ofsted.py.
        "ofsted": ofsted.questions(pack.rows, pack.median_texts, pack.transfers),
        # The long sections, one line per incident, in short paragraphs (export/pdf.py).
        "decision_lines": in_paragraphs([row.decision_line for row in pack.rows]),
        "records_lines": in_paragraphs([row.records_line for row in pack.rows]),
        "followup_lines": in_paragraphs([row.followup_line for row in pack.rows]),
        "outstanding_lines": in_paragraphs(pack.outstanding_lines),
    }


def render_inspection_pack_pdf(pack: Pack) -> tuple[str, str, bytes]:
    content = render_pdf("export/inspection_pack.html", pack_context(pack))
    return pack_filename(pack, "pdf"), PDF_CONTENT_TYPE, content


CSV_COLUMNS = [
    "reference",
    "status",
    "incident_date",
    "disclosed_at",
    "category",
    "subtype",
    "initial_review_meeting",
    "dsl_review_at",
    "hours_to_dsl_review",
    "decision",
    "decided_at",
    "hours_to_decision",
    "first_referral_at",
    "hours_to_referral",
    "agencies",
    "referrals",
    "referrals_with_reference",
    "referrals_with_outcome",
    "non_referral_signed_off",
    "required_by_the_rules_done",
    "unmet_requirements",
    "advice_sought",
    "complete",
    "missing",
    "actions_open",
    "actions_overdue",
    "deletions_overdue",
    "last_updated",
]


def _iso(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    return value.isoformat()


def _hours(value: timedelta | None) -> str:
    return "" if value is None else f"{value.total_seconds() / 3600:.1f}"


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _cell(value: str) -> str:
    """Neutralise a cell a spreadsheet would run as a formula (CSV injection)."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def csv_values(row: PackRow) -> list[str]:
    return [
        row.reference,
        row.status,
        _iso(row.incident_date),
        _iso(row.disclosed_at),
        row.category,
        row.subtype,
        _iso(row.meeting_date),
        _iso(
            timezone.localtime(row.review_at).date()
            if row.review_is_meeting and row.meeting_time is None
            else row.review_at
        ),
        _hours(row.to_review),
        row.decision,
        _iso(row.decided_at),
        _hours(row.to_decision),
        _iso(row.referral_at),
        _hours(row.to_referral),
        "; ".join(row.agencies),
        str(row.referrals),
        str(row.referrals_with_reference),
        str(row.referrals_with_outcome),
        _yes_no(row.non_referral_signed_off),
        "; ".join(row.required_done),
        str(row.unmet),
        str(row.advice_sought),
        _yes_no(row.complete),
        "; ".join(row.missing),
        str(row.actions_open),
        str(row.actions_overdue),
        str(row.deletions_overdue),
        _iso(row.last_updated),
    ]


def render_inspection_pack_csv(pack: Pack) -> tuple[str, str, bytes]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in pack.rows:
        writer.writerow([_cell(value) for value in csv_values(row)])
    # A byte-order mark, so that spreadsheet programs read the dashes and accents as UTF-8.
    return pack_filename(pack, "csv"), CSV_CONTENT_TYPE, ("\ufeff" + out.getvalue()).encode()


def render_inspection_pack_xlsx(pack: Pack) -> tuple[str, str, bytes]:
    """The CSV's rows as a workbook (openpyxl, streamed): every cell a string, and a cell a
    spreadsheet would run as a formula neutralised as in the CSV."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Incidents")
    sheet.append(CSV_COLUMNS)
    for row in pack.rows:
        sheet.append([_cell(value) for value in csv_values(row)])
    out = io.BytesIO()
    workbook.save(out)
    return pack_filename(pack, "xlsx"), XLSX_CONTENT_TYPE, out.getvalue()


def render_inspection_pack(pack: Pack, fmt: str) -> tuple[str, str, bytes]:
    if fmt == "pdf":
        return render_inspection_pack_pdf(pack)
    if fmt == "csv":
        return render_inspection_pack_csv(pack)
    if fmt == "xlsx":
        return render_inspection_pack_xlsx(pack)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def export_inspection_pack(
    school: School,
    start: date,
    end: date,
    fmt: str,
    *,
    request: HttpRequest | None = None,
    user: User | None = None,
    via: str = "web",
    progress: Progress = _no_progress,
) -> tuple[str, str, bytes]:
    """Build and render the pack, then write the audit event of its export."""
    pack = build_pack(school, start, end, progress)
    progress(40, f"Laying out {len(pack.rows)} incidents")
    filename, content_type, content = render_inspection_pack(pack, fmt)
    data: dict[str, Any] = {
        "format": fmt,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "incidents": len(pack.rows),
    }
    if via != "web":
        data["via"] = via
    log_action(
        AuditAction.INSPECTION_PACK_EXPORTED, request=request, user=user, school=school, data=data
    )
    return filename, content_type, content
