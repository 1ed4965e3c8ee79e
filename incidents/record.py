"""Loading one whole record in a fixed number of queries (SPEC §3, §12).

The record page, the check-answers page, the chronology and the inspection export all show the
whole record. They load it here, so the page's query count does not grow with the number of
people, viewings, referrals or actions it holds: every one-to-one section is joined, every
list is prefetched once, and each entry's author comes with it.
"""

from django.db.models import Prefetch, prefetch_related_objects

from incidents.models import (
    FACT_FIELDS,
    RISK_FIELDS,
    Addendum,
    AssessmentResult,
    DeletionRequest,
    DeviceSearch,
    Incident,
    InitialReview,
    ParentContact,
    RiskAssessment,
    User,
)
from incidents.rules import RISK_QUESTIONS

# The one-to-one sections of the record.
_SECTIONS = ("disclosure", "initial_review", "risk_assessment", "decision", "review")
# The lists of entries that say who wrote them (RecordEntry: created_by, updated_by).
_AUTHORED_LISTS = (
    "young_people",
    "adults",
    "viewings",
    "device_searches",
    "referrals",
    "parent_contacts",
    "deletions",
    "actions",
)


def _prefetches():
    return (
        "young_people",
        "adults",
        Prefetch(
            "assessment_results", queryset=AssessmentResult.objects.order_by("computed_at", "pk")
        ),
        "viewings",
        Prefetch("device_searches", queryset=DeviceSearch.objects.select_related("young_person")),
        "referrals",
        Prefetch("parent_contacts", queryset=ParentContact.objects.select_related("young_person")),
        Prefetch("deletions", queryset=DeletionRequest.objects.select_related("young_person")),
        "actions",
        "signatures",
        Prefetch("addenda", queryset=Addendum.objects.select_related("signature")),
    )


def record_joined():
    """Incidents with the record's one-to-one sections joined: hand it to the access check
    (``get_incident_for_user(..., queryset=record_joined())``), then ``complete_record``, so
    the incident is read once and its lists only after access is allowed.

    Only the sections: with the school and every account joined too, PostgreSQL spent longer
    planning the query than running it (2.5 ms against 0.2 ms, bench/README.md). The
    accounts come from ``attach_people``, the decision's result from the prefetched results,
    and the school from the access check (or when first asked for).
    """
    return Incident.objects.select_related(*_SECTIONS)


def record_queryset():
    """Incidents with every section of the record attached; ``load_record`` uses it.

    The accounts the record names (who wrote, confirmed, signed off or signed each entry) are
    not joined here: ``attach_people`` fetches them once for the whole record (``load_record``
    and ``complete_record`` do).
    """
    return record_joined().prefetch_related(*_prefetches())


def _named_people(incident: Incident):
    """(row, field) for every account a loaded record names."""
    yield incident, "reported_by"
    for name in _SECTIONS:
        row = section(incident, name)
        if row is not None:
            yield row, "created_by"
            yield row, "updated_by"
    decision = section(incident, "decision")
    if decision is not None:
        yield decision, "headteacher_signoff_by"
    for name in _AUTHORED_LISTS:
        for row in getattr(incident, name).all():
            yield row, "created_by"
            yield row, "updated_by"
    for row in incident.assessment_results.all():
        yield row, "confirmed_by"
    for row in incident.signatures.all():
        yield row, "signer"
    for row in incident.addenda.all():
        yield row, "author"


def attach_people(incident: Incident) -> Incident:
    """Fetch every account the record names in one query and set each on its rows."""
    pairs = list(_named_people(incident))
    ids = {getattr(row, f"{field}_id") for row, field in pairs} - {None}
    people = User.objects.in_bulk(ids)
    for row, field in pairs:
        pk = getattr(row, f"{field}_id")
        if pk is not None:
            setattr(row, field, people[pk])
    return incident


def attach_decision_result(incident: Incident) -> Incident:
    """Set the decision's result from the record's own results, saving a join or a query."""
    decision = section(incident, "decision")
    if decision is not None:
        for result in incident.assessment_results.all():
            if result.pk == decision.assessment_id:
                decision.assessment = result
    return incident


def complete_record(incident: Incident) -> Incident:
    """Attach the record's lists and named accounts to an incident read by ``record_joined``."""
    prefetch_related_objects([incident], *_prefetches())
    return attach_decision_result(attach_people(incident))


def load_record(reference_or_incident) -> Incident:
    """The incident with everything prefetched, by reference or from an authorised instance.

    Authorise first (``access.get_incident_for_user``), then load: this function checks nothing.
    The roles found by the access check (``viewer_roles``) are carried over.
    """
    if isinstance(reference_or_incident, Incident):
        found = reference_or_incident
        incident = complete_record(record_joined().get(pk=found.pk))
        if Incident.school.is_cached(found):
            incident.school = found.school
        if hasattr(found, "viewer_roles"):
            incident.viewer_roles = found.viewer_roles
        return incident
    return complete_record(record_joined().get(reference=reference_or_incident))


def section(incident: Incident, name: str):
    """A one-to-one section of the record, or None when it is not written yet."""
    return getattr(incident, name, None)


def current_result(incident: Incident) -> AssessmentResult | None:
    """The latest rules' result, from the prefetched rows (oldest first)."""
    results = list(incident.assessment_results.all())
    return results[-1] if results else None


def fact_rows(review: InitialReview | None) -> list[tuple[str, str]]:
    """(question, answer) for each fact of the initial review meeting, in the meeting's order."""
    if review is None:
        return []
    return [
        (
            InitialReview._meta.get_field(name).verbose_name,
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
        (questions.get(name, name), getattr(risk, name), getattr(risk, f"{name}_note"))
        for name in RISK_FIELDS
    ]
