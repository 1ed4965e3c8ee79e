"""Seeing the whole: the trust overview, the charts, and the governors' report.

The trust safeguarding lead sees a row per school of their trusts; a DSL or headteacher sees
their own school's row. Each chart is its own SVG response, shown with ``<img>`` beside its
table: pygal writes its styles inline, which the pages' policy forbids, so the SVG response
carries a policy of its own that allows those styles and nothing else.
"""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from incidents import charts, stats
from incidents.access import GOVERNORS_REPORT_WRITERS, OVERVIEW_READERS, led_schools
from incidents.audit import AuditAction, log_action
from incidents.export import governors
from incidents.forms.governors import GovernorsReportForm
from incidents.http import AuthenticatedRequest
from incidents.models import Incident, School, Status
from incidents.views.export import attachment

# The overview's columns a reader may sort by: key -> (heading, value of a row).
SORTS = {
    "school": "School",
    **dict(Status.choices),
    "total": "All records",
    "overdue": "Records with items overdue",
    "signoffs": "Non-referral sign-offs waiting",
    "transfers": "Children's files without receipt",
    **stats.MEASURE_LABELS,
}


@dataclass(frozen=True)
class Scope:
    """Whose figures a page shows: a trust's schools, or one school."""

    schools: list[School]
    trust_wide: bool

    def incidents(self) -> QuerySet[Incident]:
        return Incident.objects.filter(school_id__in=[s.pk for s in self.schools])


def scope_of(request: AuthenticatedRequest, *, trust: bool) -> Scope:
    """The trust lead's schools (``trust``), or the current school for those who read all of
    its records; 403 for anyone else."""
    if trust:
        led = list(led_schools(request.user))
        if led:
            return Scope(schools=led, trust_wide=True)
    if request.school and OVERVIEW_READERS.intersection(request.roles):
        return Scope(schools=[request.school], trust_wide=False)
    raise PermissionDenied(
        "Only the trust safeguarding lead, the DSL and the headteacher see this."
    )


def academic_year_start(today: date) -> date:
    return date(today.year if today.month >= 9 else today.year - 1, 9, 1)


def _sort_value(row: stats.SchoolRow, key: str) -> tuple[int, float | str]:
    """Rows without a value (no record reached the step) sort last either way."""
    if key == "school":
        return (0, row.school.name.lower())
    if key in Status.values:
        return (0, row.stages[key])
    if key in stats.MEASURES:
        value = row.median(key)
        return (0, value) if value is not None else (1, 0.0)
    return (0, float(getattr(row, key)))


def _list_url(school: School, trust_wide: bool, **filters: str) -> str:
    query = {"school": school.slug} if trust_wide else {}
    query.update(filters)
    return reverse("incident_list") + ("?" + urlencode(query) if query else "")


@never_cache
@login_required
@require_GET
def trust_overview(request: AuthenticatedRequest) -> HttpResponse:
    if not request.school and not led_schools(request.user).exists():
        return redirect("home")
    scope = scope_of(request, trust=True)
    today = timezone.localdate()
    since = academic_year_start(today)
    rows = stats.overview(scope.schools, today, since)
    sort = request.GET.get("sort", "school")
    if sort not in SORTS:
        sort = "school"
    descending = request.GET.get("dir") == "desc"
    present = [r for r in rows if _sort_value(r, sort)[0] == 0]
    absent = [r for r in rows if _sort_value(r, sort)[0] == 1]
    present.sort(key=lambda r: _sort_value(r, sort)[1], reverse=descending)
    rows = present + absent
    since_text = since.isoformat()
    table = [
        {
            "row": row,
            "stages": [
                (row.stages[value], _list_url(row.school, scope.trust_wide, stage=value))
                for value in Status.values
            ],
            "total_url": _list_url(row.school, scope.trust_wide),
            "overdue_url": _list_url(row.school, scope.trust_wide, overdue="1"),
            "signoffs_url": _list_url(row.school, scope.trust_wide, signoff="1"),
            "medians": [
                (
                    charts.hours_text(row.median(measure)),
                    row.median(measure),
                    _list_url(row.school, scope.trust_wide, disclosed_from=since_text),
                )
                for measure in stats.MEASURES
            ],
        }
        for row in rows
    ]
    headings = []
    for key, label in SORTS.items():
        # A second click on the sorted column reverses it; timings sort slowest first.
        first_dir = "asc" if key == "school" else "desc"
        next_dir = ("asc" if descending else "desc") if key == sort else first_dir
        headings.append(
            {
                "key": key,
                "label": label,
                "url": "?" + urlencode({"sort": key, "dir": next_dir}),
                "sorted": ("descending" if descending else "ascending") if key == sort else "",
            }
        )
    chart_scope = "?scope=trust" if scope.trust_wide else ""
    period = charts.Period.year_to(today)
    chart_list = charts.build_all(scope.schools, period)
    return render(
        request,
        "incidents/overview.html",
        {
            "scope": scope,
            "table": table,
            "headings": headings,
            "sort": sort,
            "since": since,
            "charts": [(chart, chart_scope) for chart in chart_list],
        },
    )


