"""Signing, approval, sending back, the non-referral sign-off and addenda.

One service function per transition: re-check who is acting (their role, then the password and
the second factor again), then in one transaction re-read the incident under a row lock, check
the precondition (raise a ``ServiceError``), change, save, write the signature and log. What a
signature covers is ``incidents.digest``'s canonical content; what a record must hold before it
is signed is ``incidents.requirements.missing_items``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents import access, display, keys, record, requirements
from incidents.audit import AuditAction, log_action
from incidents.digest import (
    FORMAT,
    SIGNABLE,
    Verification,
    addendum_entry,
    content,
    digest_of,
    record_digest,
    serialise,
    verify,
)
from incidents.models import (
    Addendum,
    Decision,
    Incident,
    Role,
    Signature,
    SignatureKind,
    Status,
    User,
)
from incidents.services.errors import (
    ChangedSinceSigned,
    NoAuthenticator,
    NonReferralSignOffNeeded,
    NotAllowed,
    OwnDecision,
    RecordIncomplete,
    SamePerson,
    ServiceError,
    WrongCredentials,
    WrongStatus,
)

# What each signature declares, in words. Shown on the form and stored with it.
# The same addendum by the same person on the same record within this long is one submission
# sent twice (a double click, a resent form): it is stored once.
ADDENDUM_REPEAT_WINDOW = timedelta(minutes=2)

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
        "I have read each requirement of the policy that this record does not meet by a "
        "referral, with the DSL's written reasons for it, and I agree with the decision not to "
        "make those referrals."
    ),
    SignatureKind.ADDENDUM: (
        "I confirm this addendum is accurate to the best of my knowledge. It adds to the "
        "approved record and changes nothing in it."
    ),
}


def verify_and_log(
    incident: Incident, *, request: HttpRequest | None = None, user: User | None = None
) -> Verification:
    """Recompute the record's digest and say whether it matches its latest signature; the
    check itself is audited."""
    result = verify(incident)
    log_action(
        AuditAction.VERIFIED,
        request=request,
        user=user,
        incident=incident,
        data={"intact": result.intact, "signature_id": getattr(result.signature, "pk", None)},
    )
    return result


# Who is acting -----------------------------------------------------------------------------


def _refuse(
    transition: str,
    reason: str,
    incident: Incident,
    user: User,
    request: HttpRequest | None,
    error: ServiceError,
) -> None:
    """Refusals for identity or role are logged (outside the refused transaction), then raised."""
    log_action(
        AuditAction.SIGNING_REFUSED,
        request=request,
        user=user,
        incident=incident,
        data={"transition": transition, "reason": reason},
    )
    raise error


def reauthenticate(
    user: User,
    password: str,
    otp_token: str,
    *,
    transition: str,
    incident: Incident,
    request: HttpRequest | None,
) -> None:
    """The password and a fresh code again, before anything is signed.

    The code is checked first: django-otp throttles wrong codes and refuses a code used
    before, so a stolen session cannot be used to guess the password.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        _refuse(transition, "no_authenticator", incident, user, request, NoAuthenticator())
        return
    if verify_token(user, device.persistent_id, (otp_token or "").strip()) is None:
        _refuse(transition, "credentials", incident, user, request, WrongCredentials())
    if not user.check_password(password or ""):
        _refuse(transition, "credentials", incident, user, request, WrongCredentials())


# The transitions a headteacher may not make on a record of which they are the DSL.
APPROVALS = frozenset({"approve", "non_referral_signoff", "send_back"})


def _require(
    allowed: Any, transition: str, incident: Incident, user: User, request: HttpRequest | None
) -> access.RecordAccess:
    """The acting user's access to the incident, read afresh; refused unless ``allowed(it)``."""
    permitted = access.record_access(user, incident)
    if not allowed(permitted):
        own = permitted.own_decision and transition in APPROVALS
        _refuse(
            transition,
            "own_decision" if own else "role",
            incident,
            user,
            request,
            OwnDecision() if own else NotAllowed("Your role does not allow this on this record."),
        )
    return permitted


def _approver(incident: Incident, user: User) -> access.RecordAccess:
    """Under the record's lock, the approver's access read again: a signature or decision
    written since the first check may have made the headteacher the incident's DSL."""
    permitted = access.record_access(user, incident)
    if not permitted.approve:
        raise (
            OwnDecision()
            if permitted.own_decision
            else NotAllowed("Your role does not allow this on this record.")
        )
    return permitted


def _locked(incident: Incident) -> Incident:
    """The incident re-read under a row lock: two people cannot both move it on."""
    return Incident.objects.select_for_update().select_related("school").get(pk=incident.pk)


