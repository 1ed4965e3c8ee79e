"""The one way to write the audit log, modelled on pretix's ``log_action``.

Every read of a record, change, export, signature, approval, access grant, login and refused
access goes through ``log_action``. Never signals: the call sits in the service or view that
acts, so the reader of that code sees what is logged. ``data`` holds identifiers and field
names only, never record content.

Integrity. Each school's events form their own hash chain, and the events of no school
(sign-ins of people without one, a system administrator's changes) form the deployment chain.
Each event stores ``hash = HMAC-SHA256(key, previous_hash + canonical JSON of its fields)``,
``previous_hash`` being the hash of the event before it in its chain, and ``key_id``, the id of
the key (``incidents.keys``: the key is held outside the database, so a removed or changed row
cannot be hidden by re-hashing the chain after it). A chain's first event follows its genesis,
``genesis(chain, seal)``, which covers the seal of the legacy chain (below).

Writers of one chain take that chain's PostgreSQL advisory lock (``CHAIN_LOCK_NAMESPACE``, the
school's id; 0 for the deployment chain) for the rest of their transaction, so a chain has one
order even under concurrent requests, and writers in two schools never wait for each other.
Everything but the link is computed before the lock; under it: one round trip that takes the
lock and reads the chain's head (``incidents_audit_chain_head_for``, migration 0018), the HMAC,
the INSERT, and the commit of the caller's transaction (a transaction-level lock is released
only by the commit, which is why services log last).

The legacy chain. Until migration 0018 the whole deployment had one chain (``previous_hash``
``GENESIS_HASH`` for its first event). Its rows stay as they were and verify as they always did
(events chained before the log was keyed have no key id and a plain SHA-256: they verify, as
weaker evidence, and an unkeyed event after a keyed one is a break). The migration wrote
``AuditSeal``: the id and hash of its last event, keyed (``seal_digest``), and every new chain's
genesis covers that digest, so the old head is sealed into each new chain's first link.

The database refuses UPDATE, DELETE and TRUNCATE of both tables (``incidents.models.locking``);
``verify_chain`` (``manage.py verify_audit``) finds a changed row, a removed row (the next row's
``previous_hash`` no longer matches), a broken seal and, given the heads recorded earlier
(``--anchor-file``), rows removed from the end of any chain; ``anchor`` hashes the heads of all
chains into the one value an operator keeps off the server.
"""

import hashlib
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import connection, connections, models, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from incidents import keys
from incidents.models import AuditEvent, AuditSeal, Incident, School

# The first link of the legacy chain, and what stands for the seal where there is none (a
# database created after the cut-over and emptied, as the test suite's are).
GENESIS_HASH = "0" * 64
# The first key of the two-key advisory lock of every chain (the second is the school's id, 0
# for the deployment chain). Any constant works; two-key locks never clash with one-key ones.
CHAIN_LOCK_NAMESPACE = 7_110_421
LEGACY = "legacy"
DEPLOYMENT = "deployment"
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
    SUBMISSION_KEPT = "auth.submission_kept", "Had what they typed kept when their session ended"
    SUBMISSION_RESTORED = "auth.submission_restored", "Was shown what they typed again"
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


def chain_name(school_id: int | None) -> str:
    """The name of the chain an event of this school belongs to (after the cut-over)."""
    return DEPLOYMENT if school_id is None else f"school:{school_id}"


def genesis(name: str, seal: str) -> str:
    """What a new chain's first event follows: SHA-256 of the chain's name and the seal's
    digest (``GENESIS_HASH`` when there is no seal). Plain: the first event's keyed hash covers
    it, and a chain's name in it stops one chain's events being passed off as another's."""
    return hashlib.sha256(f"audit-genesis:v1|{name}|{seal}".encode()).hexdigest()


def seal_digest(
    legacy_last_id: int | None, legacy_count: int, legacy_head: str, sealed_at: str, key_id: str
) -> str:
    """The keyed digest of the seal (migration 0018 writes it; verification recomputes it)."""
    message = f"audit-seal:v1|{legacy_last_id or 0}|{legacy_count}|{legacy_head}|{sealed_at}"
    return keys.mac(message.encode(), key_id)


def first_link(school_id: int | None) -> str:
    """The genesis of a school's chain (the deployment chain's for None) in this database."""
    seal = AuditSeal.objects.filter(pk=1).values_list("digest", flat=True).first()
    return genesis(chain_name(school_id), seal or GENESIS_HASH)


