"""The child's safeguarding file: a pupil's incidents, school days, and the redacted copy.

- ``file_of``: every incident a pupil is in that the reader may open, with their role in each,
  the deletion requests about them and the incidents' actions, in a fixed number of queries.
- School days (``SchoolCalendar``): a weekday inside one of the school's terms that is not one
  of its closure days. Term dates and closure days are the school's own (``Term``,
  ``ClosureDay``): the DSL enters them on the term dates page (or the system administrator in
  the admin). A school that has entered no terms counts Monday to Friday, less its closure
  days, and the deadline says so.
- ``snapshot``: the file as it stands, for the receiving school or a PDF, with every other
  child's name and details replaced by "another young person".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from incidents import access, queries, record
from incidents.models import (
    Action,
    ClosureDay,
    DeletionRequest,
    Incident,
    LegalHold,
    Pupil,
    ReceivedFile,
    RetentionReview,
    School,
    Term,
    Tombstone,
    Transfer,
    YoungPerson,
)
from incidents.rules import CATEGORY_LABELS, SUBTYPE_LABELS

ANOTHER = "another young person"
# KCSIE: the file is transferred within 5 school days (or the first 5 of a new term).
TRANSFER_SCHOOL_DAYS = 5
# A transfer whose receipt was confirmed stays on the dashboard this long, marked done.
RECENTLY_DONE = timedelta(days=14)


# School days -------------------------------------------------------------------------------


@dataclass
class SchoolCalendar:
    terms: list[Term]
    closures: set[date]

    @classmethod
    def of(cls, school: School) -> SchoolCalendar:
        return cls(
            terms=list(Term.objects.filter(school=school).order_by("starts_on")),
            closures=set(ClosureDay.objects.filter(school=school).values_list("date", flat=True)),
        )

    @property
    def has_terms(self) -> bool:
        return bool(self.terms)

    def term_of(self, day: date) -> Term | None:
        return next((t for t in self.terms if t.starts_on <= day <= t.ends_on), None)

    def is_school_day(self, day: date) -> bool:
        if day.weekday() >= 5 or day in self.closures:
            return False
        return self.term_of(day) is not None if self.terms else True

    def nth_school_day(self, start: date, n: int, until: date | None = None) -> date | None:
        """The ``n``th school day from ``start`` (counted from 1, ``start`` included), or None
        when there are not ``n`` of them by ``until``."""
        day, found = start, 0
        # A school year has under 200 school days: 400 calendar days bound any search.
        limit = until or start + timedelta(days=400)
        while day <= limit:
            if self.is_school_day(day):
                found += 1
                if found == n:
                    return day
            day += timedelta(days=1)
        return None


@dataclass(frozen=True)
class Deadline:
    due_on: date
    end_of_term: bool
    # Why the count could not use term dates (none entered, or none after this term).
    caveat: str = ""


def transfer_deadline(school: School, confirmed_on: date) -> Deadline:
    """When the file must be with the new school: the 5th school day after ``confirmed_on``
    (an in-year move) or, when the move falls at the end of a term (fewer than 5 school days
    of the term left, or in a holiday), the 5th school day of the next term."""
    cal = SchoolCalendar.of(school)
    after = confirmed_on + timedelta(days=1)
    if not cal.has_terms:
        due = cal.nth_school_day(after, TRANSFER_SCHOOL_DAYS)
        assert due is not None  # Monday to Friday: always found within 400 days
        return Deadline(due, False, "No term dates are entered: Monday to Friday counted.")
    term = cal.term_of(confirmed_on)
    if term is not None:
        due = cal.nth_school_day(after, TRANSFER_SCHOOL_DAYS, until=term.ends_on)
        if due is not None:
            return Deadline(due, False)
    following = next((t for t in cal.terms if t.starts_on > confirmed_on), None)
    if following is not None:
        due = cal.nth_school_day(following.starts_on, TRANSFER_SCHOOL_DAYS, until=following.ends_on)
        if due is not None:
            return Deadline(due, True)
    # No next term entered: count weekdays, so a deadline is never missing.
    fallback = SchoolCalendar(terms=[], closures=cal.closures)
    due = fallback.nth_school_day(after, TRANSFER_SCHOOL_DAYS)
    assert due is not None
    return Deadline(due, True, "The next term's dates are not entered: Monday to Friday counted.")


# The file ----------------------------------------------------------------------------------


def roles_of(person: YoungPerson) -> str:
    return ", ".join(person.roles) or "involved"


def category_of(incident: Incident) -> str:
    code = getattr(incident, "result_category", None)
    if not code:
        return "Not assessed yet"
    subtype = getattr(incident, "result_subtype", None) or ""
    label = CATEGORY_LABELS.get(code, code)
    return f"{label}: {SUBTYPE_LABELS.get(subtype, subtype)}" if subtype else label


@dataclass
class PupilFile:
    pupil: Pupil
    entries: list[YoungPerson] = field(default_factory=list)
    deletions: list[DeletionRequest] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)

    @property
    def incidents(self) -> list[Incident]:
        return [entry.incident for entry in self.entries]


def file_of(
    pupil: Pupil, user: Any, roles: frozenset[str], before: date | None = None
) -> PupilFile:
    """The pupil's incidents that ``user`` (holding ``roles`` in the pupil's school) may read,
    oldest first, each with its category, and what concerns the pupil in them. ``before``:
    only incidents dated before that day (their earlier history)."""
    readable = access.readable_incidents(user, pupil.school, roles)
    entries_qs = YoungPerson.objects.filter(pupil=pupil, incident__in=readable.values("pk"))
    if before is not None:
        entries_qs = entries_qs.filter(incident__incident_date__lt=before)
    entries = list(entries_qs.order_by("incident__incident_date", "incident_id"))
    found = {
        i.pk: i
        for i in _with_result(
            Incident.objects.filter(pk__in=[e.incident_id for e in entries])
        ).select_related("school")
    }
    for entry in entries:
        entry.incident = found[entry.incident_id]
    ids = [e.incident_id for e in entries]
    deletions = list(
        DeletionRequest.objects.filter(young_person__in=[e.pk for e in entries])
        .select_related("incident")
        .order_by("deadline", "pk")
    )
    actions = list(
        Action.objects.filter(incident_id__in=ids).select_related("incident").order_by("due_date")
    )
    transfers = list(
        Transfer.objects.filter(pupil=pupil)
        .select_related("destination_school", "sent_by", "receipt_confirmed_by", "created_by")
        .order_by("created_at", "pk")
    )
    return PupilFile(pupil, entries, deletions, actions, transfers)


def _with_result(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    return queries.with_result(incidents)


# The redacted copy ---------------------------------------------------------------------------


def _redactor(others: list[str]) -> re.Pattern[str] | None:
    """A pattern matching each other child's full name and each part of it (3+ letters)."""
    words: set[str] = set()
    for name in others:
        name = name.strip()
        if name:
            words.add(name)
            words.update(part for part in re.split(r"\s+", name) if len(part) >= 3)
    if not words:
        return None
    ordered = sorted(words, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in ordered) + r")\b", re.IGNORECASE)


