"""Scale data for benchmarks: many trusts and schools, a large history of realistic records.

``python -m bench.seed_scale --schools 300 --incidents 100000 --throwaway-database``, run from
the repository's root (it sets Django up with ``safeguarding.settings`` and the environment's
``DATABASE_URL``), fills the database with what a local authority's deployment holds after a
few years: schools of every phase and size, their staff in every role (with an authenticator
each for those who read records), and incidents at every stage of the record, each with the
people involved, the facts, the rules' results, now and then a viewing or a device search and
advice sought, decisions with their reasons, referrals, parents' contacts, deletion requests,
actions, reviews, signatures and about twenty audit events.

It is benchmark tooling (``make bench`` runs it through ``bench/run.py``), kept out of the
application and its management commands.

What it writes is what the product would have written, in the product's own terms rather than
copies of them: the audit actions are ``incidents.audit.AuditAction`` members with the data
each service or page logs; the facts given to the rules are ``requirements.facts_for``'s, stored
as ``requirements.facts_as_json`` stores them; what a decision must answer is
``requirements.of``'s, read from the rows planned so far (``PlannedRecord``): the referrals meet
its requirements, the DSL's reasons are stored by requirement code for each one they leave
unmet, and the decision's ``signoff_required`` is its ``signoff_needed``, as the decision step
saves them; a signature's meaning is ``services.MEANINGS``' and its digest is that of the
record's canonical content in the current format (``digest.layout``, ``digest.FORMAT``, stored
as the signature's ``content_format``), keyed with the current key (``keys.current_id()``,
stored as its ``digest_key_id``); parts of the record are ``record.PARTS``, the fields a
save changes and the overrides allowed are the wizard's forms'; a viewing or search keeps the
safeguards ``missing_safeguards`` names or says why not, as its form requires, and an
unavoidable viewing brings the staff-support action ``services.records`` adds for it; the
concern alert goes to ``access.alert_recipients`` of a newly reported concern. A record it
signs lacks nothing ``requirements.missing_items`` asks for. tests/test_seed_scale.py holds the
seeded data to the product's own checks (``audit.verify_chain``, ``digest.verify``,
``missing_items``, ``requirements.of``) and to the events the product's services write for a record.

How it stays fast (minutes for 100,000 incidents on two cores):

- The big tables are written with PostgreSQL's COPY (``bulk_create`` elsewhere), with ids
  assigned here, so nothing is read back; sequences are moved past the new ids at the end.
- ``incidents.rules.assess`` runs once per distinct combination of facts and policy.
- The audit log's hash chains (one per school, one for events of no school) are computed here
  with ``incidents.audit.event_hash`` over ``audit.hashed_fields`` with the current key
  (stored as each event's ``key_id``), in id order, each continuing from its chain's head
  under that chain's lock (``audit.locked_chain_head``, as ``log_action`` takes it, every
  chain's before the COPY starts), so ``verify_audit`` passes over the seeded rows as over
  any others. Events are written in time order across incidents, as a live system writes
  them.
- A signature's digest is taken over the rows as they are planned (``PlannedContent``), laid
  out by ``digest.layout`` as ``digest.content`` lays out the rows it reads back, so nothing is
  read back to sign.
- Rows are only ever inserted: the audit log and approved records refuse updates.
- Each record's history starts from the seeded rows: simple-history tables stay empty.

Deterministic for a given ``--seed``, relative to the day it runs. It invents children, so it
refuses to run unless ``DJANGO_DEBUG`` is true or ``--throwaway-database`` is given, and it
refuses to run twice on one database.
"""

from __future__ import annotations

import argparse
import heapq
import io
import json
import os
import queue
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

import django
from django.apps import apps

# Run as ``python -m bench.seed_scale``, it sets Django up itself; imported (by the tests, where
# Django is already set up), it leaves the settings alone.
if not apps.ready:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings")
    django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from incidents import keys, requirements, rules  # noqa: E402
from incidents.access import GRANT_CODENAME, NEW_CONCERN, alert_recipients  # noqa: E402
from incidents.audit import (  # noqa: E402
    AuditAction,
    UnknownAction,
    event_hash,
    hashed_fields,
    locked_chain_head,
)
from incidents.digest import (  # noqa: E402
    FORMAT,
    LISTS,
    ONE_TO_ONE,
    addendum_entry,
    digest_of,
    layout,
    serialise,
)
from incidents.forms.concern import DisclosureForm  # noqa: E402
from incidents.forms.steps import (  # noqa: E402
    SUBTYPES_OF,
    ActionForm,
    AdultForm,
    AdviceForm,
    DecisionForm,
    DeletionRequestForm,
    DeviceSearchForm,
    InitialReviewForm,
    ParentContactForm,
    ReferralForm,
    ReviewForm,
    RiskAssessmentForm,
    ViewingForm,
    YoungPersonForm,
    reason_field,
)
from incidents.models import (  # noqa: E402
    FACT_FIELDS,
    RISK_CHOICE_FIELDS,
    RISK_FIELDS,
    Action,
    ActionKind,
    Addendum,
    Adult,
    AdviceAgency,
    AdviceSought,
    Agency,
    AnswerChoice,
    AssessmentResult,
    AuditEvent,
    ChildAction,
    ContactMethod,
    Decision,
    DecisionOutcome,
    DeletionRequest,
    DeviceOwnership,
    DeviceSearch,
    DisclosedBy,
    Disclosure,
    ImageKind,
    ImageryLocation,
    ImageryOrigin,
    ImageryViewing,
    Incident,
    IncidentUserObjectPermission,
    InitialReview,
    Membership,
    NotInformedDecidedWith,
    ParentContact,
    Phase,
    Referral,
    Review,
    RiskAssessment,
    RiskRating,
    Role,
    School,
    Sex,
    Signature,
    SignatureKind,
    Status,
    Trust,
    User,
    ViewingGround,
    YoungPerson,
    split_locations,
)
from incidents.record import PARTS  # noqa: E402
from incidents.services import MEANINGS  # noqa: E402
from incidents.services.records import (  # noqa: E402
    STAFF_SUPPORT_DUE,
    staff_support_description,
)

SLUG_PREFIX = "scale-"
FLUSH_ROWS = 20_000
YEARS_OF_HISTORY = 5

FIRST_NAMES = [
    "Amelia",
    "Olivia",
    "Isla",
    "Ava",
    "Mia",
    "Ivy",
    "Lily",
    "Freya",
    "Grace",
    "Sophia",
    "Evie",
    "Ella",
    "Poppy",
    "Willow",
    "Rosie",
    "Aisha",
    "Zara",
    "Maya",
    "Priya",
    "Hannah",
    "Chloe",
    "Ruby",
    "Erin",
    "Leah",
    "Noah",
    "Oliver",
    "George",
    "Leo",
    "Arthur",
    "Muhammad",
    "Oscar",
    "Harry",
    "Jack",
    "Charlie",
    "Jacob",
    "Thomas",
    "Alfie",
    "Ethan",
    "Joshua",
    "Samuel",
    "Kai",
    "Adam",
    "Reuben",
    "Tyler",
    "Dylan",
    "Kofi",
    "Ravi",
    "Tomasz",
    "Callum",
    "Owen",
]
LAST_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Wright",
    "Robinson",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Khan",
    "Ali",
    "Hughes",
    "Edwards",
    "Lewis",
    "Harris",
    "Martin",
    "Cooper",
    "King",
    "Lee",
    "Ahmed",
    "Baker",
    "Hill",
    "Morris",
    "Kaur",
    "Singh",
    "Okafor",
    "Nowak",
    "Murphy",
    "Kelly",
    "Byrne",
    "Campbell",
    "Stewart",
    "Price",
    "Bennett",
    "Shaw",
    "Ellis",
    "Reid",
]
PLACES = [
    "Oakfield",
    "Riverside",
    "Elmwood",
    "Hillside",
    "Meadow",
    "Ashgrove",
    "Brookfield",
    "Castle",
    "Fairfield",
    "Highfield",
    "Kingsley",
    "Lakeside",
    "Millbrook",
    "Northgate",
    "Parkside",
    "Queensway",
    "Redhill",
    "Southfield",
    "Westbury",
    "Whitmore",
    "Beacon",
    "Canal",
    "Dudley",
    "Penn",
    "Tettenhall",
    "Bilston",
    "Wednesfield",
    "Heath",
    "Moseley",
    "Aldersley",
]
SCHOOL_KINDS = {
    Phase.PRIMARY: ("Primary School", "Junior School", "Infant and Junior School"),
    Phase.SECONDARY: ("Academy", "High School", "School"),
    Phase.ALL_THROUGH: ("All-through Academy",),
    Phase.SPECIAL: ("Special School",),
}

