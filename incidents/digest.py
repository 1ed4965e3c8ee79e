"""A record's canonical content, its digest, and whether it still matches its signature.

A signature stores a SHA-256 digest of the record's *canonical content*: UTF-8 bytes of one
JSON object, keys sorted at every level, no whitespace (``separators=(",", ":")``),
non-ASCII characters as themselves (``ensure_ascii=False``)::

    {"format": "safeguarding-record/4",
     "incident": {...},                    # the incident row, without workflow fields
     "disclosure": {...} | null,           # each one-to-one section, or null
     "initial_review": ..., "risk_assessment": ..., "decision": ..., "review": ...,
     "young_people": [...], "adults": [...], "assessment_results": [...],
     "viewings": [...], "device_searches": [...], "referrals": [...], "advice": [...],
     "parent_contacts": [...], "deletions": [...], "actions": [...],   # lists, by id
     # format 3 adds "containment" (one-to-one) and "interviews", "online_reports",
     # "meetings", "information_shared" (lists); format 4 the initial review's "meeting_time"
     "addenda": [{"author_id", "created_at", "text"}, ...]}            # by time, then text

Each format covers a fixed list of columns (``COLUMNS``), under their column names
(``created_by_id``, not the user's name), so a column added later never changes what an earlier
signature covered: a signature stores its format and is verified in it. Ids are integers;
datetimes are UTC in ISO 8601 (``2026-10-02T08:30:00+00:00``); dates and times of day ISO 8601
(``14:30:00``); JSON columns as stored. The incident leaves out ``status``, ``version`` and
``updated_at``: they record where the record is in its workflow, which signing itself changes,
not what it says. Signatures are not content: they attest it. An addendum is content once
added (its signature's digest covers the record with the addendum); its id and signature are
left out so the digest can be computed before its rows are written.

The digest is an HMAC-SHA256 of those bytes with a key held outside the database
(``incidents.keys``); the signature stores the key's id (``digest_key_id``) beside its format,
so the layout of the content and the key rotate independently. A signature made before keying
has no key id: its digest is a plain SHA-256, which still verifies but which anyone with the
data could have recomputed, so ``verify`` says it is unkeyed.

The record is intact when the digest of its current content equals the digest of its latest
signature (``verify``), taken in the signature's format with the signature's key. The content
is read from the database afresh, never from a loaded record, so what is hashed is what is
stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from django.db.models import Model

from incidents import audit, keys
from incidents.models import (
    Action,
    Addendum,
    Adult,
    AdviceSought,
    AgencyMeeting,
    AssessmentResult,
    Containment,
    Decision,
    DeletionRequest,
    DeviceSearch,
    Disclosure,
    ImageryViewing,
    Incident,
    InformationShared,
    InitialReview,
    Interview,
    OnlineReport,
    ParentContact,
    Referral,
    Review,
    RiskAssessment,
    Signature,
    Status,
    YoungPerson,
)

FORMAT_1 = "safeguarding-record/1"
FORMAT_2 = "safeguarding-record/2"
FORMAT_3 = "safeguarding-record/3"
FORMAT_4 = "safeguarding-record/4"
# What new signatures cover. Each signature stores the format it was made in, and is verified in
# it: a column added later is never part of what an earlier signature covered.
FORMAT = FORMAT_4

# The stages a record can be signed from: being written, or sent back.
SIGNABLE = (Status.REPORTED, Status.UNDER_REVIEW)

ONE_TO_ONE: dict[str, type[Model]] = {
    "disclosure": Disclosure,
    "initial_review": InitialReview,
    "risk_assessment": RiskAssessment,
    "decision": Decision,
    "review": Review,
    "containment": Containment,
}
LISTS: dict[str, type[Model]] = {
    "young_people": YoungPerson,
    "adults": Adult,
    "assessment_results": AssessmentResult,
    "viewings": ImageryViewing,
    "device_searches": DeviceSearch,
    "referrals": Referral,
    "advice": AdviceSought,
    "parent_contacts": ParentContact,
    "deletions": DeletionRequest,
    "actions": Action,
    "interviews": Interview,
    "online_reports": OnlineReport,
    "meetings": AgencyMeeting,
    "information_shared": InformationShared,
}
_ENTRY = ("id", "created_at", "created_by_id", "updated_at", "updated_by_id", "incident_id")

# The columns each format covers, by section. The incident leaves out its workflow fields
# (status, version, updated_at): signing itself changes them.
_COLUMNS_1: dict[str, tuple[str, ...]] = {
    "incident": (
        "id",
        "school_id",
        "reference",
        "year",
        "sequence",
        "incident_date",
        "disclosed_at",
        "reported_by_id",
        "created_at",
    ),
    "disclosure": (
        *_ENTRY,
        "disclosed_by",
        "disclosed_by_name",
        "disclosed_to",
        "child_action",
        "account",
        "image_kind",
        "imagery_description",
        "how_widely_shared",
        "platforms",
        "imagery_location",
        "other_young_people",
        "needs_immediate_support",
        "immediate_support_notes",
    ),
    "initial_review": (
        *_ENTRY,
        "meeting_date",
        "attendees",
        "adult_involved",
        "coerced",
        "capacity_concern",
        "intent_to_harm",
        "shared_without_consent",
        "romantic_relationship",
        "attention_seeking",
        "sent_to_others",
        "unusual_or_violent_content",
        "immediate_risk_of_harm",
        "depicts_sexual_acts",
        "further_information",
        "other_settings_to_contact",
    ),
    "risk_assessment": (
        *_ENTRY,
        *(
            name
            for question in (
                "why_shared",
                "coerced",
                "who_shared",
                "where_shared",
                "knowledge_of_pictured",
                "adults_involved",
                "impact",
                "vulnerabilities",
                "understands_consent",
                "previous_activity",
            )
            for name in (question, f"{question}_note")
        ),
        "rating",
    ),
    "decision": (
        *_ENTRY,
        "assessment_id",
        "outcome",
        "decided_at",
        "reasons",
        "headteacher_signoff_by_id",
        "headteacher_signoff_at",
    ),
    "review": (*_ENTRY, "reviewed_on", "outcome", "lessons", "policies_to_update"),
    "young_people": (
        *_ENTRY,
        "name",
        "date_of_birth",
        "age_if_no_date_of_birth",
        "year_group",
        "sex",
        "vulnerability",
        "is_pictured",
        "is_sender",
        "is_recipient",
        "is_sharer",
        "known_to_social_care",
    ),
    "adults": (*_ENTRY, "name", "relationship", "involvement"),
    "assessment_results": (
        "id",
        "incident_id",
        "computed_at",
        "policy",
        "policy_version",
        "facts",
        "category",
        "subtype",
        "mash_referral",
        "mash_criteria",
        "police",
        "social_care_contact",
        "seek_advice",
        "reasons",
        "confirmed_by_id",
        "confirmed_at",
        "overridden",
        "override_category",
        "override_subtype",
        "override_reason",
    ),
    "viewings": (
        *_ENTRY,
        "ground",
        "viewed_at",
        "viewed_by",
        "viewer_is_dsl_or_delegated",
        "headteacher_consulted",
        "others_present",
        "second_staff_present",
        "location",
        "on_school_premises",
        "same_sex_as_pictured",
        "reason",
        "subsequent_actions",
        "signed_by_viewer",
    ),
    "device_searches": (
        *_ENTRY,
        "young_person_id",
        "device_description",
        "ownership",
        "reason_to_believe",
        "searched_at",
        "searched_by",
        "searcher_authorised",
        "safeguarding_member_present",
        "same_sex",
        "dsl_and_senior_told_before",
        "likely_to_distress",
        "distress_justification",
        "confiscated",
        "switched_off",
        "locked_away",
        "handed_to_police_at",
        "police_officer",
    ),
    "referrals": (
        *_ENTRY,
        "agency",
        "made_at",
        "made_by",
        "contact_name",
        "reference_number",
        "outcome",
    ),
    "parent_contacts": (
        *_ENTRY,
        "young_person_id",
        "informed",
        "parent_name",
        "informed_at",
        "informed_by",
        "method",
        "reason_not_informed",
        "decided_with",
    ),
    "deletions": (
        *_ENTRY,
        "young_person_id",
        "asked_on",
        "asked_by",
        "deadline",
        "told_possession_illegal",
        "parents_told",
        "confirmed_on",
        "confirmation_note",
    ),
    "actions": (*_ENTRY, "kind", "description", "owner", "due_date", "done_on"),
}
# Format 2 adds advice sought, the DSL's reasons for each unmet requirement, the headteacher's
# sign-off being required, the check of the disclosure, and what a viewing or search records
# when a safeguard could not be kept.
_COLUMNS_2 = _COLUMNS_1 | {
    "disclosure": (*_COLUMNS_1["disclosure"], "checked_at"),
    "decision": (*_COLUMNS_1["decision"], "unmet_reasons", "signoff_required"),
    "viewings": (
        *_COLUMNS_1["viewings"],
        "safeguards_explanation",
        "how_it_came_about",
        "device_action",
        "not_copied_or_shared",
    ),
    "device_searches": (*_COLUMNS_1["device_searches"], "safeguards_explanation"),
    "advice": (
        *_ENTRY,
        "agency",
        "sought_at",
        "sought_by",
        "spoke_to",
        "advice",
        "school_response",
    ),
}
# Format 3 (2026) adds how the imagery came about and the sexual extortion details, the check
# before viewing that it would not distress the young person, and the new parts: talking to
# the young people, containment, reports for removal, inter-agency meetings and information
# shared.
_COLUMNS_3 = _COLUMNS_2 | {
    "initial_review": (
        *_COLUMNS_2["initial_review"],
        "financial_extortion",
        "imagery_origin",
        "extortion_demand",
        "extortion_paid",
        "extortion_contact",
        "told_not_to_pay",
        "told_to_keep_messages",
        "accounts_reported",
    ),
    "viewings": (*_COLUMNS_2["viewings"], "no_significant_distress"),
    "containment": (
        *_ENTRY,
        "cp_member_on_hand",
        "cp_member",
        "students_told",
        "students_told_on",
        "colleagues_briefed",
    ),
    "interviews": (
        *_ENTRY,
        "young_person_id",
        "held_at",
        "spoke_with",
        "who",
        "established",
        "seen_or_shared",
    ),
    "online_reports": (
        *_ENTRY,
        "young_person_id",
        "service",
        "platform",
        "made_at",
        "supported_by",
        "reference",
        "outcome",
        "outcome_note",
    ),
    "meetings": (
        *_ENTRY,
        "kind",
        "held_on",
        "attendees",
        "school_attended",
        "contribution",
    ),
    "information_shared": (*_ENTRY, "shared_with", "what", "shared_at", "basis"),
}
# Format 4 (December 2026) adds the time the initial review meeting began. Several places where
# the imagery is now are held in the column that held one, and the risk assessment's choice
# answers in the columns that held words: both already covered, so an earlier signature still
# verifies.
_COLUMNS_4 = _COLUMNS_3 | {
    "initial_review": (*_COLUMNS_3["initial_review"], "meeting_time"),
}
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    FORMAT_1: _COLUMNS_1,
    FORMAT_2: _COLUMNS_2,
    FORMAT_3: _COLUMNS_3,
    FORMAT_4: _COLUMNS_4,
}


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def _row(row: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    return {key: _value(row[key]) for key in columns}


def addendum_entry(author_id: int, created_at: datetime, text: str) -> dict[str, Any]:
    """An addendum as the canonical content holds it (before its rows exist)."""
    return {"author_id": author_id, "created_at": _value(created_at), "text": text}


def layout(
    head: dict[str, Any],
    rows: Iterable[tuple[str, dict[str, Any]]],
    addenda: Iterable[dict[str, Any]],
    form: str = FORMAT,
) -> dict[str, Any]:
    """The canonical content in format ``form``: from the incident's row, the rows of its sections
    as ``(section name, row)`` in id order, and its addenda (``addendum_entry``). Rows may hold
    more columns than the format covers. ``content`` reads them from the database; the scale
    seeder lays out rows it has planned but not written."""
    columns = COLUMNS[form]
    data: dict[str, Any] = {"format": form, "incident": _row(head, columns["incident"])}
    data.update(dict.fromkeys(name for name in ONE_TO_ONE if name in columns))
    data.update({name: [] for name in LISTS if name in columns})
    for name, row in rows:
        if name not in columns:
            continue
        if name in ONE_TO_ONE:
            data[name] = _row(row, columns[name])
        else:
            data[name].append(_row(row, columns[name]))
    data["addenda"] = sorted(addenda, key=lambda a: (a["created_at"], a["text"]))
    return data


def content(
    incident: Incident,
    extra_addendum: dict[str, Any] | None = None,
    form: str = FORMAT,
) -> dict[str, Any]:
    """The record's content as plain data (the structure the module docstring describes)."""
    head = Incident.objects.filter(pk=incident.pk).values().get()
    rows = [
        (name, row)
        for name, model in (ONE_TO_ONE | LISTS).items()
        if name in COLUMNS[form]
        for row in model._default_manager.filter(incident=incident).order_by("pk").values()
    ]
    addenda = [
        addendum_entry(a["author_id"], a["created_at"], a["text"])
        for a in Addendum.objects.filter(incident=incident).values(
            "author_id", "created_at", "text"
        )
    ]
    if extra_addendum is not None:
        addenda.append(extra_addendum)
    return layout(dict(head), rows, addenda, form)