def _sign(
    incident: Incident,
    user: User,
    kind: SignatureKind,
    role: str,
    *,
    digest: str | None = None,
    reason: str = "",
) -> Signature:
    key_id = keys.current_id()
    return Signature.objects.create(
        incident=incident,
        kind=kind,
        signer=user,
        signer_name=display.person_name(user),
        role=role,
        signed_at=timezone.now(),
        meaning=MEANINGS[kind],
        digest=digest or record_digest(incident, key_id),
        content_format=FORMAT,
        digest_key_id=key_id,
        reason=reason,
    )


def _set_status(incident: Incident, status: str) -> None:
    incident.status = status
    incident.save(update_fields=["status", "updated_at"])


def _require_intact(incident: Incident) -> None:
    result = verify(incident)
    if result.missing_key is not None:
        raise ServiceError(result.message)
    if result.intact is False:
        raise ChangedSinceSigned(incident.reference)


def _writer_role(permitted: access.RecordAccess) -> str:
    """The role a writer of the record signs in: the DSL, or a deputy granted it."""
    return Role.DSL if Role.DSL in permitted.roles else Role.DEPUTY_DSL


def needs_non_referral_signoff(incident: Incident) -> bool:
    """Whether the record, as stored now, waits for the headteacher's sign-off of what it does
    not refer (``requirements.of``: nothing else decides)."""
    loaded = record.load(record.incidents().get(pk=incident.pk), whole=False)
    return requirements.of(loaded).signoff_pending


# The transitions ---------------------------------------------------------------------------


def sign_record(
    incident: Incident,
    user: User,
    password: str,
    otp_token: str,
    request: HttpRequest | None = None,
) -> Signature:
    """The DSL (or a deputy granted this incident) signs a complete record."""
    permitted = _require(lambda a: a.edit, "sign", incident, user, request)
    reauthenticate(user, password, otp_token, transition="sign", incident=incident, request=request)
    with transaction.atomic():
        incident = _locked(incident)
        if incident.status not in SIGNABLE:
            raise WrongStatus(
                f"{incident.reference} is {incident.get_status_display().lower()}: "
                "only a record being written can be signed."
            )
        # The headteacher's sign-off, if the decision needs one, comes with approval.
        missing = requirements.blocking(requirements.missing_items(record.load(incident)))
        if missing:
            raise RecordIncomplete(missing)
        signature = _sign(incident, user, SignatureKind.SIGNED, _writer_role(permitted))
        _set_status(incident, Status.AWAITING_APPROVAL)
        log_action(
            AuditAction.SIGNED,
            request=request,
            user=user,
            incident=incident,
            data={"signature_id": signature.pk, "digest": signature.digest},
        )
    return signature


def _sign_off_decision(
    incident: Incident, user: User, role: str, request: HttpRequest | None
) -> Signature:
    """The sign-off, by the headteacher or (``role``) the second signatory, with their name
    and role as they are now: renaming the account later changes nothing here."""
    decision = Decision.objects.select_for_update().get(incident=incident)
    decision.headteacher_signoff_by = user
    decision.headteacher_signoff_at = timezone.now()
    decision.headteacher_signoff_name = display.person_name(user)
    decision.headteacher_signoff_role = role
    decision.save(
        update_fields=[
            "headteacher_signoff_by",
            "headteacher_signoff_at",
            "headteacher_signoff_name",
            "headteacher_signoff_role",
        ]
    )
    signature = _sign(incident, user, SignatureKind.NON_REFERRAL_SIGNOFF, role)
    log_action(
        AuditAction.NON_REFERRAL_SIGNED_OFF,
        request=request,
        user=user,
        incident=incident,
        data={"signature_id": signature.pk, "decision_id": decision.pk},
    )
    return signature


def sign_off_non_referral(
    incident: Incident,
    headteacher: User,
    password: str,
    otp_token: str,
    request: HttpRequest | None = None,
) -> Signature:
    """The headteacher signs off a decision not to refer, before or with approval.

    It may come before the DSL signs, or while the record awaits approval; ``approve_record``
    can also give it in the same act, so a record is never closed without it.
    """
    user = headteacher
    _require(lambda a: a.approve, "non_referral_signoff", incident, user, request)
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
        # Checked again under the lock: who the incident's DSL is decides who signs.
        permitted = _approver(incident, user)
        return _sign_off_decision(incident, user, permitted.approver_role, request)