def _in_chain(school_id: int | None) -> Q:
    return Q(school__isnull=True) if school_id is None else Q(school_id=school_id)


def locked_chain_head(school_id: int | None) -> str:
    """Hold the chain's lock to the end of the transaction; the hash the next event follows
    (the chain's last event, or its genesis)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT head, seal FROM incidents_audit_chain_head_for(%s)", [school_id])
            head, seal = cursor.fetchone()
    else:  # SQLite (make run): one writer at a time anyway
        row = AuditSeal.objects.filter(pk=1).values_list("legacy_last_id", "digest").first()
        cut, seal = row if row is not None else (None, None)
        head = (
            AuditEvent.objects.filter(_in_chain(school_id), pk__gt=cut or 0)
            .order_by("-pk")
            .values_list("hash", flat=True)
            .first()
        )
    return cast(str, head) if head else genesis(chain_name(school_id), seal or GENESIS_HASH)


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
    """Append one event to its school's chain (the deployment chain for an event of no school).
    ``action`` is an ``AuditAction``.

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
        key_id=keys.current_id(),
    )
    fields = hashed_fields(event)
    # Under the chain's lock: its head, the link, the INSERT (and the caller's commit).
    with transaction.atomic():
        event.previous_hash = locked_chain_head(event.school_id)
        event.hash = event_hash(event.previous_hash, fields, event.key_id)
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
    """One event per incident shown (each in that record's access history), chained in the
    school's chain under one lock and written in one statement: a page listing many records
    writes in fixed queries."""
    if action not in AuditAction.values:
        raise UnknownAction(f"{action!r} is not an audit action: add it to AuditAction first")
    if not incidents:
        return
    user = request.user if request.user.is_authenticated else None
    stored_data = json.loads(json.dumps(_mask(data), default=str))
    ip = _as_stored(client_ip(request), "ip_address")
    key_id = keys.current_id()
    events = [
        AuditEvent(
            at=timezone.now(),
            user=user,
            username=(getattr(user, "username", "") or "")[:150],
            action=str(action),
            school=school,
            incident=incident,
            ip_address=ip,
            data=stored_data,
            key_id=key_id,
        )
        for incident in incidents
    ]
    fields = [hashed_fields(event) for event in events]
    with transaction.atomic():
        previous = locked_chain_head(school.pk)
        for event, its_fields in zip(events, fields, strict=True):
            event.previous_hash = previous
            event.hash = event_hash(previous, its_fields, key_id)
            previous = event.hash
        AuditEvent.objects.bulk_create(events)


# Verification ------------------------------------------------------------------------------


@dataclass
class ChainReport:
    """What verifying one chain found."""

    name: str = LEGACY
    count: int = 0
    head: str = GENESIS_HASH
    problems: list[str] = field(default_factory=list)
    id_gaps: list[tuple[int, int]] = field(default_factory=list)
    anchor_found: bool | None = None
    # Events chained before the log was keyed (plain SHA-256): they verify, as weaker evidence.
    # Only the legacy chain may hold them.
    unkeyed: int = 0
    keys_used: list[str] = field(default_factory=list)
    # The id of the first event chained with each key (to list keys in order of first use).
    key_first_ids: dict[str, int] = field(default_factory=dict)

    @property
    def intact(self) -> bool:
        return not self.problems and self.anchor_found is not False


@dataclass
class AuditReport:
    """What verifying the log (all chains, or one school's) found."""

    chains: list[ChainReport]
    seal: AuditSeal | None
    # What no one chain says (a chain recorded earlier that is gone).
    general_problems: list[str] = field(default_factory=list)
    anchor_found: bool | None = None

    @property
    def count(self) -> int:
        return sum(chain.count for chain in self.chains)

    @property
    def unkeyed(self) -> int:
        return sum(chain.unkeyed for chain in self.chains)

    @property
    def id_gaps(self) -> list[tuple[int, int]]:
        return [gap for chain in self.chains for gap in chain.id_gaps]

    @property
    def keys_used(self) -> list[str]:
        first: dict[str, int] = {}
        for chain in self.chains:
            for key_id, pk in chain.key_first_ids.items():
                first[key_id] = min(pk, first.get(key_id, pk))
        return sorted(first, key=lambda key_id: first[key_id])

    @property
    def problems(self) -> list[str]:
        return [*self.general_problems, *(p for chain in self.chains for p in chain.problems)]

    @property
    def heads(self) -> dict[str, tuple[int, str]]:
        return {chain.name: (chain.count, chain.head) for chain in self.chains}

    @property
    def anchor(self) -> str:
        return anchor(self.heads)

    @property
    def intact(self) -> bool:
        return not self.problems and self.anchor_found is not False


