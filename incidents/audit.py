"""The one way to write the audit log, modelled on pretix's ``log_action``.

Every read of a record, change, export, signature, approval, access grant, login and refused
access goes through ``log_action``. Never signals: the call sits in the service or view that
acts, so the reader of that code sees what is logged. ``data`` holds identifiers and field
names only, never record content.

Integrity. Each event stores ``hash = HMAC-SHA256(key, previous_hash + canonical JSON of its
fields)``, ``previous_hash`` being the hash of the event before it (``GENESIS_HASH`` for the
first), and ``key_id``, the id of the key (``incidents.keys``: the key is held outside the
database, so a removed or changed row cannot be hidden by re-hashing the chain after it). Events
chained before the log was keyed have no key id and a plain SHA-256; they verify, but as weaker
evidence, and an unkeyed event after a keyed one is itself a break (a downgrade).
Writers take a PostgreSQL advisory lock for the rest of their transaction, so the chain has
one order even under concurrent requests; the lock and the read of the chain's head are one
round trip (``incidents_audit_chain_head``, migration 0005). The database refuses UPDATE,
DELETE and TRUNCATE of the table (``incidents.models.locking``); ``verify_chain``
(``manage.py verify_audit``) finds a changed row, a removed row (the next row's
``previous_hash`` no longer matches) and, given a head hash recorded earlier (``--anchor``),
rows removed from the end.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from incidents import keys
from incidents.models import AuditEvent, Incident, School

GENESIS_HASH = "0" * 64
# Any constant works: it names the lock that serialises writers of the hash chain.
CHAIN_LOCK_ID = 7_110_421
_SECRET_KEYS = {"password", "otp_token", "token", "secret", "code", "key"}
_MASK = "********"


class AuditAction(models.TextChoices):
    """Every action the product writes to the audit log, with the words a reader sees.

    ``log_action`` refuses any other name, so nothing can write an action the product does not
    define (zulip's ``AuditLogEventType``). The names are dotted, subject first.
    """

    # Signing in and out, and the second factor.
    LOGIN_SUCCEEDED = "auth.login_succeeded", "Signed in"
    LOGIN_FAILED = "auth.login_failed", "Failed to sign in"
    LOGIN_LOCKED_OUT = "auth.login_locked_out", "Was locked out after failed sign-ins"
    LOGOUT = "auth.logout", "Signed out"
    SESSION_EXPIRED = "auth.session_expired", "Session ended (time limit)"
    SECOND_FACTOR_ENROLLED = "auth.second_factor_enrolled", "Set up an authenticator"
    SECOND_FACTOR_VERIFIED = "auth.second_factor_verified", "Gave the second factor"
    SECOND_FACTOR_FAILED = "auth.second_factor_failed", "Gave a wrong second-factor code"
    # Enrolment and recovery: invitations, recovery codes, passkeys, resets.
    INVITATION_ISSUED = "account.invitation_issued", "Issued an invitation to set up an account"
    INVITATION_ACCEPTED = (
        "account.invitation_accepted",
        "Set a password and a second factor from an invitation",
    )
    INVITATION_REFUSED = (
        "account.invitation_refused",
        "Opened an invitation that is used, superseded or expired",
    )
    RECOVERY_CODES_ISSUED = "account.recovery_codes_issued", "Was given new recovery codes"
    RECOVERY_CODE_USED = "auth.recovery_code_used", "Gave a recovery code as the second factor"
    PASSKEY_REGISTERED = "account.passkey_registered", "Registered a passkey"
    PASSKEY_FAILED = "auth.passkey_failed", "A passkey was refused"
    PASSWORD_RESET_REQUESTED = (
        "account.password_reset_requested",
        "Asked for a password reset e-mail",
    )
    PASSWORD_RESET = "account.password_reset", "Set a new password from a reset e-mail"
    SIGN_IN_RESET = (
        "account.sign_in_reset",
        "Reset the password and second factor (sessions ended, devices removed)",
    )
    # Accounts and roles: separation of duties and leavers. Every change of a role, a
    # password, an account's active state or its administrator flags, wherever it is made
    # (the admin included), is one of these.
    ROLE_GRANTED = (
        "account.role_granted",
        "Granted a role (no effect until a second person confirms it)",
    )
    ROLE_CONFIRMED = "account.role_confirmed", "Confirmed a role granted by someone else"
    ROLE_REFUSED = "account.role_refused", "Refused a role granted by someone else"
    ROLE_CHANGED = (
        "account.role_changed",
        "Changed a role (it waits for a second person's confirmation again)",
    )
    ROLE_REMOVED = "account.role_removed", "Removed a role"
    ACCOUNT_CREATED = "account.created", "Created an account"
    ACCOUNT_RENAMED = "account.renamed", "Changed an account's name or e-mail address"
    ACCOUNT_DEACTIVATED = (
        "account.deactivated",
        "Deactivated an account (a leaver): its sessions ended",
    )
    ACCOUNT_REACTIVATED = "account.reactivated", "Reactivated an account"
    ADMIN_FLAGS_CHANGED = (
        "account.admin_flags_changed",
        "Changed an account's system-administrator status",
    )
    PASSWORD_SET = "account.password_set", "Set an account's password"
    LEAVER_ACTIONS_VIEWED = (
        "school.leaver_actions_viewed",
        "Read a leaver's open follow-up actions",
    )
    ACTION_REASSIGNED = "incident.action_reassigned", "Reassigned a follow-up action"
    # The school a person works in.
    SCHOOL_SWITCHED = "school.switched", "Changed school"
    INSPECTION_PACK_EXPORTED = "school.inspection_pack_exported", "Exported the inspection pack"
    HEAD_QUEUE_VIEWED = (
        "school.head_queue_viewed",
        "Read the headteacher's queue (the DSL's reasons of the records listed)",
    )
    # A concern and the record that follows it.
    CONCERN_REPORTED = "concern.reported", "Reported the concern"
    ALERT_SENT = "incident.alert_sent", "Alert sent to the safeguarding team"
    ALERT_FAILED = "incident.alert_failed", "Alert to the safeguarding team failed"
    OPENED = "incident.opened", "Opened the record"
    VIEWED = "incident.viewed", "Read the record"
    SEARCHED = "incident.searched", "Searched the records"
    STEP_SAVED = "incident.step_saved", "Changed the record"
    REVIEW_STARTED = "incident.review_started", "Started the review"
    ASSESSED = "incident.assessed", "Rules' result worked out"
    ASSESSMENT_CONFIRMED = (
        "incident.assessment_confirmed",
        "Confirmed or overrode the rules' result",
    )
    EXPORTED = "incident.exported", "Exported the record"
    ACCESS_REFUSED = "incident.access_refused", "Was refused access"
    ACCESS_GRANTED = "incident.access_granted", "Granted access"
    ACCESS_REVOKED = "incident.access_revoked", "Revoked access"
    CONCERN_TAKEN_UP = (
        "incident.concern_taken_up",
        "Took up a new concern (a deputy DSL started its record, and keeps access to it)",
    )
    # Signatures.
    SIGNED = "record.signed", "Signed the record"
    APPROVED = "record.approved", "Approved the record"
    SENT_BACK = "record.sent_back", "Sent the record back"
    NON_REFERRAL_SIGNED_OFF = (
        "record.non_referral_signed_off",
        "Signed off the decision not to refer",
    )
    ADDENDUM_ADDED = "record.addendum_added", "Added a signed addendum"
    VERIFIED = "record.verified", "Verified the record's digest"
    SIGNING_REFUSED = (
        "record.signing_refused",
        "Was refused a signature (wrong password, code or role)",
    )
    # The school's roll and the child's file (pupils, transfers).
    PUPILS_IMPORTED = "school.pupils_imported", "Imported the school's roll"
    PUPILS_SEARCHED = "school.pupils_searched", "Searched the school's roll"
    CALENDAR_SAVED = "school.calendar_saved", "Saved the school's term dates and closure days"
    PUPIL_FILE_VIEWED = "pupil.file_viewed", "Read a child's file"
    TRANSFER_STARTED = "pupil.transfer_started", "Marked a pupil as leaving"
    TRANSFER_SENT = "pupil.transfer_sent", "Sent the child's file to the new school"
    TRANSFER_EXPORTED = "pupil.transfer_exported", "Exported the child's file to send"
    TRANSFER_RECEIPT_RECORDED = (
        "pupil.transfer_receipt_recorded",
        "Recorded the new school's confirmation of receipt",
    )
    RECEIVED_FILE_VIEWED = "pupil.received_file_viewed", "Read a file received from a school"
    RECEIVED_FILE_CONFIRMED = (
        "pupil.received_file_confirmed",
        "Confirmed receipt of a file from another school",
    )
    RETENTION_KEPT = "record.retention_kept", "Kept the record past its review date"
    DESTRUCTION_PROPOSED = "record.destruction_proposed", "Proposed the record's destruction"
    DESTRUCTION_AUTHORISED = (
        "record.destruction_authorised",
        "Authorised the record's destruction (the second of the DSL and the headteacher)",
    )
    RECORD_DESTROYED = "record.destroyed", "Destroyed the record's content, keeping its tombstone"
    SUBJECT_ACCESS_EXPORTED = (
        "pupil.subject_access_exported",
        "Exported everything held about a pupil (subject access)",
    )
    # The governors' report (issue 18): figures only, never a child's name.
    GOVERNORS_REPORT_EXPORTED = (
        "school.governors_report_exported",
        "Exported the governors' report",
    )
    GOVERNORS_REPORT_NAMES_FLAGGED = (
        "school.governors_report_names_flagged",
        "Was stopped from exporting the governors' report: a young person's name in its text",
    )
    # Exports prepared by a task worker (issue 15): asked for, then each download of the file.
    EXPORT_REQUESTED = "export.requested", "Asked for an export"
    EXPORT_DOWNLOADED = "export.downloaded", "Downloaded an export"
    # A deputy DSL in cover for the DSL (issue 14): granted by the DSL, ended early.
    COVER_GRANTED = "school.cover_granted", "Put a deputy DSL in cover for the DSL"
    COVER_ENDED = "school.cover_ended", "Ended a deputy DSL's cover early"
    # The daily e-mail of what is due or overdue, to a school's DSL team (send_reminders).
    REMINDERS_SENT = "school.reminders_sent", "Sent the daily reminder of what is due"


class UnknownAction(ValueError):
    """``log_action`` was given a name that is not an ``AuditAction``."""


def label(action: str) -> str:
    """The words for a stored action name (a name no longer defined is shown as stored)."""
    try:
        return AuditAction(action).label
    except ValueError:
        return action


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from.

    REMOTE_ADDR only: a client can forge X-Forwarded-For. Behind a reverse proxy, the proxy
    must set REMOTE_ADDR (for example gunicorn's ``--forwarded-allow-ips`` with uvicorn/WSGI
    middleware under the operator's control), never the client. django-axes uses this same
    function (settings.AXES_CLIENT_IP_CALLABLE), so lockout and the log agree.
    """
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _mask(data: dict[str, Any]) -> dict[str, Any]:
    """Secrets never reach the log, however deep they sit in ``data``."""
    masked: dict[str, Any] = {}
    for key, value in data.items():
        if key in _SECRET_KEYS:
            masked[key] = _MASK
        elif isinstance(value, dict):
            masked[key] = _mask(value)
        else:
            masked[key] = value
    return masked


def event_hash(previous_hash: str, fields: dict[str, Any], key_id: str | None) -> str:
    """HMAC-SHA256 with the key ``key_id`` (plain SHA-256 when it is None) over the previous
    hash and the row's fields as sorted, compact JSON."""
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return keys.mac((previous_hash + payload).encode(), key_id)


def hashed_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "user_id": event.user_id,
        "username": event.username,
        "action": event.action,
        "school_id": event.school_id,
        "incident_id": event.incident_id,
        "ip_address": event.ip_address,
        "data": event.data,
    }