def serialise(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_content(incident: Incident, form: str = FORMAT) -> bytes:
    """The bytes a signature's digest is taken over (format in the module docstring)."""
    return serialise(content(incident, form=form))


def digest_of(data: bytes, key_id: str | None) -> str:
    """HMAC-SHA256 (hex) of ``data`` with the key ``key_id``; plain SHA-256 when it is None."""
    return keys.mac(data, key_id)


def record_digest(incident: Incident, key_id: str | None, form: str = FORMAT) -> str:
    """The digest (hex) of the record's canonical content in format ``form``, keyed with
    ``key_id`` (``keys.current_id()`` for a new signature)."""
    return digest_of(canonical_content(incident, form), key_id)


def matches(incident: Incident, signature: Signature) -> bool:
    """Whether the record's content now has the signature's digest (in its format, with its
    key). Raises ``keys.UnknownKey`` when the signature's key is not held."""
    digest = record_digest(incident, signature.digest_key_id, signature.content_format)
    return keys.equal(digest, signature.digest)


def latest_signature(incident: Incident) -> Signature | None:
    return incident.signatures.order_by("-signed_at", "-pk").first()


@dataclass(frozen=True)
class Verification:
    intact: bool | None  # None: nothing has been signed yet
    digest: str
    signature: Signature | None
    being_written: bool = False  # sent back (or never signed): changes are expected
    missing_key: str | None = None  # the signature's key id, when this server does not hold it

    @property
    def keyed(self) -> bool:
        """Whether the latest signature's digest is keyed (HMAC) rather than a plain SHA-256."""
        return self.signature is not None and self.signature.digest_key_id is not None

    @property
    def message(self) -> str:
        if self.signature is None:
            return "This record has not been signed yet, so there is nothing to verify."
        kind = self.signature.get_kind_display().lower()
        if self.missing_key is not None:
            return (
                f"Cannot be verified: the latest signature ({kind}) was keyed with the digest key "
                f"{self.missing_key!r}, which this server does not hold. List it in "
                "SAFEGUARDING_DIGEST_KEYS after the current key."
            )
        if self.intact and not self.keyed:
            return (
                f"Intact, but unkeyed: the record's content matches the digest of its latest "
                f"signature ({kind}), a plain SHA-256 made before digests were keyed. Anyone "
                "with access to the database could have recomputed it, so this is weaker "
                "evidence than a keyed digest."
            )
        if self.intact:
            return (
                f"Intact: the record's content matches the keyed digest of its latest "
                f"signature ({kind})."
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


def _as_logged(signature: Signature) -> bool:
    """Whether the signature is the one its keyed signing event in the audit log recorded.

    A signature cannot pass for one made before keying (its key id removed, its digest a plain
    SHA-256 recomputed over changed content) when the event logged as it was made is keyed.
    A keyed event whose own hash fails has been tampered with too (``verify_audit`` says
    where), so the signature is not taken as intact either."""
    event = audit.signing_event(signature.pk)
    if event is None or event.key_id is None:
        return True
    if not audit.event_intact(event):
        return False
    if signature.digest_key_id is None:
        return False
    logged = event.data.get("digest")
    return logged is None or keys.equal(str(logged), signature.digest)


def verify(incident: Incident) -> Verification:
    """Recompute the digest, in the latest signature's format with its key, and compare."""
    signature = latest_signature(incident)
    if signature is None:
        digest = record_digest(incident, keys.current_id())
        return Verification(
            intact=None, digest=digest, signature=None, being_written=incident.status in SIGNABLE
        )
    key_id = signature.digest_key_id
    if key_id is not None and not keys.held(key_id):
        return Verification(
            intact=False,
            digest="",
            signature=signature,
            being_written=incident.status in SIGNABLE,
            missing_key=key_id,
        )
    digest = record_digest(incident, key_id, signature.content_format)
    return Verification(
        intact=keys.equal(digest, signature.digest) and _as_logged(signature),
        digest=digest,
        signature=signature,
        being_written=incident.status in SIGNABLE,
    )