A, N, U = AnswerChoice.YES, AnswerChoice.NO, AnswerChoice.UNKNOWN
# Scenarios drawn from the policies' examples: the typology's branches, weighted roughly as
# schools meet them. Each is a starting point; answers are then perturbed per incident.
SCENARIOS = (
    # weight, answers (unset facts are "no")
    (30, {"romantic_relationship": A}),
    (12, {"attention_seeking": A}),
    (10, {"sent_to_others": A}),
    (15, {"intent_to_harm": A, "shared_without_consent": A, "sent_to_others": A}),
    (16, {"shared_without_consent": A, "sent_to_others": A}),
    (7, {"adult_involved": A, "coerced": A}),
    (8, {"coerced": A, "sent_to_others": A}),
    (2, {"capacity_concern": A, "sent_to_others": A}),
)
SCENARIO_WEIGHTS = [w for w, _ in SCENARIOS]

ACCOUNTS = (
    "A friend told the form tutor that a picture had been passed round a group chat.",
    "The young person came to the DSL and said they had been asked for a picture.",
    "A parent phoned the school office about messages found on their child's phone.",
    "A member of staff overheard pupils talking about a picture shared at the weekend.",
    "The filtering system flagged a search on a school laptop during a lesson.",
    "A pupil told a teaching assistant that a picture of them was being shared.",
)
DISCLOSED_TO = (
    "Form tutor",
    "Head of year",
    "Teaching assistant",
    "School office",
    "Designated Safeguarding Lead",
)
PLATFORMS = ("Snapchat", "WhatsApp", "Instagram", "TikTok", "Not known", "")
ACTION_TEXT = {
    ActionKind.PASTORAL: "Weekly check-in with the head of year.",
    ActionKind.COUNSELLING: "Referral to the school counsellor.",
    ActionKind.EDUCATION: "Sessions on consent and sharing from the PSHE lead.",
    ActionKind.SANCTION: "Sanction under the behaviour policy, recorded separately.",
    ActionKind.STAFF_SUPPORT: "Support offered to the member of staff involved.",
    ActionKind.CONTAINMENT: "Ask the group chat's members to delete the picture.",
    ActionKind.OTHER: "Follow-up call with the family.",
}
# The risk assessment's yes / no / not known questions are answered by a choice.
RISK_CHOICES = ("yes", "no", "no", "unknown")
RISK_ANSWERS = (
    "As far as is known, between the two of them only.",
    "Not known yet; to be asked at the next meeting.",
    "Shared in a group chat of about ten pupils.",
    "No sign of pressure; both describe it the same way.",
)
# Every decision states its reasons (the decision form requires them).
DECISION_REASONS = {
    DecisionOutcome.REFERRED: "Referred as the policy asks; the school supports the young people "
    "alongside the agencies involved.",
    DecisionOutcome.HANDLED_IN_SCHOOL: "Experimental, no criteria met: handled in school with "
    "the parents' knowledge.",
}
# The DSL's written reasons for a requirement no referral meets, by requirement code
# (``requirements.of``; the decision form has a box for each).
UNMET_REASONS = {
    requirements.NOT_REFERRED: "No adult, no coercion, no intent to harm: the school can manage "
    "the risks with the families.",
    requirements.POLICE: "The MASH takes the referral and will involve the police if they need to.",
}
# Advice sought before deciding (never a referral): whom the DSL spoke to, and what came of it.
ADVICE = {
    AdviceAgency.MASH: ("Duty social worker, the MASH", "Handle it in school with the parents."),
    AdviceAgency.POLICE_101: (
        "Local police officer (101)",
        "Police action is not necessary; the school to speak to the parents.",
    ),
    AdviceAgency.LOCAL_AUTHORITY: (
        "Education safeguarding team",
        "Follow the policy's initial review; no referral needed on these facts.",
    ),
}
ADVICE_AGENCIES = tuple(ADVICE)


# Choice values, listed once: ``Choices.values`` builds a new list on every call.
CHOICES = {
    kind: tuple(kind.values)
    for kind in (DisclosedBy, ImageKind, ImageryLocation, ViewingGround, ContactMethod, ActionKind)
}


def changed(form, *names: str) -> list[str]:
    """What saving a wizard form logs as changed: its fields' names (``names``, or all of them),
    sorted as ``services.save_step`` writes them; a name the form does not have is an error."""
    unknown = set(names) - set(form.base_fields)
    if unknown:
        raise ValueError(f"{form.__name__} has no field {', '.join(sorted(unknown))}")
    return sorted(names or form.base_fields)


# The fields each seeded save of a part of the record changes, by the product's forms.
FIELDS = {
    "disclosure": changed(DisclosureForm, "platforms", "how_widely_shared"),
    "young_people": changed(YoungPersonForm),
    "adult": changed(AdultForm),
    "initial_review": changed(InitialReviewForm, "meeting_date", "attendees", *FACT_FIELDS),
    "risk_assessment": changed(RiskAssessmentForm, "rating", *RISK_FIELDS),
    "viewing": changed(ViewingForm),
    "device_search": changed(DeviceSearchForm),
    "referral": changed(ReferralForm),
    "advice": changed(AdviceForm),
    "parent_contact": changed(ParentContactForm),
    "deletion": changed(DeletionRequestForm),
    "action": changed(ActionForm),
    "review": changed(ReviewForm, "reviewed_on", "outcome"),
}


def prefix_for(index: int) -> str:
    """A unique four-letter reference prefix: S followed by the index in base 26."""
    letters = []
    for _ in range(3):
        index, digit = divmod(index, 26)
        letters.append(chr(ord("A") + digit))
    return "S" + "".join(reversed(letters))


# What a decision answers (``requirements.of``'s requirements): a referral should meet these.
REFERRAL_LEVELS = (requirements.REQUIRED, requirements.ADVISED)


def referrals_asked(asked: requirements.Requirements) -> list[requirements.Requirement]:
    """The requirements a referral should meet and none does."""
    return [r for r in asked.unmet if r.level in REFERRAL_LEVELS]


def unmet_reasons(asked: requirements.Requirements) -> dict[str, str]:
    """The DSL's written reasons, by requirement code, for each requirement that needs them."""
    reasons = {}
    for requirement in asked:
        if requirement.needs_reasons:
            if requirement.code not in UNMET_REASONS:
                raise ValueError(f"no reasons to write for {requirement.code!r}: add them")
            reasons[requirement.code] = UNMET_REASONS[requirement.code]
    return reasons


def decision_fields(boxes: list[requirements.Requirement], reasons: dict[str, str]) -> list[str]:
    """What saving a new decision logs as changed: the form's outcome, date and reasons, and
    the reasons box of each requirement written in (``boxes``: those its form has)."""
    unknown = set(reasons) - {r.code for r in boxes}
    if unknown:
        raise ValueError(f"the decision form has no reasons box for {', '.join(sorted(unknown))}")
    written = [reason_field(code) for code in reasons]
    return sorted([*changed(DecisionForm, "outcome", "decided_at", "reasons"), *written])


# --------------------------------------------------------------------------------------------
# Writing rows fast.
# --------------------------------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        return value.translate(_ESCAPES)
    if kind is bool:
        return "t" if value else "f"
    if kind is int:
        return str(value)
    if kind is datetime or kind is date:
        return value.isoformat()
    if kind is dict or kind is list:
        return json.dumps(value).translate(_ESCAPES)
    return str(value).translate(_ESCAPES)


class Copier:
    """Runs COPY statements one after another on a thread of their own.

    The server parses and indexes one batch while this process builds the next: on two cores
    that is nearly twice as fast. The thread uses this connection's own psycopg2 connection, so
    every batch is in the command's one transaction; nothing else uses it until ``close``.
    """

    def __init__(self):
        connection.ensure_connection()
        self.raw = connection.connection
        self.queue = queue.Queue(maxsize=4)
        self.error = None
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while True:
            job = self.queue.get()
            if job is None:
                return
            if self.error is None:
                try:
                    with self.raw.cursor() as cursor:
                        cursor.copy_expert(*job)
                except Exception as exc:  # noqa: BLE001 - re-raised by close()
                    self.error = exc

    def submit(self, sql: str, buffer) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((sql, buffer))

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