def redact(text: str, pattern: re.Pattern[str] | None) -> str:
    return pattern.sub(ANOTHER, text) if pattern and text else text


def _result_label(result: Any) -> str:
    if result is None:
        return "Not assessed yet"
    code = result.override_category if result.overridden else result.category
    subtype = result.override_subtype if result.overridden else result.subtype
    return f"{CATEGORY_LABELS.get(code, code)}: {SUBTYPE_LABELS.get(subtype, subtype)}"


def snapshot(pupil: Pupil, entries: list[YoungPerson]) -> list[dict[str, Any]]:
    """The incidents ``entries`` name the pupil in, as they stand now, as plain data: what the
    receiving school keeps. The pupil's own details stay; every other young person is
    "another young person", in the lists and wherever their name appears in the text."""
    out = []
    loaded = {
        i.pk: i
        for i in record.with_lists(
            record.incidents().filter(pk__in=[e.incident_id for e in entries])
        )
    }
    for entry in entries:
        incident = loaded[entry.incident_id]
        people = list(incident.young_people.all())
        pattern = _redactor([p.name for p in people if p.pk != entry.pk])
        disclosure = record.section(incident, "disclosure")
        decision = record.section(incident, "decision")
        risk = record.section(incident, "risk_assessment")
        result = record.current_result(incident)
        out.append(
            {
                "reference": incident.reference,
                "incident_date": incident.incident_date.isoformat(),
                "status": incident.get_status_display(),
                "category": _result_label(result),
                "role": roles_of(entry),
                "young_people": [
                    (
                        {"name": p.name, "roles": roles_of(p), "age": p.age}
                        if p.pk == entry.pk
                        else {"name": ANOTHER, "roles": roles_of(p)}
                    )
                    for p in people
                ],
                "adults": len(list(incident.adults.all())),
                "disclosure": (
                    {
                        "account": redact(disclosure.account, pattern),
                        "imagery_description": redact(disclosure.imagery_description, pattern),
                        "how_widely_shared": redact(disclosure.how_widely_shared, pattern),
                        "other_young_people": "[withheld: other young people]"
                        if disclosure.other_young_people
                        else "",
                    }
                    if disclosure is not None
                    else None
                ),
                "risk_rating": risk.get_rating_display() if risk is not None else "",
                "decision": (
                    {
                        "outcome": decision.get_outcome_display(),
                        "reasons": redact(decision.reasons, pattern),
                    }
                    if decision is not None
                    else None
                ),
                "referrals": [
                    {"agency": r.get_agency_display(), "on": r.made_at.date().isoformat()}
                    for r in incident.referrals.all()
                ],
                "actions": [
                    {
                        "kind": a.get_kind_display(),
                        "description": redact(a.description, pattern),
                        "due": a.due_date.isoformat(),
                        "done": a.done_on.isoformat() if a.done_on else "",
                    }
                    for a in incident.actions.all()
                ],
                "deletions": [
                    {
                        "asked_on": d.asked_on.isoformat(),
                        "deadline": d.deadline.isoformat(),
                        "confirmed_on": d.confirmed_on.isoformat() if d.confirmed_on else "",
                    }
                    for d in incident.deletions.all()
                    if d.young_person_id == entry.pk
                ],
            }
        )
    return out


