"""The record of one incident: its parts, the one way to load it whole, and what it shows.

Every page that shows a record, the PDF, the pack and the services that check a record before
signing read it through here, so the number of queries does not grow with the number of people,
viewings, referrals or actions it holds: the incident and its one-to-one sections are read in
one query (``incidents()``, which the access check takes), every list is then fetched once and
every account the record names in one more query (``load``).

Nothing here writes: a record changes only through ``incidents.services``.
"""

from __future__ import annotations

from collections.abc import Iterator
from copy import copy
from datetime import datetime
from typing import Any, cast

from django.db.models import (
    Exists,
    Field,
    Model,
    OuterRef,
    Prefetch,
    QuerySet,
    prefetch_related_objects,
)

from incidents.audit import AuditAction
from incidents.models import (
    FACT_FIELDS,
    RISK_CHOICE_FIELDS,
    RISK_FIELDS,
    Addendum,
    AnswerChoice,
    AssessmentResult,
    AuditEvent,
    DeletionRequest,
    DeviceSearch,
    Incident,
    InitialReview,
    Interview,
    OnlineReport,
    ParentContact,
    RiskAssessment,
    Signature,
    SignatureKind,
    Status,
    Transfer,
    User,
    YoungPerson,
)
from incidents.rules import RISK_QUESTIONS

# The parts of the record in the order the DSL writes them, each with its name. The wizard has a
# step for each (the identifiers are in its addresses), and what a record still lacks names the
# part where it is put right.
PARTS: dict[str, str] = {
    "disclosure": "Disclosure",
    "people": "People involved",
    "initial-review": "Initial review",
    "risk-assessment": "Risk assessment",
    "assessment": "Assessment",
    "interviews": "Talking to the young people and containment",
    "imagery-devices": "Imagery and devices",
    "advice": "Advice sought",
    "decision": "Decision and referrals",
    "online-reports": "Reporting online",
    "inter-agency": "Inter-agency meetings and information shared",
    "parents": "Parents and carers",
    "follow-up": "Deletion, support and containment",
    "review": "Review",
    "check": "Check answers",
}

# The one-to-one sections of the record (joined to the incident).
SECTIONS = (
    "disclosure",
    "initial_review",
    "risk_assessment",
    "decision",
    "review",
    "containment",
)
# The lists of entries that say who wrote them (``RecordEntry``: created_by, updated_by).
AUTHORED_LISTS = (
    "young_people",
    "adults",
    "viewings",
    "device_searches",
    "referrals",
    "advice",
    "parent_contacts",
    "deletions",
    "actions",
    "interviews",
    "online_reports",
    "meetings",
    "information_shared",
)


def _lists(whole: bool = True) -> tuple[str | Prefetch[Any], ...]:
    content = (
        "young_people",
        "adults",
        Prefetch(
            "assessment_results", queryset=AssessmentResult.objects.order_by("computed_at", "pk")
        ),
        "viewings",
        Prefetch("device_searches", queryset=DeviceSearch.objects.select_related("young_person")),
        "referrals",
        "advice",
        Prefetch("parent_contacts", queryset=ParentContact.objects.select_related("young_person")),
        Prefetch("deletions", queryset=DeletionRequest.objects.select_related("young_person")),
        "actions",
        Prefetch("interviews", queryset=Interview.objects.select_related("young_person")),
        Prefetch("online_reports", queryset=OnlineReport.objects.select_related("young_person")),
        "meetings",
        "information_shared",
    )
    if not whole:
        return content
    return (
        *content,
        # The transfers of the files of young people picked from the roll (the chronology's):
        # no query when none was picked, one when any was.
        Prefetch(
            "young_people__pupil__transfers",
            queryset=Transfer.objects.select_related(
                "created_by", "sent_by", "receipt_confirmed_by"
            ).order_by("created_at", "pk"),
        ),
        "signatures",
        Prefetch("addenda", queryset=Addendum.objects.select_related("signature")),
    )


# The record's lists, each with whether the incident has any row in it read in the same query
# as the incident (``incidents()``): ``load`` then fetches only the lists that hold something.
LISTS = (*AUTHORED_LISTS, "assessment_results", "signatures", "addenda")
_HAS = "has_"


def _presence() -> dict[str, Exists]:
    """``has_<list>``: an EXISTS per list, an index probe each on the list's incident key."""
    found = {}
    for name in LISTS:
        related = cast(Any, Incident._meta.get_field(name)).related_model
        found[f"{_HAS}{name}"] = Exists(related.objects.filter(incident=OuterRef("pk")))
    return found