class Table:
    """Rows of one model, with ids assigned here, written in batches by COPY (or bulk_create).

    ``add`` takes field attnames (``incident_id``, not ``incident``); a field left out takes its
    model default, and one with no default must be given. Each row added is also appended, with
    its table, to ``sink`` if one is given (the rows a signature's digest covers).
    """

    def __init__(self, model, *, copier=None, defer=False, sink=None):
        self.model = model
        self.copier = copier
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.defaults = {}
        for f in self.fields:
            if f.has_default():
                self.defaults[f.attname] = f.get_default()
            elif f.null:
                self.defaults[f.attname] = None
            elif f.blank and f.get_internal_type() in ("CharField", "TextField"):
                self.defaults[f.attname] = ""
        last = model.objects.aggregate(m=Max("pk"))["m"] or 0
        self.next_id = last + 1
        self.rows = []
        self.count = 0
        # The incidents are written last, so each record's rows exist before its status does.
        self.defer = defer
        self.sink = sink

    def complete(self, values: dict[str, Any]) -> list:
        """The row as it will be written: every column, a default for each one not given."""
        defaults = self.defaults
        try:
            return [values[a] if a in values else defaults[a] for a in self.attnames]
        except KeyError as exc:
            raise ValueError(f"{self.model.__name__}: no value for {exc.args[0]}") from None

    def add(self, **values) -> int:
        pk = self.next_id
        self.next_id += 1
        values["id"] = pk
        row = self.complete(values)
        self.rows.append(row)
        if self.sink is not None:
            self.sink.append((self, row))
        self.count += 1
        if not self.defer and len(self.rows) >= FLUSH_ROWS:
            self.flush()
        return pk

    def flush(self) -> None:
        if not self.rows:
            return
        if self.copier is not None:
            buffer = io.StringIO()
            buffer.writelines("\t".join([copy_text(v) for v in row]) + "\n" for row in self.rows)
            buffer.seek(0)
            columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
            table = connection.ops.quote_name(self.model._meta.db_table)
            self.copier.submit(f"COPY {table} ({columns}) FROM STDIN", buffer)
        else:
            self.model.objects.bulk_create(
                [self.model(**dict(zip(self.attnames, row, strict=True))) for row in self.rows],
                batch_size=500,
            )
        self.rows = []


# The action names log_action accepts, listed once (``Choices.values`` builds a list a call).
ACTIONS = frozenset(AuditAction.values)


class PlannedPerson(NamedTuple):
    """What ``requirements.facts_for`` reads of a young person, before the row is written
    (a model instance costs a hundred times as much to make)."""

    date_of_birth: date | None
    age_if_no_date_of_birth: int | None
    known_to_social_care: str

    age_at = YoungPerson.age_at  # the product's own reckoning of an age


class EventRow(NamedTuple):
    """An audit event's fields, as ``incidents.audit.hashed_fields`` reads them from a row."""

    at: datetime
    user_id: int | None
    username: str
    action: str
    school_id: int | None
    incident_id: int | None
    ip_address: str | None
    data: dict[str, Any]


class AuditWriter:
    """Audit events in time order across incidents, each chained to the one before.

    Events of every incident are pushed as they are planned; ``release(before)`` writes, in
    time order, those earlier than ``before`` (the next incident's start), so the heap holds
    only the events of incidents still in progress. What ``log_action`` writes one row at a
    time, in bulk: only an ``AuditAction`` is accepted, and each row's hash is
    ``incidents.audit.event_hash`` over ``incidents.audit.hashed_fields``, keyed with the
    current key as ``log_action`` keys it.
    """

    def __init__(self, copier, heads: dict[int | None, str]):
        self.table = Table(AuditEvent, copier=copier)
        self.heap = []
        self.counter = 0
        # Each chain's head (by school id, None for the deployment chain), read under its lock
        # before the COPY thread starts.
        self.heads = heads
        self.key_id = keys.current_id()

    def push(self, at, action, user, *, school_id=None, incident_id=None, ip=None, data=None):
        if action not in ACTIONS:
            raise UnknownAction(f"{action!r} is not an audit action: add it to AuditAction first")
        self.counter += 1
        heapq.heappush(
            self.heap,
            (at, self.counter, str(action), user, school_id, incident_id, ip, data or {}),
        )

    def release(self, before=None) -> None:
        heap = self.heap
        while heap and (before is None or heap[0][0] < before):
            at, _n, action, user, school_id, incident_id, ip, data = heapq.heappop(heap)
            user_id, username = (user.pk, user.username) if user is not None else (None, "")
            row = EventRow(at, user_id, username, action, school_id, incident_id, ip, data)
            previous = self.heads[school_id]
            digest = event_hash(previous, hashed_fields(row), self.key_id)
            self.table.add(**row._asdict(), previous_hash=previous, hash=digest, key_id=self.key_id)
            self.heads[school_id] = digest


# --------------------------------------------------------------------------------------------
# What a signature covers.
# --------------------------------------------------------------------------------------------

# Each model of the record's content, by the name ``incidents.digest`` gives it in the content
# (the names a loaded record's sections and lists have too).
CONTENT_NAMES = {model: name for name, model in (ONE_TO_ONE | LISTS).items()}
# When a row of the content was written (a rules' result is computed, not created).
WRITTEN_AT = {AssessmentResult: "computed_at"}


class PlannedContent:
    """A record's canonical content (``incidents.digest``), from rows not yet written.

    ``digest.content`` reads the record from the database; the seeder signs rows it has only
    planned, so it gives them to ``digest.layout`` (which ``digest.content`` uses for the rows
    it reads) in the current format, with ``digest``'s addendum entry and serialisation. The
    digest at a moment covers the rows written by then, as the signing service's digest covers
    the record as it stands when it signs. tests/test_seed_scale.py holds every signed record
    to ``digest.verify``.
    """

    def __init__(self, head: dict[str, Any], rows: list[tuple[Table, list]]):
        self.head = head
        self.rows = []
        for table, row in rows:
            values = dict(zip(table.attnames, row, strict=True))
            written = values[WRITTEN_AT.get(table.model, "created_at")]
            self.rows.append((written, CONTENT_NAMES[table.model], values))
        self.addenda = []
        self.digests = {}
        self.key_id = keys.current_id()

    def add_addendum(self, author_id: int, at: datetime, text: str) -> None:
        self.addenda.append(addendum_entry(author_id, at, text))

    def digest_at(self, at: datetime) -> str:
        """The keyed digest of the content as it stood at ``at``, as ``digest.record_digest``
        takes it with the current key (``self.key_id``)."""
        included = tuple(i for i, row in enumerate(self.rows) if row[0] <= at)
        key = (included, len(self.addenda))
        if key not in self.digests:
            # Rows were planned in id order, as digest.content reads them.
            rows = [self.rows[i][1:] for i in included]
            data = layout(self.head, rows, list(self.addenda), FORMAT)
            self.digests[key] = digest_of(serialise(data), self.key_id)
        return self.digests[key]


class PlannedList(list):
    """Planned rows, read as a loaded record's list is (``.all()``)."""

    def all(self) -> PlannedList:
        return self


class PlannedRecord:
    """The record as ``incidents.record.load`` gives it, from the rows planned so far, for the
    product's own reading of it (``requirements.of``) before anything is written.

    Each section is under its name (None until planned), each list a ``PlannedList``, each row
    a namespace of its columns (attnames, with ``pk``): a model instance costs a hundred times as
    much to make. Related objects are not attached (``decision.headteacher_signoff_by``), so it
    is read before the decision is planned, as the decision step reads the record it saves.
    """

    def __init__(self, rows: list[tuple[Table, list]]):
        for name in ONE_TO_ONE:
            setattr(self, name, None)
        for name in LISTS:
            setattr(self, name, PlannedList())
        for table, planned in rows:
            values = dict(zip(table.attnames, planned, strict=True))
            row = SimpleNamespace(pk=values["id"], **values)
            if table.model is Disclosure:
                # The model's one derived value the requirements read: the places, as a list.
                row.locations = split_locations(values["imagery_location"])
            name = CONTENT_NAMES[table.model]
            if name in ONE_TO_ONE:
                setattr(self, name, row)
            else:
                getattr(self, name).append(row)
        self._asked = {}

    def asks(self, agencies, reasons=None) -> requirements.Requirements:
        """``requirements.of`` this record, with referrals to ``agencies`` typed and ``reasons``
        written, as the decision step asks it of the record it saves (each answer kept)."""
        key = (frozenset(agencies), tuple(sorted((reasons or {}).items())))
        if key not in self._asked:
            self._asked[key] = requirements.of(self, agencies=set(agencies), reasons=reasons)
        return self._asked[key]


