"""The querysets of the lists: the dashboard, the incident list, search and the headteacher's
queue, and the people a DSL may grant a record to.

Each starts from what ``access.readable_incidents`` allows and stays bounded by the school, so a
page costs the same number of queries however many incidents the deployment holds
(bench/README.md). Nothing here writes.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Min,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.utils import timezone

from incidents.access import GRANT_CODENAME, reads_whole_school
from incidents.display import person_name
from incidents.models import (
    Action,
    AssessmentResult,
    Cover,
    Decision,
    DeletionRequest,
    Incident,
    Membership,
    Role,
    School,
    Signature,
    SignatureKind,
    Status,
    User,
    YoungPerson,
)

# The incident list's "not assessed yet" category (forms.lists.NOT_ASSESSED: forms sit above).
NOT_ASSESSED = "none"

# The dashboard lists at most this many of each kind; the incident list has the rest.
DASHBOARD_LIMIT = 10
OPEN_STATUSES = (Status.REPORTED, Status.UNDER_REVIEW)

M = TypeVar("M", bound=Model)


def with_result(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
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


def with_overdue_flags(incidents: QuerySet[Incident], today: date) -> QuerySet[Incident]:
    """An unconfirmed deletion past its deadline; an action past its due date."""
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


def with_last_signature(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """The kind of the latest signature: "sent_back" means the headteacher returned it; with
    its reason (the dashboard shows why), in the same query."""
    latest = Signature.objects.filter(incident=OuterRef("pk")).order_by("-signed_at", "-pk")
    return incidents.annotate(
        last_signature=Subquery(latest.values("kind")[:1]),
        last_signature_reason=Subquery(latest.values("reason")[:1]),
    )


def within(incidents: QuerySet[Incident], school: School, roles: frozenset[str]) -> Q:
    """The rows (deletions, actions, decisions) of the incidents the reader may read.

    Each of those rows keeps its incident's school (``services.records`` sets it), so the
    filter reads the school's own rows by their index and never another school's. A DSL,
    headteacher or trust lead reads the whole school: the school alone says it (an IN over
    ``incidents`` as well made it read every incident of the school to find a handful of rows,
    bench/README.md); a granted deputy still needs it.
    """
    if reads_whole_school(roles):
        return Q(school=school)
    return Q(school=school, incident__in=incidents)


def filtered(
    incidents: QuerySet[Incident], filters: dict[str, Any], today: date
) -> QuerySet[Incident]:
    """The incident list narrowed by ``forms.lists.IncidentFilterForm.filters()``.

    Each filter is a condition of the one query that chooses the page: none adds a query.
    ``category`` is the latest rules' result (the DSL's override where there is one); "none"
    is a record with no result yet.
    """
    if stage := filters.get("stage"):
        incidents = incidents.filter(status=stage)
    if start := filters.get("disclosed_from"):
        incidents = incidents.filter(disclosed_at__date__gte=start)
    if end := filters.get("disclosed_to"):
        incidents = incidents.filter(disclosed_at__date__lte=end)
    if category := filters.get("category"):
        incidents = with_result(incidents)
        if category == NOT_ASSESSED:
            incidents = incidents.filter(Q(result_category__isnull=True))
        else:
            incidents = incidents.filter(Q(result_category=category))
    if filters.get("overdue"):
        incidents = with_overdue_flags(incidents, today).filter(
            Q(deletion_overdue=True) | Q(action_overdue=True)
        )
    if filters.get("signoff"):
        incidents = incidents.filter(
            Exists(
                Decision.objects.filter(
                    incident=OuterRef("pk"),
                    signoff_required=True,
                    headteacher_signoff_by__isnull=True,
                )
            )
        )
    return incidents


def stage_counts(incidents: QuerySet[Incident]) -> dict[str, int]:
    """How many incidents are at each stage, in one grouped query bounded by the school."""
    return dict(incidents.order_by().values_list("status").annotate(n=Count("pk")))


def overdue_deletions(scope: Q, today: date) -> QuerySet[DeletionRequest]:
    return DeletionRequest.objects.filter(
        scope, confirmed_on__isnull=True, deadline__lt=today
    ).select_related("incident")


def overdue_deletions_by_incident(scope: Q, today: date) -> QuerySet[Any]:
    """One line per incident: its young people are usually asked together."""
    return (
        overdue_deletions(scope, today)
        .values("incident__reference")
        .annotate(count=Count("pk"), earliest=Min("deadline"))
        .order_by("earliest", "incident__reference")
    )


def overdue_actions(scope: Q, today: date) -> QuerySet[Action]:
    return Action.objects.filter(scope, done_on__isnull=True, due_date__lt=today).select_related(
        "incident"
    )


def awaiting_signoff(scope: Q) -> QuerySet[Decision]:
    """Decisions waiting for the headteacher's sign-off of what they do not refer (the flag is
    ``requirements.of``'s answer, kept on the decision by the service that saves it)."""
    return Decision.objects.filter(
        scope,
        signoff_required=True,
        headteacher_signoff_by__isnull=True,
    ).select_related("incident")


