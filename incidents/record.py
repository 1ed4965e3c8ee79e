"""Loading one whole record in a fixed number of queries (SPEC §3, §12).

The record page, the check-answers page, the chronology and the inspection export all show the
whole record. They load it here, so the page's query count does not grow with the number of
people, viewings, referrals or actions it holds: every one-to-one section is joined, every
list is prefetched once, and each entry's author comes with it.
"""

from django.db.models import Prefetch

from incidents.models import (
    FACT_FIELDS,
    RISK_FIELDS,
    Action,
    Addendum,
    Adult,
    AssessmentResult,
    DeletionRequest,
    DeviceSearch,
    ImageryViewing,
    Incident,
    InitialReview,
    ParentContact,
    Referral,
    RiskAssessment,
    Signature,
    YoungPerson,
)
from incidents.rules import RISK_QUESTIONS

# The one-to-one sections of the record, each with the user who wrote it.
_SECTIONS = ("disclosure", "initial_review", "risk_assessment", "decision", "review")


def _authored(model, *joins):
    return model.objects.select_related("created_by", "updated_by", *joins)


def record_queryset():
    """Incidents with every section of the record attached; ``load_record`` uses it."""
    joins = ["school", "school__trust", "reported_by"]
    for section in _SECTIONS:
        joins += [section, f"{section}__created_by", f"{section}__updated_by"]
    joins += ["decision__assessment", "decision__headteacher_signoff_by"]
    return Incident.objects.select_related(*joins).prefetch_related(
        Prefetch("young_people", queryset=_authored(YoungPerson)),
        Prefetch("adults", queryset=_authored(Adult)),
        Prefetch(
            "assessment_results",
            queryset=AssessmentResult.objects.select_related("confirmed_by").order_by(
                "computed_at", "pk"
            ),
        ),
        Prefetch("viewings", queryset=_authored(ImageryViewing)),
        Prefetch("device_searches", queryset=_authored(DeviceSearch, "young_person")),
        Prefetch("referrals", queryset=_authored(Referral)),
        Prefetch("parent_contacts", queryset=_authored(ParentContact, "young_person")),
        Prefetch("deletions", queryset=_authored(DeletionRequest, "young_person")),
        Prefetch("actions", queryset=_authored(Action)),
        Prefetch("signatures", queryset=Signature.objects.select_related("signer")),
        Prefetch("addenda", queryset=Addendum.objects.select_related("author", "signature")),
    )


def load_record(reference_or_incident) -> Incident:
    """The incident with everything prefetched, by reference or from an authorised instance.

    Authorise first (``access.get_incident_for_user``), then load: this function checks nothing.
    The roles found by the access check (``viewer_roles``) are carried over.
    """
    if isinstance(reference_or_incident, Incident):
        found = reference_or_incident
        incident = record_queryset().get(pk=found.pk)
        if hasattr(found, "viewer_roles"):
            incident.viewer_roles = found.viewer_roles
        return incident
    return record_queryset().get(reference=reference_or_incident)


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