# --------------------------------------------------------------------------------------------
# One record as it is planned.
# --------------------------------------------------------------------------------------------


@dataclass
class Signing:
    """A signature to write once the record's content is known (``Seeder.finish``)."""

    at: datetime
    kind: str
    user: User
    role: str
    reason: str = ""
    decision_id: int | None = None  # the decision a non-referral sign-off signs off
    addendum: str = ""  # the text an addendum signature signs


@dataclass
class Record:
    """An incident being planned: its row, its audit events and what is signed on it.

    ``events`` are the record's own (its school and incident named, from the DSL's address);
    ``signins`` belong to no school or record. Each is ``(at, action, user, data)``.
    """

    incident_id: int
    school: School
    ip: str
    values: dict[str, Any]
    events: list[tuple] = field(default_factory=list)
    signins: list[tuple] = field(default_factory=list)
    signing: list[Signing] = field(default_factory=list)

    def sign(self, at, kind, user, role, **details) -> None:
        self.signing.append(Signing(at, kind, user, role, **details))


def signing_event(kind, *, signature_id, digest, decision_id, addendum_id):
    """The action and data the signing service of ``kind`` logs (incidents.services.signing)."""
    if kind == SignatureKind.SIGNED:
        return AuditAction.SIGNED, {"signature_id": signature_id, "digest": digest}
    if kind == SignatureKind.APPROVED:
        return AuditAction.APPROVED, {"signature_id": signature_id, "digest": digest}
    if kind == SignatureKind.SENT_BACK:
        return AuditAction.SENT_BACK, {"signature_id": signature_id}
    if kind == SignatureKind.NON_REFERRAL_SIGNOFF:
        data = {"signature_id": signature_id, "decision_id": decision_id}
        return AuditAction.NON_REFERRAL_SIGNED_OFF, data
    if kind == SignatureKind.ADDENDUM:
        return AuditAction.ADDENDUM_ADDED, {
            "addendum_id": addendum_id,
            "signature_id": signature_id,
        }
    raise ValueError(f"no signing service writes a signature of kind {kind!r}")


# --------------------------------------------------------------------------------------------
# The seeder.
# --------------------------------------------------------------------------------------------


class SeedError(Exception):
    """The seeder refused to run; nothing was written."""


def run(
    *,
    schools: int = 300,
    incidents: int = 100_000,
    seed: int = 2026,
    throwaway_database: bool = False,
    verbosity: int = 1,
    stdout=None,
) -> Seeder:
    """Fill the configured database; raise ``SeedError`` (writing nothing) when it refuses."""
    seeder = Seeder(seed=seed, verbosity=verbosity, stdout=stdout or sys.stdout)
    seeder.handle(schools, incidents, throwaway_database=throwaway_database)
    return seeder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.seed_scale",
        description="Fill the database with many schools and a large history of records, "
        "for benchmarks.",
    )
    parser.add_argument("--schools", type=int, default=300)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--throwaway-database",
        action="store_true",
        help="Allow invented records with DJANGO_DEBUG off (benchmarks on a scratch database).",
    )
    parser.add_argument(
        "-v", "--verbosity", type=int, default=1, choices=(0, 1, 2, 3), help="2: progress"
    )
    options = parser.parse_args(argv)
    try:
        run(
            schools=options.schools,
            incidents=options.incidents,
            seed=options.seed,
            throwaway_database=options.throwaway_database,
            verbosity=options.verbosity,
        )
    except SeedError as exc:
        print(f"seed_scale: {exc}", file=sys.stderr)
        return 2
    return 0