@never_cache
@login_required
@require_GET
def chart_svg(request: AuthenticatedRequest, name: str) -> HttpResponse:
    """One chart as SVG: the current school's, or (``?scope=trust``) the trust lead's."""
    if name not in charts.BUILDERS:
        raise Http404("No such chart")
    trust = request.GET.get("scope") == "trust"
    if not trust and not request.school:
        return redirect("home")
    scope = scope_of(request, trust=trust)
    chart = charts.build(name, scope.schools, charts.Period.year_to(timezone.localdate()))
    response = HttpResponse(chart.svg, content_type=charts.SVG_CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{name}.svg"'
    # django-csp's per-response replacement (what its ``csp_replace`` decorator sets): the
    # chart's own inline styles, and nothing else.
    response._csp_replace = charts.SVG_POLICY  # type: ignore[attr-defined]
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def governors_report(request: AuthenticatedRequest) -> HttpResponse:
    """The DSL (or the headteacher) writes their section and exports the termly report.

    A young person's name in their section, or in a review's "policies to update", stops the
    export: the name is shown here, to the DSL, for them to remove (or the item to be left out).
    """
    if not request.school:
        return redirect("choose_school")
    if not GOVERNORS_REPORT_WRITERS.intersection(request.roles):
        raise PermissionDenied("Only the DSL and the headteacher write the governors' report.")
    school = request.school
    today = timezone.localdate()
    flagged: governors.Flags | None = None
    items: list[governors.PolicyItem] = []
    if request.method == "POST":
        term = stats.parse_term(request.POST.get("term", ""))
        items = governors.policy_items(school, term) if term else []
        flagged = governors.flags(
            request.POST.get("summary", ""), items, governors.young_people_names(school)
        )
        form = GovernorsReportForm(
            request.POST,
            today=today,
            flagged_items=[
                (i.key, f"{i.reference}: {i.text}") for i in items if i.key in flagged.items
            ],
        )
        if form.is_valid():
            omitted = set(form.cleaned_data.get("omit", []))
            if flagged.in_summary:
                form.add_error(
                    "summary",
                    "Remove every young person's name before exporting: "
                    + ", ".join(flagged.in_summary)
                    + ". Governors never read a child's name.",
                )
            missing = [k for k in flagged.items if k not in omitted]
            if missing:
                form.add_error(
                    "omit",
                    "These items name a young person: tick each to leave it out, or reword "
                    "the record's review first.",
                )
            if form.is_valid() and not flagged.blocking(omitted):
                return attachment(
                    *governors.export_governors_report(
                        school,
                        form.cleaned_term(),
                        form.cleaned_data["summary"],
                        omitted,
                        request=request,
                    )
                )
            log_action(
                AuditAction.GOVERNORS_REPORT_NAMES_FLAGGED,
                request=request,
                school=school,
                # How many, never which: the names stay out of the log too.
                data={
                    "term": form.cleaned_data["term"],
                    "in_summary": len(flagged.in_summary),
                    "items": len(missing),
                },
            )
    else:
        form = GovernorsReportForm(initial={"term": stats.term_of(today).key}, today=today)
    return render(
        request,
        "incidents/governors_report.html",
        {
            "form": form,
            "school": school,
            "flagged": flagged,
            "flagged_items": [i for i in items if flagged and i.key in flagged.items],
        },
    )