def incidents() -> QuerySet[Incident]:
    """Incidents with their one-to-one sections joined, and whether each list holds anything:
    give it to the access check (``access.get_incident_for_user``), then ``load`` the record it
    returns.

    Only the sections: with the school and every account joined too, PostgreSQL spent longer
    planning the query than running it (bench/README.md). The accounts come from ``load``, the
    decision's result from the record's own results, and the school from the access check. The
    lists' EXISTS flags cost an index probe each in this query and save ``load`` a round trip
    for each empty list (most records leave several empty).
    """
    return Incident.objects.select_related(*SECTIONS).annotate(**_presence())


def _empty(incident: Incident, name: str) -> None:
    """Mark the list ``name`` of ``incident`` as fetched and empty, as a prefetch finding no
    row leaves it: ``incident.<name>.all()`` then runs no query."""
    rows = cast(Any, getattr(incident, name).all())
    rows._result_cache = []
    rows._prefetch_done = True
    if not hasattr(incident, "_prefetched_objects_cache"):
        incident._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    cast(Any, incident)._prefetched_objects_cache[name] = rows


def _to_fetch(incident: Incident, lookups: tuple[str | Prefetch[Any], ...]) -> list[Any]:
    """The lookups whose list may hold rows; the lists known empty are marked so and skipped.
    An incident not read through ``incidents()`` (no flags) has every list fetched."""
    kept: list[Any] = []
    for lookup in lookups:
        path = lookup.prefetch_through if isinstance(lookup, Prefetch) else lookup
        top = path.split("__")[0]
        if getattr(incident, f"{_HAS}{top}", True) is False:
            if top == path:
                _empty(incident, top)
            continue
        kept.append(lookup)
    # A nested lookup (the transfers of the young people's files) after its list was skipped.
    for name in LISTS:
        if getattr(incident, f"{_HAS}{name}", True) is False:
            _empty(incident, name)
    return kept


