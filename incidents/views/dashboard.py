"""The DSL's dashboard, the incident list and search, and the headteacher's queue.

Every page here shows only the incidents ``access.readable_incidents`` allows, and each runs a
fixed number of queries however many incidents the school holds. A young person's name is
personal data: search takes it in a POST body, never in a URL (it would land in logs and
browser history).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Exists, F, Min, OuterRef, Prefetch, Q, Subquery, When
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from incidents.access import readable_incidents, reads_whole_school
from incidents.audit import log_action
from incidents.models import (
    Action,
    AssessmentResult,
    Decision,
    DecisionOutcome,
    DeletionRequest,
    Role,
    Signature,
    SignatureKind,
    Status,
    YoungPerson,
)
from incidents.pagination import page_number, window

READER_ROLES = frozenset({Role.DSL, Role.DEPUTY_DSL, Role.HEADTEACHER, Role.TRUST_LEAD})
PER_PAGE = 25
# The dashboard lists at most this many of each kind; the incident list has the rest.
DASHBOARD_LIMIT = 10
OPEN_STATUSES = (Status.REPORTED, Status.UNDER_REVIEW)


def may_read_records(request) -> bool:
    return bool(READER_ROLES.intersection(request.roles))


def _reader_school(request):
    """The current school, if the user reads records there; 403 for a staff-only member."""
    if not may_read_records(request):
        raise PermissionDenied("Your role in this school does not show incident records.")
    return request.school


def with_result(incidents):
    """Annotate the latest rules' result (the DSL's override where there is one).

    Two correlated subqueries on the page's rows instead of a query per row.
    """
    latest = AssessmentResult.objects.filter(incident=OuterRef("pk")).order_by(
        "-computed_at", "-pk"
    )
    category = Case(When(overridden=True, then=F("override_category")), default=F("category"))
    subtype = Case(When(overridden=True, then=F("override_subtype")), default=F("subtype"))
    return incidents.annotate(
        result_category=Subquery(latest.annotate(value=category).values("value")[:1]),
        result_subtype=Subquery(latest.annotate(value=subtype).values("value")[:1]),
    )


def with_overdue_flags(incidents, today):
    """SPEC §9: an unconfirmed deletion past its deadline; §3.8: an action past its due date."""
    return incidents.annotate(
        deletion_overdue=Exists(
            DeletionRequest.objects.filter(
                incident=OuterRef("pk"), confirmed_on__isnull=True, deadline__lt=today
            )
        ),
        action_overdue=Exists(
            Action.objects.filter(incident=OuterRef("pk"), done_on__isnull=True, due_date__lt=today)
        ),
    )


def with_last_signature(incidents):
    """The kind of the latest signature: "sent_back" means the headteacher returned it."""
    latest = Signature.objects.filter(incident=OuterRef("pk")).order_by("-signed_at", "-pk")
    return incidents.annotate(last_signature=Subquery(latest.values("kind")[:1]))


def within(incidents, school, roles) -> Q:
    """The rows (deletions, actions, decisions) of the incidents the reader may read.

    A DSL, headteacher or trust lead reads the whole school: the school alone says it, and lets
    PostgreSQL start from the school's incidents. An IN over ``incidents`` as well made it read
    every incident of the school to find a handful of rows (bench/README.md); a granted deputy
    still needs it.
    """
    if reads_whole_school(roles):
        return Q(incident__school=school)
    return Q(incident__school=school, incident__in=incidents)


def overdue_deletions(scope: Q, today):
    return DeletionRequest.objects.filter(
        scope, confirmed_on__isnull=True, deadline__lt=today
    ).select_related("incident")


def overdue_actions(scope: Q, today):
    return Action.objects.filter(scope, done_on__isnull=True, due_date__lt=today).select_related(
        "incident"
    )


def awaiting_signoff(scope: Q):
    """SPEC §8: a decision not to refer waits for the headteacher's sign-off."""
    return Decision.objects.filter(
        scope,
        outcome=DecisionOutcome.HANDLED_IN_SCHOOL,
        headteacher_signoff_by__isnull=True,
    ).select_related("incident")


def _first(queryset, limit=DASHBOARD_LIMIT):
    """At most ``limit`` rows and whether there were more, in one query."""
    rows = list(queryset[: limit + 1])
    return rows[:limit], len(rows) > limit


class SearchForm(forms.Form):
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


