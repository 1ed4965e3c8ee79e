"""Signing, approval, sending back, the non-referral sign-off and addenda (SPEC §8, §10).

One service function per transition (STYLE habit 2): re-check who is acting (password and
second factor again), then in one transaction re-read the incident under a row lock, check the
precondition (raise a ``ServiceError``), change, save, write the signature and log.

The canonical content
---------------------
A signature stores a SHA-256 digest of the record's *canonical content*: UTF-8 bytes of one
JSON object, keys sorted at every level, no whitespace (``separators=(",", ":")``),
non-ASCII characters as themselves (``ensure_ascii=False``)::

    {"format": "safeguarding-record/1",
     "incident": {...},                    # the incident row, without workflow fields
     "disclosure": {...} | null,           # each one-to-one section, or null
     "initial_review": ..., "risk_assessment": ..., "decision": ..., "review": ...,
     "young_people": [...], "adults": [...], "assessment_results": [...],
     "viewings": [...], "device_searches": [...], "referrals": [...],
     "parent_contacts": [...], "deletions": [...], "actions": [...],   # lists, by id
     "addenda": [{"author_id", "created_at", "text"}, ...]}            # by time, then text

Every row is every concrete column under its column name (``created_by_id``, not the user's
name); ids are integers; datetimes are UTC in ISO 8601 (``2026-10-02T08:30:00+00:00``);
dates ISO 8601; JSON columns as stored. The incident leaves out ``status``, ``version`` and
``updated_at``: they record where the record is in its workflow, which signing itself changes,
not what it says. Signatures are not content: they attest it. An addendum is content once
added (its signature's digest covers the record with the addendum); its id and signature are
left out so the digest can be computed before its rows are written.

The record is intact when the digest of its current content equals the digest of its latest
signature (``verify``).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import transaction
from django.utils import timezone
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents import access
from incidents.audit import log_action
from incidents.models import (
    Action,
    Addendum,
    Adult,
    AssessmentResult,
    Decision,
    DecisionOutcome,
    DeletionRequest,
    DeviceSearch,
    Disclosure,
    ImageryViewing,
    Incident,
    InitialReview,
    ParentContact,
    Referral,
    Review,
    RiskAssessment,
    Role,
    Signature,
    SignatureKind,
    Status,
    YoungPerson,
)
from incidents.services import ServiceError

FORMAT = "safeguarding-record/1"

# The stages a record can be signed from: being written, or sent back.
SIGNABLE = (Status.REPORTED, Status.UNDER_REVIEW)

# The incident's workflow fields: changed by signing, so not part of what is signed.
_WORKFLOW_FIELDS = {"status", "version", "updated_at"}

_ONE_TO_ONE = {
    "disclosure": Disclosure,
    "initial_review": InitialReview,
    "risk_assessment": RiskAssessment,
    "decision": Decision,
    "review": Review,
}
_LISTS = {
    "young_people": YoungPerson,
    "adults": Adult,
    "assessment_results": AssessmentResult,
    "viewings": ImageryViewing,
    "device_searches": DeviceSearch,
    "referrals": Referral,
    "parent_contacts": ParentContact,
    "deletions": DeletionRequest,
    "actions": Action,
}

# What each signature declares, in words (SPEC §10). Shown on the form and stored with it.
MEANINGS = {
    SignatureKind.SIGNED: (
        "I confirm this record is complete and accurate to the best of my knowledge, and that "
        "the decisions recorded were made as stated."
    ),
    SignatureKind.APPROVED: (
        "I have read this record. I approve it as complete, and the decisions recorded in it "
        "as made in line with the school's safeguarding policy. Once approved it is locked: "
        "later facts can only be added as signed addenda."
    ),
    SignatureKind.SENT_BACK: (
        "I have not approved this record. I have sent it back to the Designated Safeguarding "
        "Lead for the reason given."
    ),
    SignatureKind.NON_REFERRAL_SIGNOFF: (
        "I agree with the decision not to refer this incident to the police or children's "
        "social care, for the written reasons recorded in the decision."
    ),
    SignatureKind.ADDENDUM: (
        "I confirm this addendum is accurate to the best of my knowledge. It adds to the "
        "approved record and changes nothing in it."
    ),
}


# Errors ------------------------------------------------------------------------------------


class NotAllowed(ServiceError):
    """The person's role does not let them make this transition."""


class WrongCredentials(ServiceError):
    def __init__(self):
        super().__init__(
            "Your password or the code from your authenticator app was not right. Nothing "
            "has been signed. Enter your password and the code your app shows now."
        )


class NoAuthenticator(ServiceError):
    def __init__(self):
        super().__init__("Set up your authenticator app before signing.")