# The roll's pages --------------------------------------------------------------------------


def search_roll(school: School, term: str, limit: int) -> list[Pupil]:
    """Pupils of the school whose UPN is ``term`` or whose names contain each of its words."""
    pupils = Pupil.objects.filter(school=school)
    if len(term) == 13 and term[:1].isalpha():
        exact = list(pupils.filter(upn=term.upper())[:1])
        if exact:
            return exact
    for word in term.split()[:4]:
        pupils = pupils.filter(
            Q(legal_surname__icontains=word)
            | Q(legal_forename__icontains=word)
            | Q(preferred_forename__icontains=word)
        )
    return list(pupils.order_by("legal_surname", "legal_forename", "pk")[:limit])


def pupils_with_files(user: Any, school: School, roles: frozenset[str], limit: int) -> list[Pupil]:
    """Pupils named in an incident the reader may open, most recent incident first."""
    readable = access.readable_incidents(user, school, roles)
    return list(
        Pupil.objects.filter(school=school, young_people__incident__in=readable.values("pk"))
        .annotate(latest=Max("young_people__incident__incident_date"))
        .order_by("-latest", "pk")[:limit]
    )


def open_transfers(school: School, now: datetime | None = None) -> list[Transfer]:
    """The school's transfers out whose receipt is not confirmed, soonest due first, then
    those confirmed in the last ``RECENTLY_DONE`` (shown as done)."""
    since = (now or timezone.now()) - RECENTLY_DONE
    return list(
        Transfer.objects.filter(school=school)
        .filter(Q(receipt_confirmed_at__isnull=True) | Q(receipt_confirmed_at__gte=since))
        .select_related("pupil")
        .order_by(F("receipt_confirmed_at").desc(nulls_first=True), "due_on", "pk")[:50]
    )


