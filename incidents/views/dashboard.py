"""The DSL's dashboard, the incident list and search, and the headteacher's queue.

Every page here shows only the incidents ``access.readable_incidents`` allows, and each runs a
fixed number of queries however many incidents the school holds. A young person's name is
personal data: search takes it in a POST body, never in a URL (it would land in logs and
browser history).
"""

from typing import cast
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from incidents import charts, childfile, queries
from incidents.access import (
    COVER,
    FILE_KEEPERS,
    OVERVIEW_READERS,
    READERS,
    SIGNATORIES,
    led_schools,
    needs_grant,
    readable_incidents,
)
from incidents.audit import AuditAction, log_action
from incidents.forms.common import CheckedText
from incidents.forms.lists import IncidentFilterForm
from incidents.http import AuthenticatedRequest, SchoolRequest
from incidents.models import Role, School, Status
from incidents.pagination import page_number, window

PER_PAGE = 25


def may_read_records(request: SchoolRequest) -> bool:
    return bool(READERS.intersection(request.roles))


def _reader_school(request: SchoolRequest) -> School:
    """The current school, if the user reads records there; 403 for a staff-only member."""
    if not may_read_records(request):
        raise PermissionDenied("Your role in this school does not show incident records.")
    # Roles are held in a school: whoever reads records here has a current school.
    return cast(School, request.school)


class SearchForm(CheckedText, forms.Form):
    q = forms.CharField(
        label="Incident reference or a young person's name",
        min_length=2,
        max_length=100,
        error_messages={
            "required": "Enter an incident reference or a young person's name",
            "min_length": "Enter at least 2 characters",
            "max_length": "Enter no more than 100 characters",
        },
    )


def transfers_panel(school: School, roles: frozenset[str]) -> dict[str, object]:
    if not roles & FILE_KEEPERS:
        return {}
    return {
        "transfers": childfile.open_transfers(school),
        "files_to_confirm": childfile.files_awaiting_confirmation(school),
    }


def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """The home page of someone with a role in the current school."""
    if not may_read_records(request):
        # Staff report concerns and never see the record that follows.
        return render(request, "incidents/dashboard_staff.html")
    school = cast(School, request.school)  # roles that read records come with a school
    roles = frozenset(request.roles)
    incidents = readable_incidents(request.user, school, roles)
    scope = queries.within(incidents, school, roles)
    today = timezone.localdate()
    counts = queries.stage_counts(incidents)
    stages = [(value, label, counts.get(value, 0)) for value, label in Status.choices]
    deletions, more_deletions = queries.first(queries.overdue_deletions_by_incident(scope, today))
    actions, more_actions = queries.first(
        queries.overdue_actions(scope, today).order_by("due_date")
    )
    in_progress, more_in_progress = queries.first(queries.in_progress(incidents))
    awaiting_approval, more_awaiting = queries.first(queries.awaiting_approval(incidents))
    signoffs, more_signoffs = queries.first(queries.awaiting_signoff(scope).order_by("decided_at"))
    # The school's trends, for those who read all its records (five grouped queries).
    # A deputy in cover is told until when (one query, only for them).
    cover = queries.current_cover(request.user, school) if COVER in roles else None
    trends = (
        charts.build_all([school], charts.Period.year_to(today))
        if OVERVIEW_READERS.intersection(roles)
        else []
    )
    return render(
        request,
        "incidents/home.html",
        {
            "stages": stages,
            "total": sum(counts.values()),
            "overdue_deletions": deletions,
            "more_overdue_deletions": more_deletions,
            "overdue_actions": actions,
            "more_overdue_actions": more_actions,
            "in_progress": in_progress,
            "more_in_progress": more_in_progress,
            "awaiting_approval": awaiting_approval,
            "more_awaiting_approval": more_awaiting,
            "awaiting_signoff": signoffs,
            "more_awaiting_signoff": more_signoffs,
            "search_form": SearchForm(),
            "today": today,
            "is_headteacher": Role.HEADTEACHER in request.roles,
            "cover": cover,
            "granted_only": needs_grant(roles),
            # The child's file: transfers out and files received (the DSL's).
            **transfers_panel(school, roles),
            "charts": [(chart, "") for chart in trends],
        },
    )