def approve_record(
    incident: Incident,
    user: User,
    password: str,
    otp_token: str,
    request: HttpRequest | None = None,
    *,
    sign_off_non_referral: bool = False,
) -> Signature:
    """The headteacher approves a signed record, which locks it.

    The approver is not the signer. If the decision is not to refer and the headteacher has
    not signed it off yet, ``sign_off_non_referral=True`` gives that sign-off in the same act
    (first, so the approval's digest covers it); without it approval is refused.
    """
    _require(lambda a: a.approve, "approve", incident, user, request)
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
        signed = (
            incident.signatures.filter(kind=SignatureKind.SIGNED)
            .order_by("-signed_at", "-pk")
            .first()
        )
        if signed is None:
            raise WrongStatus(f"{incident.reference} has not been signed by the DSL.")
        if signed.signer_id == user.pk:
            raise SamePerson()
        # Checked again under the lock: who the incident's DSL is decides who approves.
        permitted = _approver(incident, user)
        _require_intact(incident)
        if needs_non_referral_signoff(incident):
            if not sign_off_non_referral:
                raise NonReferralSignOffNeeded()
            _sign_off_decision(incident, user, permitted.approver_role, request)
        signature = _sign(incident, user, SignatureKind.APPROVED, permitted.approver_role)
        # The last write to the incident: from here the database refuses any change to it.
        _set_status(incident, Status.APPROVED)
        log_action(
            AuditAction.APPROVED,
            request=request,
            user=user,
            incident=incident,
            data={"signature_id": signature.pk, "digest": signature.digest},
        )
    return signature


def send_back(
    incident: Incident, user: User, reason: str, request: HttpRequest | None = None
) -> Signature:
    """The headteacher returns a signed record to the DSL with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Say why the record is being sent back.")
    permitted = _require(lambda a: a.approve, "send_back", incident, user, request)
    with transaction.atomic():
        incident = _locked(incident)
        if incident.status != Status.AWAITING_APPROVAL:
            raise WrongStatus(
                f"{incident.reference} is {incident.get_status_display().lower()}: only a "
                "record awaiting approval can be sent back."
            )
        signature = _sign(
            incident, user, SignatureKind.SENT_BACK, permitted.approver_role, reason=reason
        )
        _set_status(incident, Status.UNDER_REVIEW)
        log_action(
            AuditAction.SENT_BACK,
            request=request,
            user=user,
            incident=incident,
            data={"signature_id": signature.pk},
        )
    return signature


def _repeated_addendum(incident: Incident, user: User, text: str) -> Addendum | None:
    """The same addendum by ``user`` on ``incident`` stored within the repeat window, if any."""
    since = timezone.now() - ADDENDUM_REPEAT_WINDOW
    return (
        Addendum.objects.filter(incident=incident, author=user, text=text, created_at__gte=since)
        .order_by("-created_at")
        .first()
    )


def add_addendum(
    incident: Incident,
    user: User,
    text: str,
    password: str,
    otp_token: str,
    request: HttpRequest | None = None,
) -> Addendum:
    """A later fact on an approved record, signed by its author.

    Nothing of the record changes: the addendum and its signature are new rows, which the
    database allows on a locked record; the signature's digest covers the record with it.
    """
    text = (text or "").strip()
    if not text:
        raise ServiceError("Write the addendum before signing it.")
    permitted = _require(lambda a: a.edit, "addendum", incident, user, request)
    # Sent twice: the second submission gets the first's addendum, before its code (already
    # spent by the first) is refused.
    repeated = _repeated_addendum(incident, user, text)
    if repeated is not None:
        return repeated
    reauthenticate(
        user, password, otp_token, transition="addendum", incident=incident, request=request
    )
    with transaction.atomic():
        incident = _locked(incident)
        # Checked again under the record's lock: two submissions at once store one.
        repeated = _repeated_addendum(incident, user, text)
        if repeated is not None:
            return repeated
        if not incident.is_locked:
            raise WrongStatus(
                f"{incident.reference} is not approved yet: change the record itself instead."
            )
        now = timezone.now()
        data = content(incident, extra_addendum=addendum_entry(user.pk, now, text))
        signature = _sign(
            incident,
            user,
            SignatureKind.ADDENDUM,
            _writer_role(permitted),
            digest=digest_of(serialise(data), keys.current_id()),
        )
        addendum = Addendum.objects.create(
            incident=incident,
            text=text,
            author=user,
            author_name=display.person_name(user),
            author_role=_writer_role(permitted),
            created_at=now,
            signature=signature,
        )
        log_action(
            AuditAction.ADDENDUM_ADDED,
            request=request,
            user=user,
            incident=incident,
            data={"addendum_id": addendum.pk, "signature_id": signature.pk},
        )
    return addendum
