"""The governors' termly safeguarding report: figures and charts, never a child.

For a school and a term: how many incidents, of which categories, what was decided, what is
overdue, how long each step took, with the charts; then the "policies to update" items of the
reviews recorded that term and a short section the DSL writes. No name, no reference, no date
that points at one incident: a count from 1 to 4 is shown as "fewer than 5" (in the charts
too), and a timing over fewer than 5 records is not shown. Before the export, every young
person's name of the school is looked for in the text people wrote (``redaction.names_in``);
the export is refused while one is there. Rendered as a tagged PDF (PDF/A-3a) with the
marking and fonts of the other exports, synchronously (there is no task queue yet), and
audited with the term and the counts only.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from incidents import charts, stats
from incidents.audit import AuditAction, log_action
from incidents.export.pdf import PDF_CONTENT_TYPE, render_pdf
from incidents.models import (
    Decision,
    DecisionOutcome,
    Incident,
    Review,
    School,
    Status,
    User,
    YoungPerson,
)
from incidents.queries import with_result
from incidents.redaction import names_in

# Tagged (PDF/A-3a: PDF/A-3 with the structure tags that make it accessible).
GOVERNORS_VARIANT = "pdf/a-3a"


@dataclass(frozen=True)
class PolicyItem:
    """A review's "policies to update", kept by its review's id (never shown with it)."""

    key: str
    reference: str  # for the DSL's eyes only, on the page that flags it
    text: str


@dataclass
class GovernorsReport:
    school: School
    term: stats.Term
    generated_at: datetime
    figures: list[tuple[str, str]]
    timings: list[tuple[str, str, str]]
    timing_note: str
    charts: list[charts.Chart]
    policy_items: list[str]
    summary: str


def term_incidents(school: School, term: stats.Term) -> QuerySet[Incident]:
    return Incident.objects.filter(school=school).filter(stats.in_days(term.start, term.end))


def policy_items(school: School, term: stats.Term) -> list[PolicyItem]:
    """The "policies to update" of the reviews recorded in the term, oldest first."""
    reviews = (
        Review.objects.filter(
            incident__school=school, reviewed_on__gte=term.start, reviewed_on__lte=term.end
        )
        .exclude(policies_to_update="")
        .select_related("incident")
        .order_by("reviewed_on", "pk")
    )
    return [
        PolicyItem(key=str(r.pk), reference=r.incident.reference, text=r.policies_to_update.strip())
        for r in reviews
        if r.policies_to_update.strip()
    ]


def young_people_names(school: School) -> list[str]:
    """Every young person's name recorded in the school's incidents."""
    return sorted(
        set(YoungPerson.objects.filter(incident__school=school).values_list("name", flat=True))
    )


@dataclass(frozen=True)
class Flags:
    """Names found in the text people wrote, which the DSL must remove before the export."""

    in_summary: list[str]
    items: dict[str, list[str]]  # policy item key -> names found

    def blocking(self, omitted: set[str]) -> bool:
        return bool(self.in_summary) or any(key not in omitted for key in self.items)


def flags(summary: str, items: list[PolicyItem], names: list[str]) -> Flags:
    found = {item.key: names_in(item.text, names) for item in items}
    return Flags(in_summary=names_in(summary, names), items={k: v for k, v in found.items() if v})


def _count(value: int) -> str:
    return charts.count_text(value, suppress=True)


def build_report(
    school: School, term: stats.Term, summary: str, omitted: set[str] | None = None
) -> GovernorsReport:
    today = timezone.localdate()
    omitted = omitted or set()
    incidents = term_incidents(school, term)
    total = incidents.count()
    categories = dict(
        with_result(incidents)
        .order_by()
        .values_list(*["result_category"])  # an annotation, which the type checker cannot see
        .annotate(n=Count("pk"))
    )
    outcomes = dict(
        Decision.objects.filter(incident__in=incidents.values("pk"))
        .order_by()
        .values_list("outcome")
        .annotate(n=Count("pk"))
    )
    signoffs = Decision.objects.filter(
        incident__in=incidents.values("pk"), signoff_required=True
    ).aggregate(
        signed=Count("pk", filter=Q(headteacher_signoff_by__isnull=False)),
        waiting=Count("pk", filter=Q(headteacher_signoff_by__isnull=True)),
    )
    approved = incidents.filter(status=Status.APPROVED).count()
    figures = [
        ("Incidents first disclosed this term", _count(total)),
        *(
            (f"Categorised as {label.lower()}", _count(categories.get(value, 0)))
            for value, label in (("experimental", "Experimental"), ("aggravated", "Aggravated"))
        ),
        ("Not yet assessed", _count(categories.get(None, 0))),
        ("Referred to other agencies", _count(outcomes.get(DecisionOutcome.REFERRED, 0))),
        (
            "Handled in school without a referral",
            _count(outcomes.get(DecisionOutcome.HANDLED_IN_SCHOOL, 0)),
        ),
        ("Decisions not to refer signed off by the headteacher", _count(signoffs["signed"])),
        ("Decisions not to refer waiting for the sign-off", _count(signoffs["waiting"])),
        ("Records approved and locked", _count(approved)),
    ]
    timing = stats.by_term(Incident.objects.filter(school=school), [term]).get(term.key)
    shown = timing is not None and timing.count >= charts.SMALL
    timings = [
        (
            stats.MEASURE_LABELS[m],
            charts.hours_text(timing.median[m]) if shown and timing else "not shown",
            charts.hours_text(timing.slowest_quarter[m]) if shown and timing else "not shown",
        )
        for m in stats.MEASURES
    ]
    period = charts.Period.of_term(term, today)
    items = [i.text for i in policy_items(school, term) if i.key not in omitted]
    return GovernorsReport(
        school=school,
        term=term,
        generated_at=timezone.now().replace(microsecond=0),
        figures=figures,
        timings=timings,
        timing_note=""
        if shown
        else "Timings are not shown for a term with fewer than 5 records: they could point at one.",
        charts=charts.build_all([school], period, suppress=True),
        policy_items=items,
        summary=summary.strip(),
    )


def report_filename(report: GovernorsReport) -> str:
    return f"{report.school.slug}-governors-report-{report.term.key}.pdf"


def render_governors_report(report: GovernorsReport) -> tuple[str, str, bytes]:
    content = render_pdf(
        "export/governors_report.html", {"report": report}, variant=GOVERNORS_VARIANT
    )
    return report_filename(report), PDF_CONTENT_TYPE, content


class NamesFound(ValueError):
    """The text holds a young person's name: the export is refused."""


def export_governors_report(
    school: School,
    term: stats.Term,
    summary: str,
    omitted: set[str],
    *,
    request: HttpRequest | None = None,
    user: User | None = None,
) -> tuple[str, str, bytes]:
    """Check the text once more, build, render, and audit the export (counts only)."""
    items = policy_items(school, term)
    found = flags(summary, items, young_people_names(school))
    if found.blocking(omitted):
        raise NamesFound("a young person's name is in the report's text")
    report = build_report(school, term, summary, omitted)
    filename, content_type, content = render_governors_report(report)
    log_action(
        AuditAction.GOVERNORS_REPORT_EXPORTED,
        request=request,
        user=user,
        school=school,
        data={
            "term": term.key,
            "policy_items": len(report.policy_items),
            "policy_items_left_out": len(omitted & {i.key for i in items}),
            "summary_characters": len(report.summary),
        },
    )
    return filename, content_type, content


__all__ = [
    "GOVERNORS_VARIANT",
    "Flags",
    "GovernorsReport",
    "NamesFound",
    "PolicyItem",
    "build_report",
    "export_governors_report",
    "flags",
    "policy_items",
    "young_people_names",
]