def in_progress(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    return with_last_signature(incidents.filter(status__in=OPEN_STATUSES)).order_by(
        "disclosed_at", "pk"
    )


def awaiting_approval(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    return incidents.filter(status=Status.AWAITING_APPROVAL).order_by("updated_at", "pk")


def queue_awaiting_approval(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """The headteacher's queue: each signed record with its result and the DSL's signature."""
    return (
        with_result(awaiting_approval(incidents))
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
    )


def search(incidents: QuerySet[Incident], term: str) -> QuerySet[Incident]:
    """Incidents whose reference or a young person's name contains ``term``, newest first,
    each with the young people whose names matched (``matching_people``)."""
    return (
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


def first(
    queryset: QuerySet[M] | QuerySet[Any], limit: int = DASHBOARD_LIMIT
) -> tuple[list[Any], bool]:
    """At most ``limit`` rows and whether there were more, in one query."""
    rows = list(queryset[: limit + 1])
    return rows[:limit], len(rows) > limit


def grantable_deputies(incident: Incident) -> QuerySet[User]:
    """Deputy DSLs of the incident's school: the only people a DSL may grant access to."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__school=incident.school,
            memberships__role=Role.DEPUTY_DSL,
            memberships__confirmed_at__isnull=False,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def school_deputies(school: School) -> QuerySet[User]:
    """Deputy DSLs of ``school`` (roles in effect, active accounts) who are not its DSL: the
    people the DSL may put in cover."""
    deputies = Membership.objects.held().filter(school=school, role=Role.DEPUTY_DSL)
    dsls = Membership.objects.held().filter(school=school, role=Role.DSL)
    return (
        User.objects.filter(is_active=True, pk__in=deputies.values("user_id"))
        .exclude(pk__in=dsls.values("user_id"))
        .order_by("last_name", "first_name", "username")
    )


def school_covers(school: School) -> QuerySet[Cover]:
    """The school's covers, latest first, with the people each names (one query)."""
    return (
        Cover.objects.filter(school=school)
        .select_related("deputy", "granted_by", "ended_by")
        .order_by("-starts_at", "-pk")
    )


def current_cover(user: User, school: School) -> Cover | None:
    """The cover ``user`` holds in ``school`` now, the one that ends last (one query)."""
    return (
        Cover.objects.current(timezone.now())
        .filter(deputy=user, school=school)
        .order_by("-ends_at")
        .first()
    )


def granted_users(incident: Incident) -> QuerySet[User]:
    return (
        User.objects.filter(
            incidentuserobjectpermission__content_object=incident,
            incidentuserobjectpermission__permission__codename=GRANT_CODENAME,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def school_people(school: School) -> QuerySet[User]:
    """Everyone holding a role in ``school`` (confirmed or not, active or not), each with their
    memberships of it (``school_memberships``): two queries."""
    return (
        User.objects.filter(pk__in=Membership.objects.filter(school=school).values("user_id"))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(school=school).order_by("role"),
                to_attr="school_memberships",
            )
        )
        .order_by("-is_active", "last_name", "first_name", "username")
    )


def colleagues(school: School) -> QuerySet[User]:
    """Active people holding a role in effect in ``school``: whom an action can be given to."""
    return User.objects.filter(
        is_active=True,
        pk__in=Membership.objects.held().filter(school=school).values("user_id"),
    ).order_by("last_name", "first_name", "username")


def open_actions_of(person: User, school: School) -> QuerySet[Action]:
    """The follow-up actions of ``school``'s records not yet done whose owner names ``person``.

    An owner is written as text: the person's name or username, alone or followed by their
    role ("Sam Reid (Head of Year 10)", "Sam Reid, pastoral lead").
    """
    names = Q()
    for name in {person_name(person), person.username} - {""}:
        names |= (
            Q(owner__iexact=name)
            | Q(owner__istartswith=f"{name} (")
            | Q(owner__istartswith=f"{name},")
        )
    return (
        Action.objects.filter(incident__school=school, done_on__isnull=True)
        .filter(names)
        .select_related("incident")
        .order_by("due_date", "pk")
    )


def authored_by(user: User, incident_ids: list[int]) -> set[int]:
    """Which of these incidents ``user`` is the DSL of: wrote the decision or signed the record
    as DSL (one query; none when there are no incidents)."""
    if not incident_ids:
        return set()
    signed = Signature.objects.filter(
        incident_id=OuterRef("pk"), kind=SignatureKind.SIGNED, signer=user
    )
    decided = Decision.objects.filter(incident_id=OuterRef("pk")).filter(
        Q(created_by=user) | Q(updated_by=user)
    )
    return set(
        Incident.objects.filter(pk__in=incident_ids)
        .filter(Exists(signed) | Exists(decided))
        .values_list("pk", flat=True)
    )