def files_awaiting_confirmation(school: School) -> int:
    """Files received by the school whose receipt it has not confirmed yet."""
    return ReceivedFile.objects.filter(
        school=school, transfer__receipt_confirmed_at__isnull=True
    ).count()


def earlier_incidents(incident: Incident) -> list[tuple[str, list[Incident]]]:
    """For each young person of ``incident`` picked from the roll, the school's incidents they
    were in before it (by incident date): the history the risk assessment's "taken part in
    this kind of activity before?" asks about. The caller shows it only to a reader of every
    incident of the school."""
    people = [p for p in incident.young_people.all() if p.pupil_id is not None]
    if not people:
        return []
    rows = (
        YoungPerson.objects.filter(
            pupil_id__in=[p.pupil_id for p in people],
            incident__school_id=incident.school_id,
            incident__incident_date__lte=incident.incident_date,
        )
        .exclude(incident_id=incident.pk)
        .select_related("incident")
        .order_by("incident__incident_date", "incident_id")
    )
    by_pupil: dict[int, list[Incident]] = {}
    for row in rows:
        by_pupil.setdefault(row.pupil_id or 0, []).append(row.incident)
    return [(p.name, by_pupil.get(p.pupil_id or 0, [])) for p in people]


def transfer_figures(school: School, start: date, end: date, today: date) -> dict[str, int]:
    """For the inspection pack (Ofsted asks how a file moves when a pupil leaves): transfers
    whose place was confirmed in the period, how many were sent, sent by the deadline,
    confirmed as received, and overdue (no confirmed receipt, past the deadline)."""
    transfers = list(
        Transfer.objects.filter(
            school=school, place_confirmed_on__gte=start, place_confirmed_on__lte=end
        ).only("due_on", "sent_at", "receipt_confirmed_at")
    )
    return {
        "leaving": len(transfers),
        "sent": sum(1 for t in transfers if t.sent_at),
        "sent_on_time": sum(
            1 for t in transfers if t.sent_at and timezone.localdate(t.sent_at) <= t.due_on
        ),
        "receipt_confirmed": sum(1 for t in transfers if t.receipt_confirmed_at),
        "overdue": sum(1 for t in transfers if t.is_overdue(today)),
    }


# Retention ---------------------------------------------------------------------------------------

# IRMS toolkit for schools: child protection records are kept to date of birth + 25 years.
RETENTION_YEARS = 25


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def review_date(incident: Incident) -> date:
    """The latest date of birth among the young people + 25 years; the incident date + 25
    years when no date of birth is known. A young person known only by age counts as the
    incident date (later than any child's date of birth), so the date errs on keeping."""
    latest = getattr(incident, "latest_dob", None)
    undated = getattr(incident, "undated", True)
    base = incident.incident_date if latest is None or undated else latest
    return years_after(base, RETENTION_YEARS)