def _as_stored(value: Any, name: str) -> Any:
    """A value as the database will give it back, so the hash matches on re-reading."""
    column = cast("models.Field[Any, Any]", AuditEvent._meta.get_field(name))
    return column.to_python(value)


def _locked_head() -> str | None:
    """Hold the chain's lock to the end of the transaction; the hash of the last event."""
    if connection.vendor != "postgresql":
        return AuditEvent.objects.order_by("-pk").values_list("hash", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT incidents_audit_chain_head(%s)", [CHAIN_LOCK_ID])
        head: str | None = cursor.fetchone()[0]
        return head


def log_action(
    action: AuditAction | str,
    *,
    request: HttpRequest | None = None,
    user: Any = None,
    incident: Incident | None = None,
    school: School | None = None,
    data: dict[str, Any] | None = None,
    username: str | None = None,
) -> AuditEvent:
    """Append one event, chained to the last. ``action`` is an ``AuditAction``.

    ``username`` names who acted when there is no account to point at (a failed sign-in with
    a name that does not exist).
    """
    if data is not None and not isinstance(data, dict):
        raise TypeError("log_action data must be a dict")
    if action not in AuditAction.values:
        raise UnknownAction(f"{action!r} is not an audit action: add it to AuditAction first")
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    if user is not None and not user.is_authenticated:
        user = None
    if school is None and incident is not None:
        school = incident.school
    if username is None:
        username = getattr(user, "username", "") or ""
    # JSON round trip: what is hashed is exactly what the JSON column will hold.
    stored_data = json.loads(json.dumps(_mask(data or {}), default=str))
    event = AuditEvent(
        at=timezone.now(),
        user=user,
        username=username[:150],
        action=str(action),
        school=school,
        incident=incident,
        ip_address=_as_stored(client_ip(request), "ip_address"),
        data=stored_data,
    )
    with transaction.atomic():
        event.previous_hash = _locked_head() or GENESIS_HASH
        event.key_id = keys.current_id()
        event.hash = event_hash(event.previous_hash, hashed_fields(event), event.key_id)
        event.save(force_insert=True)
    return event


def log_reads(
    action: AuditAction,
    incidents: list[Incident],
    *,
    request: HttpRequest,
    school: School,
    data: dict[str, Any],
) -> None:
    """One event per incident shown (each in that record's access history), chained under one
    lock and written in one statement: a page listing many records writes in fixed queries."""
    if action not in AuditAction.values:
        raise UnknownAction(f"{action!r} is not an audit action: add it to AuditAction first")
    if not incidents:
        return
    user = request.user if request.user.is_authenticated else None
    stored_data = json.loads(json.dumps(_mask(data), default=str))
    ip = _as_stored(client_ip(request), "ip_address")
    with transaction.atomic():
        previous = _locked_head() or GENESIS_HASH
        key_id = keys.current_id()
        events = []
        for incident in incidents:
            event = AuditEvent(
                at=timezone.now(),
                user=user,
                username=(getattr(user, "username", "") or "")[:150],
                action=str(action),
                school=school,
                incident=incident,
                ip_address=ip,
                data=stored_data,
            )
            event.previous_hash = previous
            event.key_id = key_id
            event.hash = event_hash(previous, hashed_fields(event), key_id)
            previous = event.hash
            events.append(event)
        AuditEvent.objects.bulk_create(events)


# Verification ------------------------------------------------------------------------------


@dataclass
class ChainReport:
    count: int = 0
    head: str = GENESIS_HASH
    problems: list[str] = field(default_factory=list)
    id_gaps: list[tuple[int, int]] = field(default_factory=list)
    anchor_found: bool | None = None
    # Events chained before the log was keyed (plain SHA-256): they verify, as weaker evidence.
    unkeyed: int = 0
    keys_used: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems and self.anchor_found is not False


def _events() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("pk").iterator(chunk_size=2000)


def verify_chain(anchor: str | None = None) -> ChainReport:
    """Recompute every hash in id order and check each link to the row before.

    An id gap alone is not evidence: a rolled-back transaction also skips an id. A removed
    row shows as a broken link; a changed row as a hash that no longer matches its fields.
    """
    report = ChainReport()
    previous_hash = GENESIS_HASH
    previous_id = None
    if anchor is not None:
        report.anchor_found = anchor == GENESIS_HASH
    keyed_since: int | None = None
    for event in _events():
        report.count += 1
        if previous_id is not None and event.pk != previous_id + 1:
            report.id_gaps.append((previous_id, event.pk))
        if event.previous_hash != previous_hash:
            report.problems.append(
                f"Event {event.pk} ({event.action}, {event.at:%Y-%m-%d %H:%M:%S}) does not "
                f"follow the event before it (id {previous_id}): a row between them was "
                "removed, or its hash was changed."
            )
        if event.key_id is None:
            report.unkeyed += 1
            if keyed_since is not None:
                report.problems.append(
                    f"Event {event.pk} ({event.action}) is unkeyed but follows keyed events "
                    f"(from id {keyed_since}): once keyed the log is never chained without a "
                    "key again, so the chain has been re-hashed from here."
                )
        else:
            keyed_since = keyed_since or event.pk
            if event.key_id not in report.keys_used:
                report.keys_used.append(event.key_id)
        if event.key_id is not None and not keys.held(event.key_id):
            report.problems.append(
                f"Event {event.pk} ({event.action}) was chained with the key {event.key_id!r}, "
                "which this server does not hold: list it in SAFEGUARDING_DIGEST_KEYS after "
                "the current key to verify it."
            )
        elif not keys.equal(
            event_hash(event.previous_hash, hashed_fields(event), event.key_id), event.hash
        ):
            report.problems.append(
                f"Event {event.pk} ({event.action}) has been changed: its hash does not match "
                "its content."
            )
        if anchor is not None and event.hash == anchor:
            report.anchor_found = True
        previous_hash = event.hash
        previous_id = event.pk
    report.head = previous_hash
    return report


SIGNING_ACTIONS = (
    AuditAction.SIGNED,
    AuditAction.APPROVED,
    AuditAction.SENT_BACK,
    AuditAction.NON_REFERRAL_SIGNED_OFF,
    AuditAction.ADDENDUM_ADDED,
)


def signing_event(signature_id: int) -> AuditEvent | None:
    """The event its service logged when the signature was made."""
    return (
        AuditEvent.objects.filter(action__in=SIGNING_ACTIONS, data__signature_id=signature_id)
        .order_by("pk")
        .first()
    )


def event_intact(event: AuditEvent) -> bool:
    """Whether one event's hash matches its fields and its link (not the rest of the chain)."""
    if event.key_id is not None and not keys.held(event.key_id):
        return False
    expected = event_hash(event.previous_hash, hashed_fields(event), event.key_id)
    return keys.equal(expected, event.hash)


# Access history ----------------------------------------------------------------------------


def access_history(incident: Incident, limit: int = 50) -> list[AuditEvent]:
    """The latest events about one incident, newest first, each with ``label`` set."""
    events = list(AuditEvent.objects.filter(incident=incident).order_by("-at", "-pk")[:limit])
    for event in events:
        event.label = label(event.action)
    return events