class Seeder:
    def __init__(self, *, seed: int, verbosity: int, stdout):
        self.rng = random.Random(seed)
        self.verbosity = verbosity
        self.stdout = stdout

    def handle(self, schools: int, incidents: int, *, throwaway_database: bool) -> None:
        if not (settings.DEBUG or throwaway_database):
            raise SeedError(
                "seed_scale invents children: it runs only with DJANGO_DEBUG=true or, on a "
                "scratch database, with --throwaway-database."
            )
        if schools < 1 or incidents < 0:
            raise SeedError("--schools must be at least 1 and --incidents not negative.")
        if School.objects.filter(slug__startswith=SLUG_PREFIX).exists():
            raise SeedError("Scale data is already loaded in this database: use a fresh one.")
        started = time.monotonic()
        # Every date is relative to the start of today, so a run is repeatable within a day and
        # nothing is dated after the moment it is written.
        self.anchor = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.today = self.anchor.date()
        self.assess_cache = {}
        # The seed writes each audit chain as log_action does, holding each chain's lock from
        # its first event to the commit.
        with transaction.atomic():
            self.create_schools(schools)
            self.create_incidents(incidents)
            self.progress(f"  rows written ({time.monotonic() - started:.0f} s); committing")
        self.progress(f"  committed ({time.monotonic() - started:.0f} s)")
        self.reset_sequences()
        self.stdout.write(
            f"Seeded {schools} schools and {incidents} incidents "
            f"({self.audit.table.count} audit events, {len(self.assess_cache)} distinct "
            f"assessments) in {time.monotonic() - started:.0f} s.\n"
        )

    def progress(self, message: str) -> None:
        if self.verbosity > 1:
            self.stdout.write(message + "\n")
            self.stdout.flush()

    # Schools and people ----------------------------------------------------------------------

    def create_schools(self, count: int) -> None:
        rng = self.rng
        trusts = Trust.objects.bulk_create(
            [
                Trust(name=f"{PLACES[i % len(PLACES)]} Learning Trust {i + 1}", slug=f"scale-t{i}")
                for i in range(max(1, count // 12))
            ]
        )
        taken = set(School.objects.values_list("reference_prefix", flat=True))
        schools = []
        for i in range(count):
            phase = rng.choices(
                [Phase.PRIMARY, Phase.SECONDARY, Phase.ALL_THROUGH, Phase.SPECIAL],
                weights=[60, 32, 4, 4],
            )[0]
            prefix = prefix_for(i)
            if prefix in taken:
                raise SeedError(f"A school already uses the reference prefix {prefix}.")
            place = PLACES[i % len(PLACES)]
            schools.append(
                School(
                    # About one school in seven stands alone, outside any trust.
                    trust=None if rng.random() < 0.15 else rng.choice(trusts),
                    name=f"{place} {rng.choice(SCHOOL_KINDS[phase])} ({i + 1})",
                    slug=f"{SLUG_PREFIX}{i:04d}",
                    phase=phase,
                    reference_prefix=prefix,
                    policy_profile=rng.choices(
                        [p.name for p in rules.policies()], weights=[80, 20]
                    )[0],
                )
            )
        self.schools = School.objects.bulk_create(schools)
        # Accounts never sign in with a password here: the benchmark opens sessions itself.
        unusable = make_password(None)
        users, memberships = [], []
        now = timezone.now()  # seeded roles are confirmed (in effect)
        self.staff = {}
        roles = (
            ("dsl", Role.DSL),
            ("deputy", Role.DEPUTY_DSL),
            ("head", Role.HEADTEACHER),
            ("staff1", Role.STAFF),
            ("staff2", Role.STAFF),
        )
        for school in self.schools:
            people = {}
            for short, role in roles:
                user = User(
                    username=f"{school.reference_prefix.lower()}-{short}",
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    email=f"{school.reference_prefix.lower()}-{short}@example.org",
                    password=unusable,
                )
                users.append(user)
                people[short] = (user, role)
            self.staff[school.pk] = people
        leads = {}
        for trust in trusts:
            lead = User(
                username=f"{trust.slug}-lead",
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                password=unusable,
            )
            users.append(lead)
            leads[trust.pk] = lead
        User.objects.bulk_create(users)
        for school in self.schools:
            for user, role in self.staff[school.pk].values():
                memberships.append(
                    Membership(user=user, school=school, role=role, confirmed_at=now)
                )
        for trust_id, lead in leads.items():
            memberships.append(
                Membership(user=lead, trust_id=trust_id, role=Role.TRUST_LEAD, confirmed_at=now)
            )
        Membership.objects.bulk_create(memberships)
        # Everyone who reads records has an authenticator (a second factor).
        readers = [m.user for m in memberships if m.role != Role.STAFF]
        devices = TOTPDevice.objects.bulk_create(
            [
                TOTPDevice(
                    user=user, name="Authenticator", confirmed=True, key=rng.randbytes(20).hex()
                )
                for user in readers
            ]
        )
        # A sign-in names the authenticator that gave the second factor.
        self.device_of = {device.user_id: device.pk for device in devices}
        # Who the concern alert goes to, as the product chooses them (one query a school).
        self.alert_recipients = {
            school.pk: [
                user.pk for user in alert_recipients(Incident(school=school, status=NEW_CONCERN))
            ]
            for school in self.schools
        }
        self.grant_permission_id = Permission.objects.get(
            codename=GRANT_CODENAME, content_type__app_label="incidents"
        ).pk

    # Incidents ------------------------------------------------------------------------------

    def create_incidents(self, count: int) -> None:
        rng = self.rng
        # Every chain the seed writes to, locked until the seed commits (as log_action locks
        # one), its head read before the COPY thread takes the connection.
        heads = {pk: locked_chain_head(pk) for pk in [None, *(s.pk for s in self.schools)]}
        copier = Copier() if connection.vendor == "postgresql" else None
        # The rows of the record being planned that its signatures cover (incidents.digest).
        self.planned = []
        self.tables = {
            model: Table(
                model,
                copier=copier,
                defer=model is Incident,
                sink=self.planned if model in CONTENT_NAMES else None,
            )
            for model in (
                Incident,
                Disclosure,
                YoungPerson,
                Adult,
                InitialReview,
                RiskAssessment,
                AssessmentResult,
                ImageryViewing,
                DeviceSearch,
                Decision,
                Referral,
                AdviceSought,
                ParentContact,
                DeletionRequest,
                Action,
                Review,
                Signature,
                Addendum,
                IncidentUserObjectPermission,
            )
        }
        self.audit = AuditWriter(copier, heads)
        # Secondary schools meet far more of these incidents than primaries; sizes vary widely.
        size = {Phase.PRIMARY: 0.4, Phase.SECONDARY: 3.0, Phase.ALL_THROUGH: 3.0}
        weights = [size.get(s.phase, 0.6) * rng.lognormvariate(0, 0.5) for s in self.schools]
        chosen = rng.choices(self.schools, weights=weights, k=count)
        span = YEARS_OF_HISTORY * 365 * 24 * 3600
        # Disclosures fall in the school day; the last one an hour before the anchor.
        starts = sorted(
            (
                min(
                    (self.anchor - timedelta(seconds=rng.randrange(3600, span))).replace(
                        hour=rng.randint(8, 15)
                    ),
                    self.anchor - timedelta(hours=1),
                ),
                school.pk,
            )
            for school in chosen
        )
        by_pk = {school.pk: school for school in self.schools}
        sequences = {}
        tick = time.monotonic()
        for n, (disclosed_at, school_pk) in enumerate(starts, 1):
            school = by_pk[school_pk]
            self.audit.release(before=disclosed_at)
            self.create_incident(school, disclosed_at, sequences)
            if n % 10_000 == 0:
                self.progress(f"  {n} incidents ({time.monotonic() - tick:.0f} s)")
        self.audit.release()
        # The incidents last: a section's row may not be added to an approved record
        # (incidents.models.locking), so every section is in before its incident's status is.
        incident_table = self.tables[Incident]
        for table in (*self.tables.values(), self.audit.table):
            if table is not incident_table:
                table.flush()
        incident_table.flush()
        if copier is not None:
            copier.close()

    def facts(self):
        """The answers of the initial review, from a scenario, a little perturbed."""
        rng = self.rng
        _w, base = rng.choices(SCENARIOS, weights=SCENARIO_WEIGHTS)[0]
        answers = {name: base.get(name, N) for name in FACT_FIELDS}
        for name, p in (
            ("immediate_risk_of_harm", 0.03),
            ("unusual_or_violent_content", 0.03),
            ("depicts_sexual_acts", 0.2),
        ):
            if rng.random() < p:
                answers[name] = A
        for name in FACT_FIELDS:
            if rng.random() < 0.05:
                answers[name] = U
        return answers

    def assess(self, incident_date, people, policy, answers=None, rating=None):
        """The rules' result and the facts it stores, for the record as written so far.

        The facts are the product's (``requirements.facts_for``), read from the rows about to
        be written: the young people, the initial review's ``answers`` and the risk assessment's
        ``rating`` once there are any. The rules run once per distinct facts and policy.
        """
        planned = SimpleNamespace(
            incident_date=incident_date,
            young_people=SimpleNamespace(all=lambda: people),
            # How the imagery came about is left at its default (not known), as written.
            initial_review=None
            if answers is None
            else SimpleNamespace(**answers, imagery_origin=ImageryOrigin.UNKNOWN),
            risk_assessment=None if rating is None else SimpleNamespace(rating=rating),
        )
        facts = requirements.facts_for(planned)
        key = (facts, policy)
        cached = self.assess_cache.get(key)
        if cached is None:
            cached = (rules.assess(facts, policy=policy), requirements.facts_as_json(facts))
            self.assess_cache[key] = cached
        return cached

    def create_incident(self, school, disclosed_at, sequences) -> None:
        rng = self.rng
        t = self.tables
        self.planned.clear()
        anchor = self.anchor
        people = self.staff[school.pk]
        dsl = people["dsl"][0]
        deputy = people["deputy"][0]
        head = people["head"][0]
        reporter = people[rng.choice(("staff1", "staff2", "staff1", "dsl"))][0]
        ip = f"10.{school.pk % 250}.{rng.randint(0, 3)}.{rng.randint(2, 250)}"
        school_id = school.pk

        def later(moment, low_minutes, high_minutes):
            return moment + timedelta(
                minutes=rng.uniform(low_minutes, high_minutes), microseconds=rng.randrange(10**6)
            )

        # The record's timeline; a stage happens only if its moment has passed. A few records
        # stall at a stage for good (a DSL who left, a case passed to the police, a record
        # left waiting for the headteacher's approval): every school has some of each.
        opened = later(disclosed_at, 5, 180)
        stall = rng.choices(range(1, 7), weights=(2, 2, 2, 1, 1, 3))[0]
        if rng.random() >= 0.04:
            stall = 99
        moments = {}
        moments["started"] = later(opened, 10, 1440)
        moments["reviewed"] = later(moments["started"], 60, 3 * 1440)
        # The decision follows the rules' result and any viewing or search (at most 21 hours
        # after the meeting), as the decision step follows the assessment step.
        moments["decided"] = later(moments["reviewed"], 21 * 60, 3 * 1440)
        moments["followed_up"] = later(moments["decided"], 60, 3 * 1440)
        moments["closed"] = later(moments["followed_up"], 7 * 1440, 30 * 1440)
        moments["signed"] = later(moments["closed"], 60, 3 * 1440)
        moments["approved"] = later(moments["signed"], 60, 7 * 1440)
        order = list(moments)
        # A stage counts as reached a day before the anchor, so the entries that follow it
        # within a day (referrals, parents' contacts) are not dated in the future either.
        cutoff = anchor - timedelta(days=1)
        reached = {stage for i, stage in enumerate(order) if moments[stage] < cutoff and i < stall}
        if "approved" in reached:
            status = Status.APPROVED
        elif "signed" in reached:
            status = Status.AWAITING_APPROVAL
        elif "started" in reached:
            status = Status.UNDER_REVIEW
        else:
            status = Status.REPORTED

        # The year of the reference is the school's, when the incident was opened.
        year = timezone.localdate(opened).year
        sequence = sequences.get((school_id, year), 0) + 1
        sequences[(school_id, year)] = sequence
        incident_date = (disclosed_at - timedelta(days=rng.choice((0, 0, 1, 2, 5, 14)))).date()
        incident_id = t[Incident].next_id
        record = Record(
            incident_id=incident_id,
            school=school,
            ip=ip,
            values={
                "school_id": school_id,
                # As services.records.next_reference makes it.
                "reference": f"{school.reference_prefix}-{year}-{sequence:04d}",
                "year": year,
                "sequence": sequence,
                "status": status,
                "incident_date": incident_date,
                "disclosed_at": disclosed_at,
                "reported_by_id": reporter.pk,
                "created_at": opened,
                "updated_at": opened,
            },
        )
        events = record.events
        sign = record.sign
        events.append((opened, AuditAction.OPENED, reporter, None))
        version = 1

        def entry(user, at, updated_by=None, updated_at=None):
            """Who wrote a row and when; who last saved it and when, if someone later did."""
            return {
                "created_by_id": user.pk,
                "updated_by_id": (updated_by or user).pk,
                "created_at": at,
                "updated_at": updated_at or at,
            }

        def done_on(due):
            """When an action due on ``due`` was done: nearly all on closed records, by then."""
            if due < self.today and rng.random() < (0.97 if status == Status.APPROVED else 0.5):
                return due - timedelta(days=rng.randint(0, 2))
            return None

        def step(at, user, name, fields):
            """A part of the record saved (``services.save_step``): a new version, an event."""
            nonlocal version
            if name not in PARTS:
                raise ValueError(f"{name!r} is not a part of the record (record.PARTS)")
            version += 1
            events.append((at, AuditAction.STEP_SAVED, user, {"step": name, "fields": fields}))

        # Step 1: the concern as reported, then checked and completed by the DSL, who saves it
        # when the review starts (the disclosure step stamps ``checked_at``).
        checked_at = moments["started"] if "started" in reached else None
        t[Disclosure].add(
            incident_id=incident_id,
            disclosed_by=rng.choice(CHOICES[DisclosedBy]),
            disclosed_by_name="",
            disclosed_to=rng.choice(DISCLOSED_TO),
            child_action=rng.choice(
                (
                    ChildAction.RECEIVING,
                    ChildAction.SENDING,
                    ChildAction.SHARING,
                    ChildAction.NOT_APPLICABLE,
                    ChildAction.NOT_APPLICABLE,
                )
            ),
            account=rng.choice(ACCOUNTS),
            image_kind=rng.choice(CHOICES[ImageKind]),
            imagery_description="Described as a picture; no one in school has seen it.",
            how_widely_shared=rng.choice(("Not known", "Two pupils", "A group chat")),
            platforms=rng.choice(PLATFORMS),
            imagery_location=rng.choice(CHOICES[ImageryLocation]),
            other_young_people="",
            needs_immediate_support=rng.choice((N, N, N, A, U)),
            immediate_support_notes="",
            checked_at=checked_at,
            **entry(reporter, opened, dsl if checked_at else None, checked_at),
        )
        events.append((opened, AuditAction.CONCERN_REPORTED, reporter, None))
        # The reporter's request sends the alert once the record is stored (services.records).
        recipients = self.alert_recipients[school_id]
        events.append(
            (later(opened, 0, 1), AuditAction.ALERT_SENT, reporter, {"recipients": recipients})
        )

        if "started" not in reached:
            self.finish(record)
            return
        started = moments["started"]
        events.append((started, AuditAction.REVIEW_STARTED, dsl, None))
        step(started, dsl, "disclosure", FIELDS["disclosure"])

        # The young people and, sometimes, an adult.
        primary = school.phase == Phase.PRIMARY
        people, yp_ids = [], []
        for _ in range(rng.choices((1, 2, 3, 4), weights=(30, 50, 15, 5))[0]):
            age = (
                rng.randint(7, 11) if primary else rng.choice((11, 12, 13, 13, 14, 14, 15, 16, 17))
            )
            known = rng.choices((N, A, U), weights=(70, 10, 20))[0]
            birthday = incident_date - timedelta(days=rng.randint(1, 364))
            try:
                dob = birthday.replace(year=birthday.year - age)
            except ValueError:  # 29 February
                dob = (birthday - timedelta(days=1)).replace(year=birthday.year - age)
            has_dob = rng.random() < 0.92
            at = moments["started"]
            person = PlannedPerson(
                date_of_birth=dob if has_dob else None,
                age_if_no_date_of_birth=None if has_dob else age,
                known_to_social_care=known,
            )
            people.append(person)
            yp_ids.append(
                t[YoungPerson].add(
                    incident_id=incident_id,
                    name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    date_of_birth=person.date_of_birth,
                    age_if_no_date_of_birth=person.age_if_no_date_of_birth,
                    year_group=f"Year {max(1, min(13, age - 4))}",
                    sex=rng.choice((Sex.FEMALE, Sex.MALE, Sex.FEMALE, Sex.MALE, Sex.NOT_KNOWN)),
                    vulnerability="",
                    is_pictured=rng.random() < 0.6,
                    is_sender=rng.random() < 0.5,
                    is_recipient=rng.random() < 0.5,
                    is_sharer=rng.random() < 0.2,
                    known_to_social_care=known,
                    **entry(dsl, at),
                )
            )
        answers = self.facts()
        people_at = later(started, 5, 60)
        # An adult is recorded when one is involved, now and then when that is not known yet.
        adult = answers["adult_involved"] == A or (
            answers["adult_involved"] == U and rng.random() < 0.3
        )
        if adult:
            t[Adult].add(
                incident_id=incident_id,
                name="Not known: an account on a social network",
                relationship="Not known",
                involvement="Asked for the imagery.",
                **entry(dsl, started),
            )
        fields = FIELDS["young_people"] + (FIELDS["adult"] if adult else [])
        step(people_at, dsl, "people", sorted(set(fields)))

        rating = None
        last_change = started
        if "reviewed" in reached:
            at = moments["reviewed"]
            t[InitialReview].add(
                incident_id=incident_id,
                meeting_date=at.date(),
                attendees="DSL, head of year, deputy DSL",
                further_information="",
                other_settings_to_contact="",
                **answers,
                **entry(dsl, at),
            )
            step(at, dsl, "initial-review", FIELDS["initial_review"])
            aggravated_like = A in (
                answers["intent_to_harm"],
                answers["adult_involved"],
                answers["coerced"],
            )
            rating = rng.choices(
                (RiskRating.LOW, RiskRating.MEDIUM, RiskRating.HIGH),
                weights=(20, 50, 30) if aggravated_like else (60, 35, 5),
            )[0]
            risk = {
                name: rng.choice(RISK_CHOICES if name in RISK_CHOICE_FIELDS else RISK_ANSWERS)
                for name in RISK_FIELDS
            }
            risk.update({f"{name}_note": "" for name in RISK_FIELDS})
            risk_at = later(at, 30, 600)
            t[RiskAssessment].add(
                incident_id=incident_id, rating=rating, **risk, **entry(dsl, risk_at)
            )
            step(risk_at, dsl, "risk-assessment", FIELDS["risk_assessment"])
            policy = school.policy_profile
            # Sometimes the rules first ran when the people involved were saved, before the
            # meeting (the product runs them on each save of the facts).
            if rng.random() < 0.15:
                result, facts_json = self.assess(incident_date, people, policy)
                self.result_row(incident_id, result, facts_json, people_at)
            result, facts_json = self.assess(incident_date, people, policy, answers, rating)
            assessed_at = later(risk_at, 1, 30)
            overridden = rng.random() < 0.03
            assessment_id = self.result_row(
                incident_id,
                result,
                facts_json,
                assessed_at,
                confirmed_by=dsl,
                overridden=overridden,
            )
            # As services.confirm_assessment logs it.
            confirmed = ["confirmed", *(["overridden"] if overridden else [])]
            step(later(assessed_at, 1, 10), dsl, "assessment", confirmed)
            last_change = assessed_at
            if rng.random() < 0.04:
                viewed_at = later(assessed_at, 10, 600)
                ground = rng.choice(CHOICES[ViewingGround])
                if ground == ViewingGround.UNAVOIDABLE:
                    # Seen before anyone could stop it: what happened is recorded, not the
                    # checklist of a deliberate viewing (the viewing form asks for these).
                    viewing = {
                        "viewed_by": rng.choice(("Form tutor", "Teaching assistant")),
                        "viewer_is_dsl_or_delegated": False,
                        "headteacher_consulted": False,
                        "others_present": "",
                        "second_staff_present": False,
                        "location": "Classroom",
                        "on_school_premises": True,
                        "same_sex_as_pictured": rng.random() < 0.5,
                        "reason": "A pupil showed it on their phone before they could be stopped.",
                        "subsequent_actions": "Phone handed to the DSL.",
                        "signed_by_viewer": True,
                        "how_it_came_about": "A pupil held up their phone to show what had been "
                        "sent.",
                        "device_action": "Phone switched off, locked away and handed to the DSL.",
                        "not_copied_or_shared": True,
                    }
                else:
                    viewing = {
                        "viewed_by": "DSL",
                        "viewer_is_dsl_or_delegated": True,
                        "headteacher_consulted": rng.random() < 0.9,
                        "others_present": "Deputy DSL",
                        "second_staff_present": True,
                        "location": "DSL's office",
                        "on_school_premises": True,
                        "same_sex_as_pictured": rng.random() < 0.8,
                        "reason": "Needed to decide whether to involve the police.",
                        "subsequent_actions": "Device switched off and locked away.",
                        "signed_by_viewer": True,
                        "no_significant_distress": True,
                    }
                # A safeguard not kept is flagged on the record with the DSL's reason, which the
                # viewing form requires (never a bar to signing).
                log = ImageryViewing(ground=ground, **viewing)
                if log.missing_safeguards():
                    why = {
                        "headteacher_consulted": "The headteacher could not be reached, and the "
                        "decision could not wait.",
                        "same_sex_as_pictured": "No one of the young person's sex able to view "
                        "it was in school.",
                    }
                    viewing["safeguards_explanation"] = " ".join(
                        text for name, text in why.items() if not viewing[name]
                    )
                t[ImageryViewing].add(
                    incident_id=incident_id,
                    ground=ground,
                    viewed_at=viewed_at,
                    **viewing,
                    **entry(dsl, viewed_at),
                )
                if not log.is_deliberate:
                    # Saving it offers the member of staff support (services.records).
                    due = timezone.localdate(viewed_at) + STAFF_SUPPORT_DUE
                    t[Action].add(
                        incident_id=incident_id,
                        school_id=school.pk,
                        kind=ActionKind.STAFF_SUPPORT,
                        description=staff_support_description(log),
                        owner=dsl.get_full_name() or dsl.username,
                        due_date=due,
                        done_on=done_on(due),
                        **entry(dsl, viewed_at),
                    )
                step(viewed_at, dsl, "imagery-devices", FIELDS["viewing"])
            if rng.random() < 0.1:
                searched_at = later(assessed_at, 10, 600)
                search = {
                    "searcher_authorised": True,
                    "safeguarding_member_present": True,
                    "same_sex": rng.random() < 0.85,
                    "dsl_and_senior_told_before": True,
                }
                if DeviceSearch(**search).missing_safeguards():
                    # As the search form requires: the conditions not met, and why.
                    search["safeguards_explanation"] = (
                        "No member of staff of the young person's sex was in school, and the "
                        "picture was being shared."
                    )
                t[DeviceSearch].add(
                    incident_id=incident_id,
                    young_person_id=yp_ids[0],
                    device_description="Mobile phone",
                    ownership=DeviceOwnership.PERSONAL,
                    reason_to_believe="The young person said the picture was on it.",
                    searched_at=searched_at,
                    searched_by="Headteacher",
                    likely_to_distress=False,
                    distress_justification="",
                    confiscated=True,
                    switched_off=True,
                    locked_away=True,
                    **search,
                    **entry(dsl, searched_at),
                )
                step(searched_at, dsl, "imagery-devices", FIELDS["device_search"])

            if "decided" in reached:
                at = moments["decided"]
                # Now and then the DSL seeks advice before deciding: recorded as advice, never
                # as a referral (the advice step).
                if rng.random() < 0.08:
                    agency = rng.choice(ADVICE_AGENCIES)
                    spoke_to, advised = ADVICE[agency]
                    sought_at = assessed_at + (at - assessed_at) * rng.uniform(0.3, 0.9)
                    t[AdviceSought].add(
                        incident_id=incident_id,
                        agency=agency,
                        sought_at=sought_at,
                        sought_by="DSL",
                        spoke_to=spoke_to,
                        advice=advised,
                        school_response="Followed, as the decision records.",
                        **entry(dsl, sought_at),
                    )
                    step(sought_at, dsl, "advice", FIELDS["advice"])
                # What the policy asks of the decision, as the decision step reads the record
                # it saves (``requirements.of`` with the referrals typed and the reasons
                # written): its form has a reasons box for each requirement asking for them.
                planned = PlannedRecord(self.planned)
                asking = planned.asks(set())
                boxes = asking.asking_reasons
                # Referred whenever a referral is required or advised, and now and then when
                # none is.
                refer = bool(referrals_asked(asking)) or rng.random() < 0.1
                agencies = []
                if refer:
                    # The MASH, then the police if the policy still asks for more. Where the
                    # police are only advised, the DSL now and then leaves it to the MASH, with
                    # reasons, for the headteacher to sign off.
                    agencies.append(Agency.MASH)
                    left = referrals_asked(planned.asks(agencies))
                    leave = all(r.level == requirements.ADVISED for r in left)
                    if left and not (leave and rng.random() < 0.15):
                        agencies.append(
                            Agency.POLICE_999
                            if answers["immediate_risk_of_harm"] == A
                            else Agency.POLICE_101
                        )
                if rng.random() < 0.1:
                    agencies.append(Agency.HOSTING_SITE)
                reasons = unmet_reasons(planned.asks(agencies))
                asked = planned.asks(agencies, reasons)
                made = [later(at, 5, 240) for _ in agencies]
                # The headteacher signs off what is not referred once the referrals are in (a
                # later change to the decision would undo the sign-off).
                signed_off = asked.signoff_needed and ("signed" in reached or rng.random() < 0.5)
                signoff_at = later(max([at, *made]), 60, 2 * 1440) if signed_off else None
                if signoff_at is not None and signoff_at >= anchor:
                    signoff_at = None
                outcome = DecisionOutcome.REFERRED if refer else DecisionOutcome.HANDLED_IN_SCHOOL
                decision_id = t[Decision].add(
                    incident_id=incident_id,
                    school_id=school.pk,
                    assessment_id=assessment_id,
                    outcome=outcome,
                    decided_at=at,
                    reasons=DECISION_REASONS[outcome],
                    unmet_reasons=reasons,
                    signoff_required=asked.signoff_needed,
                    headteacher_signoff_by_id=head.pk if signoff_at else None,
                    headteacher_signoff_at=signoff_at,
                    **entry(dsl, at),
                )
                step(at, dsl, "decision", decision_fields(boxes, reasons))
                if signoff_at is not None:
                    sign(
                        signoff_at,
                        SignatureKind.NON_REFERRAL_SIGNOFF,
                        head,
                        Role.HEADTEACHER,
                        decision_id=decision_id,
                    )
                for agency, made_at in zip(agencies, made, strict=True):
                    t[Referral].add(
                        incident_id=incident_id,
                        agency=agency,
                        made_at=made_at,
                        made_by="DSL",
                        contact_name="Duty social worker" if agency == Agency.MASH else "",
                        reference_number=f"R{rng.randrange(10**6):06d}",
                        outcome="Advice given; school to continue support.",
                        **entry(dsl, made_at),
                    )
                    step(made_at, dsl, "decision", FIELDS["referral"])
                for yp in yp_ids:
                    informed = rng.random() < 0.9
                    contact_at = later(at, 30, 1440)
                    t[ParentContact].add(
                        incident_id=incident_id,
                        young_person_id=yp,
                        informed=informed,
                        parent_name=(
                            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
                            if informed
                            else ""
                        ),
                        informed_at=contact_at if informed else None,
                        informed_by="DSL" if informed else "",
                        method=rng.choice(CHOICES[ContactMethod]) if informed else "",
                        reason_not_informed=(
                            "" if informed else "Informing them could put the child at risk."
                        ),
                        decided_with="" if informed else NotInformedDecidedWith.MASH,
                        **entry(dsl, contact_at),
                    )
                step(later(at, 30, 1440), dsl, "parents", FIELDS["parent_contact"])
                last_change = at

            if "followed_up" in reached:
                at = moments["followed_up"]
                followed = []
                for yp in yp_ids:
                    if rng.random() < 0.6:
                        followed += FIELDS["deletion"]
                        asked = at.date()
                        deadline = asked + timedelta(days=rng.randint(2, 7))
                        # Nearly all confirm; some open records still wait, some past the deadline.
                        confirmed = None
                        if deadline < self.today and rng.random() < (
                            0.98 if status == Status.APPROVED else 0.6
                        ):
                            confirmed = min(self.today, deadline - timedelta(days=1))
                        t[DeletionRequest].add(
                            incident_id=incident_id,
                            school_id=school.pk,
                            young_person_id=yp,
                            asked_on=asked,
                            asked_by="DSL",
                            deadline=deadline,
                            told_possession_illegal=True,
                            parents_told=rng.random() < 0.9,
                            confirmed_on=confirmed,
                            confirmation_note="",
                            **entry(dsl, at),
                        )
                for _ in range(rng.choices((0, 1, 2, 3), weights=(10, 40, 35, 15))[0]):
                    kind = rng.choice(CHOICES[ActionKind])
                    followed += FIELDS["action"]
                    due = at.date() + timedelta(days=rng.randint(3, 60))
                    done = done_on(due)
                    t[Action].add(
                        incident_id=incident_id,
                        school_id=school.pk,
                        kind=kind,
                        description=ACTION_TEXT[kind],
                        owner=rng.choice(("Head of year", "DSL", "Form tutor", "PSHE lead")),
                        due_date=due,
                        done_on=done,
                        **entry(dsl, at),
                    )
                step(at, dsl, "follow-up", sorted(set(followed)))
                last_change = at
                if rng.random() < 0.1:
                    self.tables[IncidentUserObjectPermission].add(
                        user_id=deputy.pk,
                        permission_id=self.grant_permission_id,
                        content_object_id=incident_id,
                    )
                    events.append((at, AuditAction.ACCESS_GRANTED, dsl, {"grantee_id": deputy.pk}))

            if "closed" in reached:
                at = moments["closed"]
                t[Review].add(
                    incident_id=incident_id,
                    reviewed_on=at.date(),
                    outcome="Resolved: support in place, imagery deleted as far as is known.",
                    lessons="",
                    policies_to_update="",
                    **entry(dsl, at),
                )
                step(at, dsl, "review", FIELDS["review"])
                last_change = at

            if "signed" in reached:
                at = moments["signed"]
                sign(at, SignatureKind.SIGNED, dsl, Role.DSL)
                last_change = at
                gap = moments["approved"] - at
                if "approved" in reached and gap > timedelta(days=2) and rng.random() < 0.1:
                    back = at + gap / 3
                    sign(
                        back,
                        SignatureKind.SENT_BACK,
                        head,
                        Role.HEADTEACHER,
                        reason="Please add the parents' contact details.",
                    )
                    sign(at + gap * 2 / 3, SignatureKind.SIGNED, dsl, Role.DSL)
                if "approved" in reached:
                    approved = moments["approved"]
                    sign(approved, SignatureKind.APPROVED, head, Role.HEADTEACHER)
                    last_change = approved
                    if rng.random() < 0.02:
                        added = later(approved, 1440, 30 * 1440)
                        if added < anchor:
                            sign(
                                added,
                                SignatureKind.ADDENDUM,
                                dsl,
                                Role.DSL,
                                addendum="The police confirmed no further action.",
                            )

        # People read the record: the DSL most, the headteacher and trust lead now and then.
        horizon = min(anchor, last_change + timedelta(days=60))
        if horizon > started:
            window = (horizon - started).total_seconds()
            for _ in range(rng.randint(2, 5)):
                reader = rng.choice((dsl, dsl, dsl, head))
                at = started + timedelta(seconds=rng.uniform(0, window))
                if rng.random() < 0.4:
                    # A sign-in, then the second factor: they belong to no school or record.
                    device = {"device_id": self.device_of[reader.pk]}
                    record.signins.append((at, AuditAction.LOGIN_SUCCEEDED, reader, None))
                    verified = later(at, 0.1, 1)
                    record.signins.append(
                        (verified, AuditAction.SECOND_FACTOR_VERIFIED, reader, device)
                    )
                events.append((later(at, 1, 10), AuditAction.VIEWED, reader, None))
            if status == Status.APPROVED and rng.random() < 0.3:
                at = started + timedelta(seconds=rng.uniform(0, window))
                events.append((at, AuditAction.EXPORTED, dsl, {"format": "pdf"}))
        record.values["version"] = version
        record.values["updated_at"] = last_change
        self.finish(record)

    def finish(self, record: Record) -> None:
        """Sign what the record's signatures cover, write the incident, queue its events."""
        table = self.tables[Incident]
        if record.signing:
            head = {**record.values, "id": record.incident_id}
            head = dict(zip(table.attnames, table.complete(head), strict=True))
            content = PlannedContent(head, self.planned)
            for signing in record.signing:
                self.sign(record, signing, content)
        pk = table.add(**record.values)
        assert pk == record.incident_id  # noqa: S101 - the rows above point at this id
        for at, action, user, data in record.signins:
            if at < self.anchor:
                self.audit.push(at, action, user, ip=record.ip, data=data)
        for at, action, user, data in record.events:
            if at < self.anchor:
                self.audit.push(
                    at,
                    action,
                    user,
                    school_id=record.school.pk,
                    incident_id=record.incident_id,
                    ip=record.ip,
                    data=data,
                )

    def result_row(
        self, incident_id, result, facts_json, at, *, confirmed_by=None, overridden=False
    ) -> int:
        override = {}
        if overridden:
            # The other category, with a subtype of it, as the assessment form allows.
            flipped = next(category for category in SUBTYPES_OF if category != result.category)
            override = {
                "overridden": True,
                "override_category": flipped,
                "override_subtype": SUBTYPES_OF[flipped][-1],
                "override_reason": "The DSL and the MASH agreed a different reading of the facts.",
            }
        return self.tables[AssessmentResult].add(
            incident_id=incident_id,
            computed_at=at,
            policy=result.policy,
            policy_version=result.policy_version,
            facts=facts_json,
            category=result.category,
            subtype=result.subtype,
            mash_referral=result.mash_referral,
            mash_criteria=list(result.mash_criteria),
            police=result.police,
            social_care_contact=result.social_care_contact,
            seek_advice=result.seek_advice,
            reasons=list(result.reasons),
            confirmed_by_id=confirmed_by.pk if confirmed_by else None,
            confirmed_at=at if confirmed_by else None,
            **override,
        )

    def sign(self, record: Record, signing: Signing, content: PlannedContent) -> None:
        """One signature, its addendum if it signs one, and the event its service logs.

        The digest is of the record's content in the current format when it is signed, an
        addendum included in the content its own signature covers (``services.add_addendum``);
        the signature records the format, as the signing service's does.
        """
        kind, user, at = signing.kind, signing.user, signing.at
        if kind == SignatureKind.ADDENDUM:
            content.add_addendum(user.pk, at, signing.addendum)
        digest = content.digest_at(at)
        signature_id = self.tables[Signature].add(
            incident_id=record.incident_id,
            kind=kind,
            signer_id=user.pk,
            signer_name=user.get_full_name() or user.username,
            role=signing.role,
            signed_at=at,
            meaning=MEANINGS[kind],
            digest=digest,
            content_format=FORMAT,
            digest_key_id=content.key_id,
            reason=signing.reason,
        )
        addendum_id = None
        if kind == SignatureKind.ADDENDUM:
            addendum_id = self.tables[Addendum].add(
                incident_id=record.incident_id,
                text=signing.addendum,
                author_id=user.pk,
                created_at=at,
                signature_id=signature_id,
            )
        action, data = signing_event(
            kind,
            signature_id=signature_id,
            digest=digest,
            decision_id=signing.decision_id,
            addendum_id=addendum_id,
        )
        record.events.append((at, action, user, data))

    def reset_sequences(self) -> None:
        models = [*self.tables, AuditEvent]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")


if __name__ == "__main__":
    sys.exit(main())