def dashboard(request):
    """The home page of someone with a role in the current school."""
    if not may_read_records(request):
        # Staff report concerns and never see the record that follows (SPEC §1).
        return render(request, "incidents/dashboard_staff.html")
    school = request.school
    roles = frozenset(request.roles)
    incidents = readable_incidents(request.user, school, roles)
    scope = within(incidents, school, roles)
    today = timezone.localdate()
    # One grouped aggregate over the school's incidents: bounded by the school.
    counts = dict(incidents.order_by().values_list("status").annotate(n=Count("pk")))
    stages = [(value, label, counts.get(value, 0)) for value, label in Status.choices]
    # One line per incident: its young people are usually asked together.
    deletions, more_deletions = _first(
        overdue_deletions(scope, today)
        .values("incident__reference")
        .annotate(count=Count("pk"), earliest=Min("deadline"))
        .order_by("earliest", "incident__reference")
    )
    actions, more_actions = _first(overdue_actions(scope, today).order_by("due_date"))
    in_progress, more_in_progress = _first(
        with_last_signature(incidents.filter(status__in=OPEN_STATUSES)).order_by(
            "disclosed_at", "pk"
        )
    )
    awaiting_approval, more_awaiting = _first(
        incidents.filter(status=Status.AWAITING_APPROVAL).order_by("updated_at", "pk")
    )
    signoffs, more_signoffs = _first(awaiting_signoff(scope).order_by("decided_at"))
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
        },
    )


@never_cache
@login_required
@require_GET
def incident_list(request):
    if not request.school:
        return redirect("home")
    school = _reader_school(request)
    today = timezone.localdate()
    stage = request.GET.get("stage", "")
    incidents = readable_incidents(request.user, school, frozenset(request.roles))
    if stage and stage not in Status.values:
        messages.error(request, "That stage does not exist: showing incidents at every stage.")
        stage = ""
    if stage:
        incidents = incidents.filter(status=stage)
    page = window(
        incidents.order_by("-created_at", "-pk"),
        page_number(request.GET.get("page")),
        PER_PAGE,
        decorate=lambda rows: with_last_signature(with_overdue_flags(with_result(rows), today)),
    )
    return render(
        request,
        "incidents/incident_list.html",
        {
            "page": page,
            "stage": stage,
            "stage_label": Status(stage).label if stage else "",
            "stages": Status.choices,
            "search_form": SearchForm(),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def incident_search(request):
    """Search by reference or name; the term travels in the POST body only."""
    if not request.school:
        return redirect("home")
    school = _reader_school(request)
    form = SearchForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        term = form.cleaned_data["q"].strip()
        incidents = readable_incidents(request.user, school, frozenset(request.roles))
        exact = incidents.filter(reference__iexact=term).values_list("reference", flat=True)
        exact = list(exact[:1])
        # The query text may be a child's name: the audit keeps only how many were found.
        if exact:
            log_action("incident.searched", request=request, school=school, data={"results": 1})
            return redirect("incident_detail", reference=exact[0])
        matches = (
            with_result(incidents)
            .filter(Q(reference__icontains=term) | Q(young_people__name__icontains=term))
            .distinct()
            .order_by("-created_at", "-pk")
            .prefetch_related(
                Prefetch(
                    "young_people",
                    queryset=YoungPerson.objects.filter(name__icontains=term).only(
                        "pk", "name", "incident_id"
                    ),
                    to_attr="matching_people",
                )
            )
        )
        results, more = _first(matches, limit=PER_PAGE)
        log_action(
            "incident.searched", request=request, school=school, data={"results": len(results)}
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
def head_queue(request):
    """SPEC §1, §8, §10: what waits for the headteacher: approvals and non-referral sign-offs."""
    if not request.school:
        return redirect("home")
    if Role.HEADTEACHER not in request.roles:
        raise PermissionDenied("Only the headteacher approves records and non-referral decisions.")
    school = request.school
    roles = frozenset(request.roles)
    incidents = readable_incidents(request.user, school, roles)
    awaiting_approval = list(
        with_result(incidents.filter(status=Status.AWAITING_APPROVAL))
        .select_related("decision")
        .prefetch_related(
            Prefetch(
                "signatures",
                queryset=Signature.objects.filter(kind=SignatureKind.SIGNED).order_by(
                    "-signed_at", "-pk"
                ),
                to_attr="dsl_signatures",
            )
        )
        .order_by("updated_at", "pk")
    )
    signoffs = list(
        awaiting_signoff(within(incidents, school, roles))
        .select_related("assessment", "created_by")
        .order_by("decided_at", "pk")
    )
    return render(
        request,
        "incidents/head_queue.html",
        {"awaiting_approval": awaiting_approval, "awaiting_signoff": signoffs},
    )
