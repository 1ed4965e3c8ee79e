"""Writing the record: a concern reported, a part of the record saved, the result confirmed.

Each function is one transaction that checks its precondition (raising a ``ServiceError``),
changes the record, saves, and writes its audit event, in that order (pretix's
``approve_order``). Views and commands call these; nothing else writes a record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, Model
from django.http import HttpRequest
from django.utils import timezone
from guardian.shortcuts import assign_perm

from incidents import access, display, record, requirements
from incidents.audit import AuditAction, log_action
from incidents.emails import send_concern_alert
from incidents.models import (
    Action,
    ActionKind,
    AssessmentResult,
    Decision,
    DeletionRequest,
    Disclosure,
    ImageryViewing,
    Incident,
    School,
    Status,
    User,
    ViewingGround,
)
from incidents.services.errors import AwaitingApproval, RecordLocked, ServiceError, StaleVersion

# Rows that keep their incident's school beside it (set here, never by a form).
SCHOOL_KEPT = (Action, Decision, DeletionRequest)

# Staff who saw imagery unavoidably are offered support within a week.
STAFF_SUPPORT_DUE = timedelta(days=7)


def next_reference(school: School, year: int) -> tuple[int, str]:
    """The next sequence number and reference of a school's year, e.g. OAK-2026-0007.

    The caller holds a lock on the school row, so two reports cannot take the same number.
    """
    last = Incident.objects.filter(school=school, year=year).aggregate(m=Max("sequence"))["m"]
    sequence = (last or 0) + 1
    return sequence, f"{school.reference_prefix}-{year}-{sequence:04d}"


def open_incident(
    *,
    school: School,
    reported_by: User,
    incident_date: date,
    disclosed_at: datetime,
    request: HttpRequest | None = None,
) -> Incident:
    """Create an incident in the "reported" state with the next reference of its school."""
    with transaction.atomic():
        School.objects.select_for_update().filter(pk=school.pk).first()
        year = timezone.localdate().year
        sequence, reference = next_reference(school, year)
        incident = Incident.objects.create(
            school=school,
            reference=reference,
            year=year,
            sequence=sequence,
            incident_date=incident_date,
            disclosed_at=disclosed_at,
            reported_by=reported_by,
            reported_by_name=display.person_name(reported_by),
        )
        log_action(AuditAction.OPENED, request=request, user=reported_by, incident=incident)
    return incident


def report_concern(
    *,
    school: School,
    reporter: User,
    disclosure: Disclosure,
    incident_date: date,
    disclosed_at: datetime,
    request: HttpRequest | None = None,
) -> Incident:
    """A member of staff reports a concern: the incident and its disclosure, then the alert.

    ``disclosure`` is unsaved (the concern form's). The DSL team hears of it only once the
    record is safely stored.
    """
    with transaction.atomic():
        incident = open_incident(
            school=school,
            reported_by=reporter,
            incident_date=incident_date,
            disclosed_at=disclosed_at,
            request=request,
        )
        disclosure.incident = incident
        _stamp(disclosure, reporter)
        disclosure.save()
        log_action(AuditAction.CONCERN_REPORTED, request=request, user=reporter, incident=incident)
        transaction.on_commit(lambda: send_concern_alert(incident, request=request))
    return incident


# Saving a part of the record -------------------------------------------------------------------


@dataclass
class StepChanges:
    """What saving one part of the record writes: built by the wizard's step from its forms.

    ``saves`` are new or changed rows of the record (unsaved), in the order to write them;
    ``deletes`` rows the user removed; ``fields`` the names of what changed, for the audit event
    (never the values); ``incident`` fields of the incident row itself.
    """

    saves: list[Model] = field(default_factory=list)
    deletes: list[Model] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    incident: dict[str, Any] = field(default_factory=dict)

    def __add__(self, other: StepChanges) -> StepChanges:
        return StepChanges(
            saves=self.saves + other.saves,
            deletes=self.deletes + other.deletes,
            fields=self.fields + other.fields,
            incident=self.incident | other.incident,
        )


def _ensure_editable(incident: Incident) -> None:
    """The service refuses a change to a signed or locked record before the database does."""
    if incident.is_locked:
        raise RecordLocked(incident)
    if incident.status == Status.AWAITING_APPROVAL:
        raise AwaitingApproval(incident)


def _claim_version(incident: Incident, expected_version: int) -> None:
    """Claim the next version of the record, or raise ``StaleVersion``.

    The conditional UPDATE is atomic, so of two colleagues saving from the same version exactly
    one succeeds; the other is shown what was saved (optimistic locking).
    """
    updated = Incident.objects.filter(pk=incident.pk, version=expected_version).update(
        version=expected_version + 1, updated_at=timezone.now()
    )
    if not updated:
        incident.refresh_from_db(fields=["version"])
        raise StaleVersion(incident, expected_version)
    incident.version = expected_version + 1


def _start_review(incident: Incident, user: User, request: HttpRequest | None) -> None:
    """A reported concern comes under review when the DSL first saves a part of it.

    A deputy DSL who starts it takes it up: it is granted to them, as a DSL would grant it, so
    they keep it once it is no longer a new concern (and after a cover ends). Every other
    deputy then needs the DSL's grant, or cover, to open it.
    """
    if incident.status != Status.REPORTED:
        return
    Incident.objects.filter(pk=incident.pk, status=Status.REPORTED).update(
        status=Status.UNDER_REVIEW
    )
    incident.status = Status.UNDER_REVIEW
    log_action(AuditAction.REVIEW_STARTED, request=request, user=user, incident=incident)
    if access.keeps_by_grant(access.roles_in(user, incident.school)) and not access.has_grant(
        user, incident
    ):
        assign_perm(access.GRANT_CODENAME, user, incident)
        log_action(
            AuditAction.CONCERN_TAKEN_UP,
            request=request,
            user=user,
            incident=incident,
            data={"grantee_id": user.pk},
        )


def _record_assessment(incident: Incident) -> AssessmentResult:
    """Run the rules over the record as saved; store a new result only when it differs.

    A stored result is never edited, so a decision keeps pointing at what it was made on.
    """
    record = Incident.objects.select_related("school", "initial_review", "risk_assessment").get(
        pk=incident.pk
    )
    result = requirements.assess_record(record)
    facts = requirements.facts_as_json(requirements.facts_for(record))
    latest = AssessmentResult.objects.filter(incident=incident).order_by("-computed_at", "-pk")
    previous = latest.first()
    if (
        previous is not None
        and previous.facts == facts
        and previous.policy == result.policy
        and previous.policy_version == result.policy_version
    ):
        return previous
    return AssessmentResult.objects.create(
        incident=incident,
        computed_at=timezone.now(),
        policy=result.policy,
        policy_version=result.policy_version,
        facts=facts,
        category=result.category,
        subtype=result.subtype,
        mash_referral=result.mash_referral,
        mash_criteria=list(result.mash_criteria),
        police=result.police,
        social_care_contact=result.social_care_contact,
        seek_advice=result.seek_advice,
        reasons=list(result.reasons),
    )


def _stamp(row: Model, user: User) -> None:
    """Attribute a record entry to whoever wrote it: every item is timestamped and attributed,
    with the writer's name as it is now (renaming the account later changes no record)."""
    name = display.person_name(user)
    if row.pk is None:
        row.created_by = user  # type: ignore[attr-defined]
        row.created_by_name = name  # type: ignore[attr-defined]
    row.updated_by = user  # type: ignore[attr-defined]
    row.updated_by_name = name  # type: ignore[attr-defined]


def _add_staff_support(incident: Incident, user: User) -> None:
    """Each member of staff who saw imagery unavoidably is offered support, once (Wolverhampton,
    Viewing the imagery: "DSLs should ensure that the staff member is provided with appropriate
    support")."""
    offered = Action.objects.filter(incident=incident, kind=ActionKind.STAFF_SUPPORT)
    described = {action.description for action in offered}
    for viewing in ImageryViewing.objects.filter(
        incident=incident, ground=ViewingGround.UNAVOIDABLE
    ):
        description = staff_support_description(viewing)
        if description in described:
            continue
        Action.objects.create(
            incident=incident,
            school_id=incident.school_id,
            kind=ActionKind.STAFF_SUPPORT,
            description=description,
            owner=display.person_name(user),
            due_date=timezone.localdate() + STAFF_SUPPORT_DUE,
            created_by=user,
            updated_by=user,
            created_by_name=display.person_name(user),
            updated_by_name=display.person_name(user),
        )
        described.add(description)


def staff_support_description(viewing: ImageryViewing) -> str:
    return (
        f"Offer support to {viewing.viewed_by}, who saw the imagery unavoidably "
        "(Wolverhampton, Viewing the imagery)."
    )


def _refresh_signoff(incident: Incident) -> None:
    """Keep the decision's ``signoff_required`` what ``requirements.of`` says of the record as
    saved (the facts under a decision can change on another step)."""
    decision = Decision.objects.filter(incident=incident).first()
    if decision is None:
        return
    loaded = record.load(record.incidents().get(pk=incident.pk), whole=False)
    needed = requirements.of(loaded).signoff_needed
    if decision.signoff_required != needed:
        decision.signoff_required = needed
        decision.save(update_fields=["signoff_required", "updated_at"])


def save_step(
    *,
    incident: Incident,
    user: User,
    step: str,
    expected_version: int,
    changes: StepChanges,
    updates_facts: bool = False,
    request: HttpRequest | None = None,
) -> list[str]:
    """Save one part of the record (a wizard step) as one new version of it.

    Refused when the record is signed or locked, or when a colleague saved it since the form
    was opened (``StaleVersion``). Removing an item that another still points at raises
    Django's ``ProtectedError``, and nothing is saved. When the part holds facts the rules
    work on, the rules run again over the record as saved.
    """
    with transaction.atomic():
        _ensure_editable(incident)
        _claim_version(incident, expected_version)
        if changes.incident:
            for name, value in changes.incident.items():
                setattr(incident, name, value)
            incident.save(update_fields=[*changes.incident, "updated_at"])
        for row in changes.saves:
            row.incident = incident  # type: ignore[attr-defined]
            if isinstance(row, SCHOOL_KEPT):
                # The dashboard and the queues filter these rows on their own school column.
                row.school_id = incident.school_id
            _stamp(row, user)
            row.save()
        for row in changes.deletes:
            row.delete()
        if any(isinstance(row, ImageryViewing) for row in changes.saves):
            _add_staff_support(incident, user)
        _start_review(incident, user, request)
        if updates_facts:
            _record_assessment(incident)
            _refresh_signoff(incident)
        log_action(
            AuditAction.STEP_SAVED,
            request=request,
            user=user,
            incident=incident,
            data={"step": step, "fields": sorted(set(changes.fields))},
        )
    return sorted(set(changes.fields))


def confirm_assessment(
    *,
    incident: Incident,
    user: User,
    expected_version: int,
    overridden: bool,
    category: str = "",
    subtype: str = "",
    reason: str = "",
    request: HttpRequest | None = None,
) -> list[str]:
    """The DSL confirms the rules' result, or overrides its category with a written reason.

    The result confirmed is the one the rules give for the record as saved: if none is stored
    yet (a record whose facts were written before the rules ran), it is recorded first.
    """
    if overridden and not reason.strip():
        raise ServiceError("Write your reasons for overriding the rules' result.")
    with transaction.atomic():
        _ensure_editable(incident)
        _claim_version(incident, expected_version)
        result = _record_assessment(incident)
        result.confirmed_by = user
        result.confirmed_by_name = display.person_name(user)
        result.confirmed_at = timezone.now()
        result.overridden = overridden
        result.override_category = category if overridden else ""
        result.override_subtype = subtype if overridden else ""
        result.override_reason = reason.strip() if overridden else ""
        result.save(
            update_fields=[
                "confirmed_by",
                "confirmed_by_name",
                "confirmed_at",
                "overridden",
                "override_category",
                "override_subtype",
                "override_reason",
            ]
        )
        _start_review(incident, user, request)
        fields = ["confirmed", *(["overridden"] if overridden else [])]
        log_action(
            AuditAction.STEP_SAVED,
            request=request,
            user=user,
            incident=incident,
            data={"step": "assessment", "fields": fields},
        )
    return fields