class WrongStatus(ServiceError):
    """The record is not at the stage this transition starts from."""


class RecordIncomplete(ServiceError):
    def __init__(self, items):
        self.items = items
        super().__init__(
            f"The record cannot be signed yet: {len(items)} item(s) are missing. "
            "Complete them first (they are listed on this page)."
        )


class SamePerson(ServiceError):
    def __init__(self):
        super().__init__(
            "You signed this record, so another headteacher must approve it: the approver "
            "must be a different person from the signer."
        )


class ChangedSinceSigned(ServiceError):
    def __init__(self, reference):
        super().__init__(
            f"{reference} has changed since it was last signed, so its signature no longer "
            "covers what it says. Send it back for the DSL to check and sign again."
        )


class NonReferralSignOffNeeded(ServiceError):
    def __init__(self):
        super().__init__(
            "The decision is not to refer, so your sign-off of that decision is needed too: "
            "tick the sign-off box to give it with your approval."
        )


# The canonical content ---------------------------------------------------------------------


def _value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(row: dict) -> dict:
    return {key: _value(value) for key, value in row.items()}


def _rows(model, incident, order=("pk",)) -> list[dict]:
    return [_row(r) for r in model.objects.filter(incident=incident).order_by(*order).values()]


def _addendum_entry(author_id: int, created_at: datetime, text: str) -> dict:
    return {"author_id": author_id, "created_at": _value(created_at), "text": text}


def content(incident: Incident, extra_addendum: dict | None = None) -> dict:
    """The record's content as plain data (the structure the module docstring describes)."""
    head = Incident.objects.filter(pk=incident.pk).values().get()
    data = {
        "format": FORMAT,
        "incident": _row({k: v for k, v in head.items() if k not in _WORKFLOW_FIELDS}),
    }
    for name, model in _ONE_TO_ONE.items():
        rows = _rows(model, incident)
        data[name] = rows[0] if rows else None
    for name, model in _LISTS.items():
        data[name] = _rows(model, incident)
    addenda = [
        _addendum_entry(a["author_id"], a["created_at"], a["text"])
        for a in Addendum.objects.filter(incident=incident).values(
            "author_id", "created_at", "text"
        )
    ]
    if extra_addendum is not None:
        addenda.append(extra_addendum)
    data["addenda"] = sorted(addenda, key=lambda a: (a["created_at"], a["text"]))
    return data


