"""A record's canonical content, its digest, and whether it still matches its signature.

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
signature (``verify``). The content is read from the database afresh, never from a loaded
record, so what is hashed is what is stored.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db.models import Model

from incidents.models import (
    Action,
    Addendum,
    Adult,
    AssessmentResult,
    Decision,
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
    Signature,
    Status,
    YoungPerson,
)

FORMAT = "safeguarding-record/1"

# The stages a record can be signed from: being written, or sent back.
SIGNABLE = (Status.REPORTED, Status.UNDER_REVIEW)

# The incident's workflow fields: changed by signing, so not part of what is signed.
_WORKFLOW_FIELDS = {"status", "version", "updated_at"}

_ONE_TO_ONE: dict[str, type[Model]] = {
    "disclosure": Disclosure,
    "initial_review": InitialReview,
    "risk_assessment": RiskAssessment,
    "decision": Decision,
    "review": Review,
}
_LISTS: dict[str, type[Model]] = {
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


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _value(value) for key, value in row.items()}


def _rows(model: type[Model], incident: Incident) -> list[dict[str, Any]]:
    rows = model._default_manager.filter(incident=incident).order_by("pk").values()
    return [_row(r) for r in rows]


def addendum_entry(author_id: int, created_at: datetime, text: str) -> dict[str, Any]:
    """An addendum as the canonical content holds it (before its rows exist)."""
    return {"author_id": author_id, "created_at": _value(created_at), "text": text}


def content(incident: Incident, extra_addendum: dict[str, Any] | None = None) -> dict[str, Any]:
    """The record's content as plain data (the structure the module docstring describes)."""
    head = Incident.objects.filter(pk=incident.pk).values().get()
    data: dict[str, Any] = {
        "format": FORMAT,
        "incident": _row({k: v for k, v in head.items() if k not in _WORKFLOW_FIELDS}),
    }
    for name, model in _ONE_TO_ONE.items():
        rows = _rows(model, incident)
        data[name] = rows[0] if rows else None
    for name, model in _LISTS.items():
        data[name] = _rows(model, incident)
    addenda = [
        addendum_entry(a["author_id"], a["created_at"], a["text"])
        for a in Addendum.objects.filter(incident=incident).values(
            "author_id", "created_at", "text"
        )
    ]
    if extra_addendum is not None:
        addenda.append(extra_addendum)
    data["addenda"] = sorted(addenda, key=lambda a: (a["created_at"], a["text"]))
    return data


def serialise(data: dict[str, Any]) -> bytes:
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
        kind = self.signature.get_kind_display().lower()
        if self.intact:
            return (
                f"Intact: the record's content matches the digest of its latest signature ({kind})."
            )
        if self.being_written:
            return (
                f"Changed since its latest signature ({kind}): the record is being written "
                "again and must be signed again."
            )
        return (
            "NOT intact: the record's content no longer matches the digest of its latest "
            "signature. It has been changed since it was signed."
        )


def verify(incident: Incident) -> Verification:
    """Recompute the digest and compare it with the latest signature's."""
    signature = latest_signature(incident)
    digest = record_digest(incident)
    intact = None if signature is None else signature.digest == digest
    return Verification(
        intact=intact,
        digest=digest,
        signature=signature,
        being_written=incident.status in SIGNABLE,
    )