def with_lists(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """Many records at once (the inspection pack): each list fetched once for all of them."""
    return queryset.select_related(*SECTIONS).prefetch_related(*_lists())


def load(incident: Incident, *, whole: bool = True) -> Incident:
    """Complete an incident read through ``incidents()``: its lists and the accounts it names.

    ``whole=False`` loads what the wizard's steps work on: the record's content without its
    signatures, addenda and the accounts that wrote each entry (three queries fewer).
    Authorise first: this checks nothing. At most a fixed number of queries (one per list that
    holds rows, by the flags of ``incidents()``), whatever the record holds.
    """
    prefetch_related_objects([incident], *_to_fetch(incident, _lists(whole)))
    if whole:
        _attach_people(incident)
    _attach_decision_result(incident)
    return incident


def load_reference(reference: str) -> Incident:
    """The whole record named by ``reference`` (command-line tools, which check no role)."""
    return load(incidents().select_related("school__trust").get(reference=reference))


def _named_people(incident: Incident) -> Iterator[tuple[Model, str]]:
    """(row, field) for every account a loaded record names."""
    yield incident, "reported_by"
    for name in SECTIONS:
        row = section(incident, name)
        if row is not None:
            yield row, "created_by"
            yield row, "updated_by"
    decision = section(incident, "decision")
    if decision is not None:
        yield decision, "headteacher_signoff_by"
    for name in AUTHORED_LISTS:
        for row in getattr(incident, name).all():
            yield row, "created_by"
            yield row, "updated_by"
    for result in incident.assessment_results.all():
        yield result, "confirmed_by"
    for signature in incident.signatures.all():
        yield signature, "signer"
    for addendum in incident.addenda.all():
        yield addendum, "author"


# Where a row keeps the name its writer had at the time, by the field naming the account.
_NAME_AT_THE_TIME = {
    "reported_by": "reported_by_name",
    "created_by": "created_by_name",
    "updated_by": "updated_by_name",
    "confirmed_by": "confirmed_by_name",
    "headteacher_signoff_by": "headteacher_signoff_name",
    "signer": "signer_name",
    "author": "author_name",
}


def as_at_the_time(user: User, name: str) -> User:
    """The account as the record names it: with the name its holder had when they wrote the
    entry, so renaming an account changes no record. An unsaved copy, never written back;
    ``display.person_name`` reads the name from it."""
    if not name or name == (user.get_full_name() or user.username):
        return user
    then = copy(user)
    then.first_name, then.last_name = name, ""
    return then


def _attach_people(incident: Incident) -> None:
    """Fetch every account the record names in one query and set each on its rows, named as
    the row says they were named when they wrote it (rows written before names were kept show
    the account's name now)."""
    pairs = list(_named_people(incident))
    ids = {getattr(row, f"{field}_id") for row, field in pairs} - {None}
    people = User.objects.in_bulk(ids)
    for row, field in pairs:
        pk = getattr(row, f"{field}_id")
        if pk is not None:
            name = getattr(row, _NAME_AT_THE_TIME.get(field, ""), "") or ""
            setattr(row, field, as_at_the_time(people[pk], name))


def _attach_decision_result(incident: Incident) -> None:
    """Set the decision's result from the record's own results, saving a join or a query."""
    decision = section(incident, "decision")
    if decision is not None:
        for result in incident.assessment_results.all():
            if result.pk == decision.assessment_id:
                decision.assessment = result


# What a loaded record shows ------------------------------------------------------------------


def section(incident: Incident, name: str) -> Any:
    """A one-to-one section of the record, or None when it is not written yet."""
    return getattr(incident, name, None)


def current_result(incident: Incident) -> AssessmentResult | None:
    """The latest rules' result, from the loaded results."""
    return max(incident.assessment_results.all(), key=_computed, default=None)


def _computed(result: AssessmentResult) -> tuple[datetime, int]:
    return result.computed_at, result.pk


def sent_back(incident: Incident) -> Signature | None:
    """The headteacher's sending back, while the record is back with the DSL: the latest
    signature, when it is a sending back. Read from the loaded signatures when there are any
    (the record page), else in one query (the check-answers page)."""
    if incident.status != Status.UNDER_REVIEW:
        return None
    cache = getattr(incident, "_prefetched_objects_cache", {})
    if "signatures" in cache:
        latest = max(cache["signatures"], key=lambda s: (s.signed_at, s.pk), default=None)
    else:
        latest = incident.signatures.order_by("-signed_at", "-pk").first()
    return latest if latest is not None and latest.kind == SignatureKind.SENT_BACK else None


def agencies_referred(incident: Incident) -> set[str]:
    """The agencies (``Agency`` values) the record shows a referral or report to."""
    return {referral.agency for referral in incident.referrals.all()}


def parent_contact_of(incident: Incident, person: YoungPerson) -> ParentContact | None:
    """The latest record of informing a young person's parents (or of the reason not to)."""
    contacts = [c for c in incident.parent_contacts.all() if c.young_person_id == person.pk]
    return max(contacts, key=lambda c: (c.created_at, c.pk), default=None)


def saved_steps(incident: Incident) -> set[str]:
    """The parts someone has saved at least once, from the audit log (asked once per record)."""
    cached: set[str] | None = getattr(incident, "_saved_steps", None)
    if cached is None:
        cached = set(
            AuditEvent.objects.filter(incident=incident, action=AuditAction.STEP_SAVED)
            .order_by()
            .values_list("data__step", flat=True)
            .distinct()
        )
        incident._saved_steps = cached  # type: ignore[attr-defined]
    return cached


def ages(incident: Incident) -> list[int]:
    """The young people's ages at the incident date, in the order they were recorded."""
    return [person.age_at(incident.incident_date) for person in incident.young_people.all()]


def first_saved_at(incident: Incident) -> datetime | None:
    """When someone first saved a part of the record (annotated by the pack's query)."""
    return getattr(incident, "first_saved_at", None)


def fact_rows(review: InitialReview | None) -> list[tuple[str, str]]:
    """(question, answer) for each fact of the initial review meeting, in the meeting's order."""
    if review is None:
        return []
    return [
        (
            str(cast("Field[Any, Any]", InitialReview._meta.get_field(name)).verbose_name),
            getattr(review, f"get_{name}_display")(),
        )
        for name in FACT_FIELDS
    ]


def risk_rows(risk: RiskAssessment | None) -> list[tuple[str, str, str]]:
    """(question, answer, note) for the ten questions of "Assessing the risks"."""
    if risk is None:
        return []
    questions = dict(RISK_QUESTIONS)
    return [
        (
            questions.get(name, name),
            risk_answer(name, getattr(risk, name)),
            getattr(risk, f"{name}_note"),
        )
        for name in RISK_FIELDS
    ]


def risk_answer(name: str, stored: str) -> str:
    """A risk assessment's answer in words: a choice question's yes / no / not known by its
    label; anything else, including an answer written before the question became a choice, as
    written."""
    if name in RISK_CHOICE_FIELDS and stored in AnswerChoice.values:
        return str(AnswerChoice(stored).label)
    return stored