def anchor(heads: dict[str, tuple[int, str]]) -> str:
    """The deployment-wide anchor: SHA-256 over one line ``name count head`` per chain, sorted
    by name. Plain SHA-256, so anyone holding the heads (``verify_audit --write-heads``) can
    recompute it; each head is itself a keyed HMAC, which no one without the key can forge."""
    lines = "".join(f"{name} {count} {head}\n" for name, (count, head) in sorted(heads.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def _describe(event: AuditEvent) -> str:
    return f"Event {event.pk} ({event.action}, {event.at:%Y-%m-%d %H:%M:%S})"


def _check_event(report: ChainReport, event: AuditEvent, previous_hash: str) -> None:
    """The link and the keyed hash of one event (its key recorded in ``report``)."""
    if event.previous_hash != previous_hash:
        report.problems.append(
            f"{_describe(event)} in the {report.name} chain does not follow the event before "
            "it: a row between them was removed, or its hash was changed."
        )
    if event.key_id is not None:
        if event.key_id not in report.key_first_ids:
            report.key_first_ids[event.key_id] = event.pk
            report.keys_used.append(event.key_id)
        if not keys.held(event.key_id):
            report.problems.append(
                f"Event {event.pk} ({event.action}) was chained with the key "
                f"{event.key_id!r}, which this server does not hold: list it in "
                "SAFEGUARDING_DIGEST_KEYS after the current key to verify it."
            )
            return
    if not keys.equal(
        event_hash(event.previous_hash, hashed_fields(event), event.key_id), event.hash
    ):
        report.problems.append(
            f"Event {event.pk} ({event.action}) has been changed: its hash does not match "
            "its content."
        )


def _check_expected(
    report: ChainReport, expected: tuple[int, str] | None, position: int, current: str
) -> None:
    """A head recorded earlier (count, hash) must still stand at its position."""
    if expected is not None and position == expected[0] and current != expected[1]:
        report.problems.append(
            f"The {report.name} chain's event number {position} is not the head recorded "
            "earlier: events up to it have been removed or changed."
        )


def _verify_legacy(
    seal: AuditSeal, expected: tuple[int, str] | None, anchor_hash: str | None
) -> ChainReport:
    """The one deployment-wide chain up to the cut-over, as it was always verified, then its
    seal: the last event and the count the migration recorded, and the seal's keyed digest."""
    report = ChainReport(name=LEGACY)
    previous_hash, previous_id = GENESIS_HASH, None
    keyed_since: int | None = None
    _check_expected(report, expected, 0, previous_hash)
    events = AuditEvent.objects.filter(pk__lte=seal.legacy_last_id or 0).order_by("pk")
    for event in events.iterator(chunk_size=2000):
        report.count += 1
        if previous_id is not None and event.pk != previous_id + 1:
            report.id_gaps.append((previous_id, event.pk))
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
        _check_event(report, event, previous_hash)
        if anchor_hash is not None and event.hash == anchor_hash:
            report.anchor_found = True
        previous_hash, previous_id = event.hash, event.pk
        _check_expected(report, expected, report.count, previous_hash)
    report.head = previous_hash
    if expected is not None and report.count < expected[0]:
        report.problems.append(
            f"The legacy chain holds {report.count} events; {expected[0]} were recorded "
            "earlier: events have been removed from its end."
        )
    if report.count != seal.legacy_count or previous_hash != seal.legacy_head:
        report.problems.append(
            f"The legacy chain ends at {previous_hash[:16]}… after {report.count} events; the "
            f"seal recorded {seal.legacy_head[:16]}… after {seal.legacy_count}: events "
            "before the cut-over have been removed or changed."
        )
    if not keys.held(seal.key_id):
        report.problems.append(
            f"The seal was made with the key {seal.key_id!r}, which this server does not hold."
        )
    elif not keys.equal(
        seal_digest(
            seal.legacy_last_id,
            seal.legacy_count,
            seal.legacy_head,
            seal.sealed_at.isoformat(),
            seal.key_id,
        ),
        seal.digest,
    ):
        report.problems.append("The seal has been changed: its digest does not match it.")
    return report


def _verify_chain_of(
    school_id: int | None,
    seal: AuditSeal | None,
    expected: tuple[int, str] | None,
    anchor_hash: str | None,
) -> ChainReport:
    """One chain after the cut-over: from its genesis, every event keyed and linked."""
    name = chain_name(school_id)
    report = ChainReport(name=name)
    previous_hash = genesis(name, seal.digest if seal is not None else GENESIS_HASH)
    _check_expected(report, expected, 0, previous_hash)
    cut = seal.legacy_last_id or 0 if seal is not None else 0
    events = AuditEvent.objects.filter(_in_chain(school_id), pk__gt=cut).order_by("pk")
    for event in events.iterator(chunk_size=2000):
        report.count += 1
        if event.key_id is None:
            report.unkeyed += 1
            report.problems.append(
                f"Event {event.pk} ({event.action}) in the {name} chain is unkeyed: every "
                "chain after the cut-over is keyed, so it has been re-hashed."
            )
        _check_event(report, event, previous_hash)
        if anchor_hash is not None and event.hash == anchor_hash:
            report.anchor_found = True
        previous_hash = event.hash
        _check_expected(report, expected, report.count, previous_hash)
    report.head = previous_hash
    if expected is not None and report.count < expected[0]:
        report.problems.append(
            f"The {name} chain holds {report.count} events; {expected[0]} were recorded "
            "earlier: events have been removed from its end."
        )
    return report


def _verify_one(
    chain: str,
    seal: AuditSeal | None,
    expected: tuple[int, str] | None,
    anchor_hash: str | None,
) -> ChainReport:
    if chain == LEGACY:
        assert seal is not None
        return _verify_legacy(seal, expected, anchor_hash)
    school_id = None if chain == DEPLOYMENT else int(chain.removeprefix("school:"))
    return _verify_chain_of(school_id, seal, expected, anchor_hash)


def _worker_started() -> None:
    """A worker process opens its own database connection on its first query and keeps it for
    every chain it verifies (none is inherited: the parent closed its own before forking)."""
    connections.close_all()


def chain_names(school: School | None = None) -> list[str]:
    """Every chain of the log (the legacy one wherever there is a seal, even of no events; the
    deployment chain; one per school, with events or not: a chain emptied from its genesis
    shows in the anchor), or the one chain of ``school``."""
    if school is not None:
        return [chain_name(school.pk)]
    seal = AuditSeal.objects.filter(pk=1).first()
    legacy = [LEGACY] if seal is not None else []
    schools = School.objects.order_by("pk").values_list("pk", flat=True)
    return [*legacy, DEPLOYMENT, *(chain_name(pk) for pk in schools)]


def verify_chain(
    anchor: str | None = None,
    *,
    school: School | None = None,
    jobs: int = 1,
    heads: dict[str, tuple[int, str]] | None = None,
) -> AuditReport:
    """Recompute every hash of every chain (or of one school's) and check each link.

    ``jobs`` above 1 verifies the chains in that many worker processes, each with its own
    database connection; inside a transaction (whose rows other connections cannot see) the
    chains are verified on this connection, one after another. ``anchor`` is a head hash
    recorded earlier that must still be in one of the chains; ``heads``, the heads of every
    chain recorded earlier (``verify_audit --write-heads``), each of which must still stand at
    its position. A removed row shows as a broken link; a changed row as a hash that no longer
    matches its fields; rows cut from a chain's end only against what was recorded earlier.
    """
    seal = AuditSeal.objects.filter(pk=1).first()
    names = chain_names(school)
    recorded = heads or {}
    report = AuditReport(chains=[], seal=seal)
    if heads is not None and school is None:
        for missing in sorted(set(heads) - set(names)):
            report.general_problems.append(
                f"The {missing} chain recorded earlier is no longer there."
            )
    arguments = [(name, seal, recorded.get(name), anchor) for name in names]
    if jobs > 1 and len(names) > 1 and not connection.in_atomic_block:
        connections.close_all()  # each worker opens its own; none is shared across a fork
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=_worker_started
        ) as pool:
            # Chains in batches, so thousands of small chains cost few hand-overs.
            batch = max(1, len(arguments) // (jobs * 8))
            report.chains = list(
                pool.map(_verify_one, *zip(*arguments, strict=True), chunksize=batch)
            )
    else:
        report.chains = [_verify_one(*args) for args in arguments]
    if anchor is not None:
        found = anchor == GENESIS_HASH or any(c.anchor_found for c in report.chains)
        found = found or any(c.count == 0 and c.head == anchor for c in report.chains)
        report.anchor_found = found
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