@never_cache
@login_required
@require_GET
def incident_list(request: AuthenticatedRequest) -> HttpResponse:
    """The school's incidents, newest first, narrowed by the filters in the query string.

    The trust safeguarding lead may name another school of the trust (``?school=<slug>``):
    the trust overview links each of its figures here. The schools are read in one query
    whether or not one is chosen, so no filter changes the page's query count.
    """
    if request.school:
        school: School | None = _reader_school(request)
        roles = frozenset(request.roles)
        trust_schools = (
            list(School.objects.filter(trust_id=request.school.trust_id).order_by("name"))
            if Role.TRUST_LEAD in roles and request.school.trust_id
            else []
        )
    else:
        # A trust lead who has not chosen a school follows the overview's links here.
        school, roles = None, frozenset({Role.TRUST_LEAD})
        trust_schools = list(led_schools(request.user))
        if not trust_schools:
            return redirect("home")
    today = timezone.localdate()
    form = IncidentFilterForm(
        request.GET or None,
        schools=[(s.slug, s.name) for s in trust_schools],
        blank="The current school" if request.school else "Choose a school",
    )
    filters = form.filters()
    chosen = next((s for s in trust_schools if s.slug == filters.get("school")), None)
    if chosen is not None and (school is None or chosen.pk != school.pk):
        # A school of the lead's trust: they read every incident of it as trust lead.
        school, roles = chosen, frozenset({Role.TRUST_LEAD})
    if school is None:
        return redirect("choose_school")
    incidents = queries.filtered(readable_incidents(request.user, school, roles), filters, today)
    page = window(
        incidents.order_by("-created_at", "-pk"),
        page_number(request.GET.get("page")),
        PER_PAGE,
        decorate=lambda rows: queries.with_last_signature(
            queries.with_overdue_flags(queries.with_result(rows), today)
        ),
    )
    stage = filters.get("stage", "")
    kept = {k: v for k, v in request.GET.items() if k != "page" and k in form.fields}
    return render(
        request,
        "incidents/incident_list.html",
        {
            "page": page,
            "form": form,
            "filters": filters,
            "list_school": school,
            "other_school": not request.school or school.pk != request.school.pk,
            "stage": stage,
            "stage_label": Status(stage).label if stage else "",
            "stages": Status.choices,
            "query": urlencode(kept),
            "search_form": SearchForm(),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def incident_search(request: AuthenticatedRequest) -> HttpResponse:
    """Search by reference or name; the term travels in the POST body only."""
    if not request.school:
        return redirect("home")
    school = _reader_school(request)
    form = SearchForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        term = form.cleaned_data["q"].strip()
        incidents = readable_incidents(request.user, school, frozenset(request.roles))
        exact = list(
            incidents.filter(reference__iexact=term).values_list("reference", flat=True)[:1]
        )
        # The query text may be a child's name: the audit keeps only how many were found.
        if exact:
            log_action(AuditAction.SEARCHED, request=request, school=school, data={"results": 1})
            return redirect("incident_detail", reference=exact[0])
        matches = queries.search(incidents, term)
        results, more = queries.first(matches, limit=PER_PAGE)
        log_action(
            AuditAction.SEARCHED, request=request, school=school, data={"results": len(results)}
        )
        return render(
            request,
            "incidents/dashboard_search.html",
            {"search_form": form, "results": results, "more_results": more},
        )
    return render(request, "incidents/dashboard_search.html", {"search_form": form})


@never_cache
@login_required
@require_GET
def head_queue(request: AuthenticatedRequest) -> HttpResponse:
    """What waits for the headteacher: approvals and non-referral sign-offs."""
    if not request.school:
        return redirect("home")
    if not SIGNATORIES & frozenset(request.roles):
        raise PermissionDenied(
            "Only the headteacher (or the second signatory) approves records and non-referral "
            "decisions."
        )
    school = request.school
    roles = frozenset(request.roles)
    incidents = readable_incidents(request.user, school, roles)
    queue = list(queries.queue_awaiting_approval(incidents))
    decisions = list(
        queries.awaiting_signoff(queries.within(incidents, school, roles))
        .select_related("assessment", "created_by")
        .order_by("decided_at", "pk")
    )
    # A headteacher who is a record's DSL sees it apart: the second signatory signs it.
    own = queries.authored_by(
        request.user, [i.pk for i in queue] + [d.incident_id for d in decisions]
    )
    awaiting_approval = [i for i in queue if i.pk not in own]
    signoffs = [d for d in decisions if d.incident_id not in own]
    own_approval = [i for i in queue if i.pk in own]
    own_signoffs = [d for d in decisions if d.incident_id in own]
    # The queue shows the DSL's reasons: a read of those records, audited (identifiers only).
    log_action(
        AuditAction.HEAD_QUEUE_VIEWED,
        request=request,
        school=school,
        data={
            "awaiting_approval": [incident.pk for incident in awaiting_approval],
            "awaiting_signoff": [decision.incident_id for decision in signoffs],
            "own_decision": sorted(own),
        },
    )
    return render(
        request,
        "incidents/head_queue.html",
        {
            "awaiting_approval": awaiting_approval,
            "awaiting_signoff": signoffs,
            "own_approval": own_approval,
            "own_signoffs": own_signoffs,
            "second_signatory": Role.SECOND_SIGNATORY in roles and Role.HEADTEACHER not in roles,
        },
    )