def past_review(school: School, today: date) -> list[Incident]:
    """The school's records whose review date has passed and that no later decision keeps,
    each with ``review_on``, ``kept_until``, ``holds`` (the legal holds on it or its school,
    not lifted), ``reviews`` (its retention decisions, newest first) and ``destroyable``.
    Records already destroyed are not among them (``tombstones``)."""
    cutoff = years_after(today, -RETENTION_YEARS)
    kept = RetentionReview.objects.filter(
        incident=OuterRef("pk"), outcome=RetentionReview.Outcome.KEEP
    ).order_by("-review_on")
    rows: list[Incident] = list(
        Incident.objects.filter(school=school, destroyed_at__isnull=True)
        .annotate(
            latest_dob=Max("young_people__date_of_birth"),
            undated=Exists(
                YoungPerson.objects.filter(incident=OuterRef("pk"), date_of_birth__isnull=True)
            )
            | ~Exists(YoungPerson.objects.filter(incident=OuterRef("pk"))),
            kept_until=Subquery(kept.values("review_on")[:1]),
        )
        .filter(
            Q(latest_dob__lte=cutoff, undated=False) | Q(undated=True, incident_date__lte=cutoff)
        )
        .filter(Q(kept_until__isnull=True) | Q(kept_until__lte=today))
        .prefetch_related(
            Prefetch(
                "retention_reviews",
                queryset=RetentionReview.objects.select_related("decided_by", "countersigned_by"),
            )
        )
        .order_by("incident_date", "pk")[:200]
    )
    holds = list(
        LegalHold.objects.filter(school=school, lifted_at__isnull=True).order_by("placed_at")
    )
    for incident in rows:
        incident.review_on = review_date(incident)  # type: ignore[attr-defined]
        incident.holds = [  # type: ignore[attr-defined]
            h for h in holds if h.incident_id in (None, incident.pk)
        ]
        latest = next(
            (
                r
                for r in incident.retention_reviews.all()
                if r.outcome == RetentionReview.Outcome.DESTROY
            ),
            None,
        )
        # Ready to destroy: its destruction authorised by two people, no legal hold on it.
        incident.destroyable = (  # type: ignore[attr-defined]
            latest is not None and latest.authorised and not incident.holds  # type: ignore[attr-defined]
        )
    return rows


def tombstones(school: School, limit: int = 200) -> list[Tombstone]:
    """The school's records destroyed at the end of their retention, newest first: what is
    kept of each (reference, dates, who proposed and who authorised it, and why)."""
    return list(
        Tombstone.objects.filter(incident__school=school)
        .select_related(
            "incident__school",
            "destroyed_by",
            "review__decided_by",
            "review__countersigned_by",
        )
        .order_by("-destroyed_at", "-pk")[:limit]
    )


def tombstone_of(incident: Incident) -> Tombstone:
    return Tombstone.objects.select_related(
        "incident__school", "destroyed_by", "review__decided_by", "review__countersigned_by"
    ).get(incident=incident)


def destroyed_count(school: School, start: date, end: date) -> int:
    """Records first disclosed between ``start`` and ``end`` since destroyed at retention."""
    return Incident.objects.filter(
        school=school,
        destroyed_at__isnull=False,
        disclosed_at__date__gte=start,
        disclosed_at__date__lte=end,
    ).count()


def holds_on(incident: Incident) -> list[LegalHold]:
    """The legal holds standing on a record or on its school."""
    return list(
        LegalHold.objects.filter(school_id=incident.school_id, lifted_at__isnull=True).filter(
            Q(incident__isnull=True) | Q(incident=incident)
        )
    )


def retention_state(incident: Incident, today: date) -> tuple[date, date | None]:
    """A record's review date and the date a decision to keep it runs to (None if none)."""
    annotated = (
        Incident.objects.filter(pk=incident.pk)
        .annotate(
            latest_dob=Max("young_people__date_of_birth"),
            undated=Exists(
                YoungPerson.objects.filter(incident=OuterRef("pk"), date_of_birth__isnull=True)
            )
            | ~Exists(YoungPerson.objects.filter(incident=OuterRef("pk"))),
        )
        .get()
    )
    kept = (
        RetentionReview.objects.filter(incident=incident, outcome=RetentionReview.Outcome.KEEP)
        .order_by("-review_on")
        .values_list("review_on", flat=True)
        .first()
    )
    return review_date(annotated), kept