def serialise(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_content(incident: Incident) -> bytes:
    """The bytes a signature's digest is taken over (format in the module docstring)."""
    return serialise(content(incident))


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_digest(incident: Incident) -> str:
    """SHA-256 (hex) of the record's canonical content."""
    return digest_of(canonical_content(incident))


def latest_signature(incident: Incident) -> Signature | None:
    return incident.signatures.order_by("-signed_at", "-pk").first()


@dataclass(frozen=True)
class Verification:
    intact: bool | None  # None: nothing has been signed yet
    digest: str
    signature: Signature | None
    being_written: bool = False  # sent back (or never signed): changes are expected

    @property
    def message(self) -> str:
        if self.signature is None:
            return "This record has not been signed yet, so there is nothing to verify."
        if self.intact:
            return (
                "Intact: the record's content matches the digest of its latest signature "
                f"({self.signature.get_kind_display().lower()})."
            )
        if self.being_written:
            return (
                "Changed since its latest signature "
                f"({self.signature.get_kind_display().lower()}): the record is being written "
                "again and must be signed again."
            )
        return (
            "NOT intact: the record's content no longer matches the digest of its latest "
            "signature. It has been changed since it was signed."
        )


def verify(incident: Incident) -> Verification:
    """Recompute the digest and compare it with the latest signature's (SPEC §10)."""
    signature = latest_signature(incident)
    digest = record_digest(incident)
    intact = None if signature is None else signature.digest == digest
    return Verification(
        intact=intact,
        digest=digest,
        signature=signature,
        being_written=incident.status in SIGNABLE,
    )


def verify_and_log(incident: Incident, *, request=None, user=None) -> Verification:
    result = verify(incident)
    log_action(
        "record.verified",
        request=request,
        user=user,
        incident=incident,
        data={"intact": result.intact, "signature_id": getattr(result.signature, "pk", None)},
    )
    return result


# Who is acting -----------------------------------------------------------------------------


def _refuse(transition: str, reason: str, incident, user, request, error: ServiceError):
    """Refusals for identity or role are logged (outside the refused transaction), then raised."""
    log_action(
        "record.signing_refused",
        request=request,
        user=user,
        incident=incident,
        data={"transition": transition, "reason": reason},
    )
    raise error


def reauthenticate(user, password: str, otp_token: str, *, transition, incident, request) -> None:
    """The password and a fresh code again (SPEC §10), before anything is signed.

    The code is checked first: django-otp throttles wrong codes and refuses a code used
    before, so a stolen session cannot be used to guess the password.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        _refuse(transition, "no_authenticator", incident, user, request, NoAuthenticator())
    if verify_token(user, device.persistent_id, (otp_token or "").strip()) is None:
        _refuse(transition, "credentials", incident, user, request, WrongCredentials())
    if not user.check_password(password or ""):
        _refuse(transition, "credentials", incident, user, request, WrongCredentials())


def _roles(user, incident) -> tuple[frozenset, bool]:
    roles = access.roles_in(user, incident.school)
    deputy_only = Role.DEPUTY_DSL in roles and not roles & {Role.DSL, Role.HEADTEACHER}
    return roles, deputy_only and access.has_grant(user, incident)


def _require(need, transition, incident, user, request) -> frozenset:
    roles, granted = _roles(user, incident)
    if not access.allowed(roles, need, granted):
        _refuse(
            transition,
            "role",
            incident,
            user,
            request,
            NotAllowed("Your role does not allow this on this record."),
        )
    return roles


def _locked(incident: Incident) -> Incident:
    """The incident re-read under a row lock: two people cannot both move it on."""
    return Incident.objects.select_for_update().select_related("school").get(pk=incident.pk)


def _sign(incident, user, kind, role, *, digest=None, reason="") -> Signature:
    return Signature.objects.create(
        incident=incident,
        kind=kind,
        signer=user,
        signer_name=user.get_full_name() or user.username,
        role=role,
        signed_at=timezone.now(),
        meaning=MEANINGS[kind],
        digest=digest or record_digest(incident),
        reason=reason,
    )


def _set_status(incident: Incident, status: str) -> None:
    incident.status = status
    incident.save(update_fields=["status", "updated_at"])


def _require_intact(incident: Incident) -> None:
    signature = latest_signature(incident)
    if signature is not None and signature.digest != record_digest(incident):
        raise ChangedSinceSigned(incident.reference)


def needs_non_referral_signoff(incident: Incident) -> bool:
    decision = Decision.objects.filter(incident=incident).first()
    return (
        decision is not None
        and decision.outcome == DecisionOutcome.HANDLED_IN_SCHOOL
        and decision.headteacher_signoff_by_id is None
    )


# The transitions ---------------------------------------------------------------------------


def sign_record(incident, user, password, otp_token, request=None) -> Signature:
    """The DSL (or a deputy granted this incident) signs a complete record (SPEC §10)."""
    from incidents.completeness import missing_items

    _require(access.Need.EDIT, "sign", incident, user, request)
    reauthenticate(user, password, otp_token, transition="sign", incident=incident, request=request)
    with transaction.atomic():
        incident = _locked(incident)
        roles, _granted = _roles(user, incident)
        if incident.status not in SIGNABLE:
            raise WrongStatus(
                f"{incident.reference} is {incident.get_status_display().lower()}: "
                "only a record being written can be signed."
            )
        missing = missing_items(incident)
        if missing:
            raise RecordIncomplete(missing)
        role = Role.DSL if Role.DSL in roles else Role.DEPUTY_DSL
        signature = _sign(incident, user, SignatureKind.SIGNED, role)
        _set_status(incident, Status.AWAITING_APPROVAL)
        log_action(
            "record.signed",
            request=request,
            user=user,
            incident=incident,
            data={"signature_id": signature.pk, "digest": signature.digest},
        )
    return signature


def _sign_off_decision(incident, user, request) -> Signature:
    decision = Decision.objects.select_for_update().get(incident=incident)
    decision.headteacher_signoff_by = user
    decision.headteacher_signoff_at = timezone.now()
    decision.save(update_fields=["headteacher_signoff_by", "headteacher_signoff_at"])
    signature = _sign(incident, user, SignatureKind.NON_REFERRAL_SIGNOFF, Role.HEADTEACHER)
    log_action(
        "record.non_referral_signed_off",
        request=request,
        user=user,
        incident=incident,
        data={"signature_id": signature.pk, "decision_id": decision.pk},
    )
    return signature


def sign_off_non_referral(incident, headteacher, password, otp_token, request=None) -> Signature:
    """The headteacher signs off a decision not to refer (SPEC §8), before or with approval.

    It may come before the DSL signs, or while the record awaits approval; ``approve_record``
    can also give it in the same act, so a record is never closed without it.
    """
    user = headteacher
    _require(access.Need.APPROVE, "non_referral_signoff", incident, user, request)
    reauthenticate(
        user,
        password,
        otp_token,
        transition="non_referral_signoff",
        incident=incident,
        request=request,
    )
    with transaction.atomic():
        incident = _locked(incident)
        if incident.is_locked:
            raise WrongStatus(f"{incident.reference} is already approved and locked.")
        if not needs_non_referral_signoff(incident):
            raise WrongStatus(
                "There is no decision not to refer waiting for the headteacher's sign-off."
            )
        if incident.status == Status.AWAITING_APPROVAL:
            _require_intact(incident)
        return _sign_off_decision(incident, user, request)


def approve_record(
    incident, user, password, otp_token, request=None, *, sign_off_non_referral=False
) -> Signature:
    """The headteacher approves a signed record, which locks it (SPEC §10).

    The approver is not the signer. If the decision is not to refer and the headteacher has
    not signed it off yet, ``sign_off_non_referral=True`` gives that sign-off in the same act
    (first, so the approval's digest covers it); without it approval is refused (SPEC §8).
    """
    _require(access.Need.APPROVE, "approve", incident, user, request)
    reauthenticate(
        user, password, otp_token, transition="approve", incident=incident, request=request
    )
    with transaction.atomic():
        incident = _locked(incident)
        if incident.status != Status.AWAITING_APPROVAL:
            raise WrongStatus(
                f"{incident.reference} is {incident.get_status_display().lower()}: only a "
                "signed record awaiting approval can be approved."
            )
        signed = incident.signatures.filter(kind=SignatureKind.SIGNED).order_by("-signed_at", "-pk")
        signed = signed.first()
        if signed is None:
            raise WrongStatus(f"{incident.reference} has not been signed by the DSL.")
        if signed.signer_id == user.pk:
            raise SamePerson()
        _require_intact(incident)
        if needs_non_referral_signoff(incident):
            if not sign_off_non_referral:
                raise NonReferralSignOffNeeded()
            _sign_off_decision(incident, user, request)
        signature = _sign(incident, user, SignatureKind.APPROVED, Role.HEADTEACHER)
        # The last write to the incident: from here the database refuses any change to it.
        _set_status(incident, Status.APPROVED)
        log_action(
            "record.approved",
            request=request,
            user=user,
            incident=incident,
            data={"signature_id": signature.pk, "digest": signature.digest},
        )
    return signature


def send_back(incident, user, reason, request=None) -> Signature:
    """The headteacher returns a signed record to the DSL with a reason (SPEC §10)."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Say why the record is being sent back.")
    _require(access.Need.APPROVE, "send_back", incident, user, request)
    with transaction.atomic():
        incident = _locked(incident)
        if incident.status != Status.AWAITING_APPROVAL:
            raise WrongStatus(
                f"{incident.reference} is {incident.get_status_display().lower()}: only a "
                "record awaiting approval can be sent back."
            )
        signature = _sign(incident, user, SignatureKind.SENT_BACK, Role.HEADTEACHER, reason=reason)
        _set_status(incident, Status.UNDER_REVIEW)
        log_action(
            "record.sent_back",
            request=request,
            user=user,
            incident=incident,
            data={"signature_id": signature.pk},
        )
    return signature


def add_addendum(incident, user, text, password, otp_token, request=None) -> Addendum:
    """A later fact on an approved record, signed by its author (SPEC §10).

    Nothing of the record changes: the addendum and its signature are new rows, which the
    database allows on a locked record; the signature's digest covers the record with it.
    """
    text = (text or "").strip()
    if not text:
        raise ServiceError("Write the addendum before signing it.")
    _require(access.Need.EDIT, "addendum", incident, user, request)
    reauthenticate(
        user, password, otp_token, transition="addendum", incident=incident, request=request
    )
    with transaction.atomic():
        incident = _locked(incident)
        if not incident.is_locked:
            raise WrongStatus(
                f"{incident.reference} is not approved yet: change the record itself instead."
            )
        roles, _granted = _roles(user, incident)
        now = timezone.now()
        data = content(incident, extra_addendum=_addendum_entry(user.pk, now, text))
        role = Role.DSL if Role.DSL in roles else Role.DEPUTY_DSL
        signature = _sign(
            incident, user, SignatureKind.ADDENDUM, role, digest=digest_of(serialise(data))
        )
        addendum = Addendum.objects.create(
            incident=incident, text=text, author=user, created_at=now, signature=signature
        )
        log_action(
            "record.addendum_added",
            request=request,
            user=user,
            incident=incident,
            data={"addendum_id": addendum.pk, "signature_id": signature.pk},
        )
    return addendum
