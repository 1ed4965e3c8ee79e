"""The one way to write the audit log (SPEC §11), modelled on pretix's ``log_action``.

Every read of a record, change, export, signature, approval, access grant, login and refused
access goes through ``log_action``. Never signals: the call sits in the service or view that
acts, so the reader of that code sees what is logged. ``data`` holds identifiers and field
names only, never record content.
"""

import hashlib
import json

from django.db import connection, transaction
from django.utils import timezone

from incidents.models import AuditEvent

GENESIS_HASH = "0" * 64
# Any constant works: it names the lock that serialises writers of the hash chain.
_CHAIN_LOCK_ID = 7_110_421
_SECRET_KEYS = {"password", "otp_token", "token", "secret", "code"}


def client_ip(request) -> str | None:
    """The address the request came from.

    REMOTE_ADDR only: a client can forge X-Forwarded-For, and the app is served directly or
    behind a proxy that sets REMOTE_ADDR itself.
    """
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _mask(data: dict) -> dict:
    return {k: ("********" if k in _SECRET_KEYS else v) for k, v in data.items()}


def event_hash(previous_hash: str, fields: dict) -> str:
    """SHA-256 over the previous hash and the row's fields as sorted, compact JSON."""
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((previous_hash + payload).encode()).hexdigest()


def hashed_fields(event: AuditEvent) -> dict:
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


def log_action(
    action: str,
    *,
    request=None,
    user=None,
    incident=None,
    school=None,
    data: dict | None = None,
    username: str | None = None,
) -> AuditEvent:
    """Append one event, chained to the last. ``action`` is dotted: ``incident.viewed``.

    ``username`` names who acted when there is no account to point at (a failed sign-in with
    a name that does not exist).
    """
    if data is not None and not isinstance(data, dict):
        raise TypeError("log_action data must be a dict")
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    if school is None and incident is not None:
        school = incident.school
    event = AuditEvent(
        at=timezone.now(),
        user=user,
        username=(username if username is not None else getattr(user, "username", "") or "")[
            :150
        ],
        action=action,
        school=school,
        incident=incident,
        ip_address=client_ip(request),
        data=_mask(data or {}),
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])
        last = AuditEvent.objects.order_by("-pk").values_list("hash", flat=True).first()
        event.previous_hash = last or GENESIS_HASH
        event.hash = event_hash(event.previous_hash, hashed_fields(event))
        event.save(force_insert=True)
    return event
