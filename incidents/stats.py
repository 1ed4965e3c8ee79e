"""Figures across many records: the trust overview's row per school and the charts' series.

Every function here answers in a fixed number of queries, however many records or schools it
covers: counts are grouped in the database, and the medians and slowest quarters come from
PostgreSQL's ``percentile_cont``. SQLite (``make run``) has no such aggregate: there the same
timestamps are read and the same percentile is worked out in Python, still in one query.

"Time to DSL review" is the pack's measure: from the disclosure to the earlier of the first
save of the record and the initial review meeting (a meeting counts at the end of its day).
"To first referral" counts referrals to an agency (MASH, social care, police), not reports to a
hosting site. Nothing here writes, and nothing here names a child.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    FloatField,
    Func,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Least, TruncMonth
from django.utils import timezone

from incidents.audit import AuditAction
from incidents.models import (
    Action,
    AuditEvent,
    Decision,
    DeletionRequest,
    Incident,
    Referral,
    School,
    Status,
    Transfer,
)
from incidents.queries import with_result
from incidents.requirements import AGENCY_REFERRALS

# The three timings, in the order the overview and the charts show them.
MEASURES = ("to_review", "to_decision", "to_referral")
MEASURE_LABELS = {
    "to_review": "Disclosure to DSL review",
    "to_decision": "Disclosure to decision",
    "to_referral": "Disclosure to first referral",
}
MEDIAN = 0.5
SLOWEST_QUARTER = 0.75  # the time within which three records in four were dealt with


def uses_percentile_cont() -> bool:
    return connection.vendor == "postgresql"


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(p) WITHIN GROUP (ORDER BY x)``; a FILTER may follow."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("a percentile is between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


class HoursBetween(Func):
    """Hours from the second moment to the first, as a float (PostgreSQL)."""

    template = "EXTRACT(EPOCH FROM (%(expressions)s)) / 3600.0"
    arg_joiner = " - "
    output_field = FloatField()


_ZONE = re.compile(r"^[A-Za-z0-9_+\-/]+$")


class DayEnd(Func):
    """The last instant of a local calendar day, as a moment (PostgreSQL)."""

    output_field = DateTimeField()

    def __init__(self, day: Any) -> None:
        zone = settings.TIME_ZONE
        if not _ZONE.match(zone):  # it is written into the SQL: a zone name and nothing else
            raise ValueError(f"unexpected TIME_ZONE {zone!r}")
        super().__init__(
            day,
            template=(
                "(((%(expressions)s) + 1)::timestamp AT TIME ZONE '" + zone + "'"
                " - interval '1 microsecond')"
            ),
        )


def _first_saved() -> Subquery:
    return Subquery(
        AuditEvent.objects.filter(incident=OuterRef("pk"), action=AuditAction.STEP_SAVED)
        .order_by("at")
        .values("at")[:1],
        output_field=DateTimeField(),
    )


def _first_referral() -> Subquery:
    return Subquery(
        Referral.objects.filter(incident=OuterRef("pk"), agency__in=AGENCY_REFERRALS)
        .order_by()
        .values("incident")
        .annotate(first=Min("made_at"))
        .values("first")[:1],
        output_field=DateTimeField(),
    )


def with_moments(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """Annotate when each incident was first saved, met about, decided and first referred."""
    return incidents.annotate(
        first_saved_at=_first_saved(),
        meeting_day=F("initial_review__meeting_date"),
        decided=F("decision__decided_at"),
        first_referral_at=_first_referral(),
    )


def _hours_expressions() -> dict[str, Any]:
    """Each measure as hours after the disclosure, in SQL (PostgreSQL)."""
    review_at = Least(
        _first_saved(), DayEnd(F("initial_review__meeting_date")), output_field=DateTimeField()
    )
    return {
        "to_review": HoursBetween(review_at, F("disclosed_at")),
        "to_decision": HoursBetween(F("decision__decided_at"), F("disclosed_at")),
        "to_referral": HoursBetween(_first_referral(), F("disclosed_at")),
    }


def _day_end(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


def hours_of(row: dict[str, Any]) -> dict[str, float | None]:
    """The three measures of one incident from ``with_moments``' values (the Python path)."""
    disclosed: datetime = row["disclosed_at"]
    saved = row["first_saved_at"]
    meeting = _day_end(row["meeting_day"]) if row["meeting_day"] is not None else None
    review = min((m for m in (saved, meeting) if m is not None), default=None)

    def hours(moment: datetime | None) -> float | None:
        return None if moment is None else (moment - disclosed).total_seconds() / 3600

    return {
        "to_review": hours(review),
        "to_decision": hours(row["decided"]),
        "to_referral": hours(row["first_referral_at"]),
    }


def percentile(values: Iterable[float], fraction: float) -> float | None:
    """``percentile_cont``: linear interpolation between the two nearest ranks."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Timing:
    """How long a set of records took, in hours; ``None`` where no record reached the step."""

    count: int
    median: dict[str, float | None]
    slowest_quarter: dict[str, float | None]
    reached: dict[str, int] = field(default_factory=dict)


def timings(incidents: QuerySet[Incident], by: str) -> dict[Any, Timing]:
    """The median and slowest quarter of each measure for each value of ``by`` (a field or an
    annotation of ``incidents``: the school, the term), in one grouped query."""
    if uses_percentile_cont():
        aggregates: dict[str, Any] = {"n": Count("pk")}
        for measure, expression in _hours_expressions().items():
            # COUNT of the hours counts the records that reached the step (not null).
            aggregates[f"{measure}__reached"] = Count(expression)
            aggregates[f"{measure}__p50"] = PercentileCont(expression, MEDIAN)
            aggregates[f"{measure}__p75"] = PercentileCont(expression, SLOWEST_QUARTER)
        grouped = incidents.order_by().values(by).annotate(**aggregates)
        return {
            row[by]: Timing(
                count=row["n"],
                median={m: row[f"{m}__p50"] for m in MEASURES},
                slowest_quarter={m: row[f"{m}__p75"] for m in MEASURES},
                reached={m: row[f"{m}__reached"] for m in MEASURES},
            )
            for row in grouped
        }
    # SQLite: one query for the moments, then the groups and the percentiles in Python.
    rows = with_moments(incidents.order_by()).values(
        by, "disclosed_at", "first_saved_at", "meeting_day", "decided", "first_referral_at"
    )
    collected: dict[Any, dict[str, list[float]]] = defaultdict(lambda: {m: [] for m in MEASURES})
    counts: dict[Any, int] = defaultdict(int)
    for row in rows:
        counts[row[by]] += 1
        for measure, value in hours_of(row).items():
            if value is not None:
                collected[row[by]][measure].append(value)
    return {
        key: Timing(
            count=counts[key],
            median={m: percentile(collected[key][m], MEDIAN) for m in MEASURES},
            slowest_quarter={m: percentile(collected[key][m], SLOWEST_QUARTER) for m in MEASURES},
            reached={m: len(collected[key][m]) for m in MEASURES},
        )
        for key in counts
    }


# --------------------------------------------------------------------------------------------
# School terms
# --------------------------------------------------------------------------------------------

# The English school year in three terms, by calendar months: autumn from September, spring
# from January, summer from April (Easter moves; a term's first weeks fall either side of it).
TERM_STARTS = ((9, "autumn"), (4, "summer"), (1, "spring"))


@dataclass(frozen=True)
class Term:
    name: str  # "autumn", "spring", "summer"
    start: date
    end: date  # inclusive

    @property
    def key(self) -> str:
        return f"{self.start.year}-{self.name}"

    @property
    def label(self) -> str:
        return f"{self.name.capitalize()} {self.start.year}"

    @property
    def short(self) -> str:
        return f"{self.name[:3].capitalize()} {self.start:%y}"


def term_of(day: date) -> Term:
    month, name = next((m, n) for m, n in TERM_STARTS if day.month >= m)
    start = date(day.year, month, 1)
    following = {1: date(day.year, 4, 1), 4: date(day.year, 9, 1), 9: date(day.year + 1, 1, 1)}
    return Term(name=name, start=start, end=following[start.month] - timedelta(days=1))


def parse_term(key: str) -> Term | None:
    """The term a key names (``2026-autumn``), or ``None``."""
    match = re.fullmatch(r"(\d{4})-(autumn|spring|summer)", key or "")
    if match is None:
        return None
    year, name = int(match[1]), match[2]
    if not 1990 <= year <= 2100:
        return None
    month = {"autumn": 9, "spring": 1, "summer": 4}[name]
    return term_of(date(year, month, 1))


def terms_until(day: date, count: int) -> list[Term]:
    """The ``count`` terms ending with the one ``day`` falls in, oldest first."""
    terms = [term_of(day)]
    while len(terms) < count:
        terms.insert(0, term_of(terms[0].start - timedelta(days=1)))
    return terms


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def in_days(start: date, end: date) -> Q:
    """Disclosed between two local days, inclusive: as moments, so an index on them serves."""
    return Q(disclosed_at__gte=_start_of(start), disclosed_at__lt=_start_of(end + timedelta(1)))


def by_term(incidents: QuerySet[Incident], terms: list[Term]) -> dict[str, Timing]:
    """``timings`` for each term (keyed by ``Term.key``), in one query."""
    labelled = incidents.filter(in_days(terms[0].start, terms[-1].end)).annotate(
        term=Case(
            *(When(in_days(t.start, t.end), then=Value(t.key)) for t in terms),
            default=Value(""),
        )
    )
    return timings(labelled, "term")


# --------------------------------------------------------------------------------------------
# The charts' series
# --------------------------------------------------------------------------------------------


def months_until(day: date, count: int) -> list[date]:
    """The first days of the ``count`` months ending with ``day``'s, oldest first."""
    months = [day.replace(day=1)]
    while len(months) < count:
        months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
    return months


def _month_after(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def monthly_by_category(
    incidents: QuerySet[Incident], months: list[date]
) -> dict[tuple[date, str], int]:
    """How many incidents were disclosed each month, by the rules' latest category ("" for a
    record not assessed yet), in one grouped query."""
    rows = (
        with_result(incidents.filter(in_days(months[0], _month_after(months[-1]) - timedelta(1))))
        .annotate(month=TruncMonth("disclosed_at", output_field=DateField()))
        .order_by()
        .values("month", "result_category")
        .annotate(n=Count("pk"))
    )
    counts: dict[tuple[date, str], int] = defaultdict(int)
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        counts[(month, row["result_category"] or "")] += row["n"]
    return dict(counts)


def referrals_by_agency(incidents: QuerySet[Incident], start: date, end: date) -> dict[str, int]:
    """Referrals made between two days, by agency, in one grouped query."""
    made = Q(made_at__gte=_start_of(start), made_at__lt=_start_of(end + timedelta(1)))
    rows = (
        Referral.objects.filter(made, incident__in=incidents.values("pk"))
        .order_by()
        .values("agency")
        .annotate(n=Count("pk"))
    )
    return {row["agency"]: row["n"] for row in rows}


def _overdue_counts(table: str, scope: str, school_ids: list[int], days: list[date]) -> list[int]:
    """One conditional count per day over ``table``'s rows of the schools: written as SQL,
    since the ORM spent longer compiling a dozen filtered counts than PostgreSQL running them
    (bench/README.md). Every value is a parameter; the table and columns are ours."""
    if not school_ids:
        return [0] * len(days)
    counts, params = [], []
    for day in days:
        counts.append(f"COUNT(*) FILTER (WHERE {scope})")
        params += [day] * scope.count("%s")
    ids = ", ".join(["%s"] * len(school_ids))
    sql = f"SELECT {', '.join(counts)} FROM {table} WHERE school_id IN ({ids})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *school_ids])
        row = cursor.fetchone()
    return [int(n) for n in row] if row else [0] * len(days)


def overdue_over_time(school_ids: list[int], days: list[date]) -> dict[date, tuple[int, int]]:
    """How many deletions and actions of the schools ``school_ids`` were overdue on each of
    ``days``: (deletions, actions), read by the rows' own school column.

    Two queries whatever the number of days: one conditional count per day on each table.
    An item was overdue on a day when its deadline had passed and it was not yet done.
    """
    deletions = _overdue_counts(
        DeletionRequest._meta.db_table,
        "deadline < %s AND asked_on <= %s AND (confirmed_on IS NULL OR confirmed_on > %s)",
        school_ids,
        days,
    )
    actions = _overdue_counts(
        Action._meta.db_table,
        "due_date < %s AND (done_on IS NULL OR done_on > %s)",
        school_ids,
        days,
    )
    return {day: (deletions[i], actions[i]) for i, day in enumerate(days)}


# --------------------------------------------------------------------------------------------
# The trust overview
# --------------------------------------------------------------------------------------------


@dataclass
class SchoolRow:
    school: School
    stages: dict[str, int]
    overdue: int  # records with a deletion or an action overdue
    signoffs: int  # decisions not to refer waiting for the headteacher's sign-off
    transfers: int  # children's files marked leaving whose receipt is not confirmed
    timing: Timing | None

    @property
    def total(self) -> int:
        return sum(self.stages.values())

    def median(self, measure: str) -> float | None:
        return self.timing.median[measure] if self.timing else None


def overview(schools: list[School], today: date, since: date) -> list[SchoolRow]:
    """A row per school: records by stage, records overdue, sign-offs waiting (now), and the
    median timings of the records disclosed since ``since``, and the children's files
    transferred out without a confirmation of receipt. Five queries for any number of schools
    and records."""
    ids = [school.pk for school in schools]
    incidents = Incident.objects.filter(school_id__in=ids)
    stages: dict[int, dict[str, int]] = defaultdict(dict)
    for row in incidents.order_by().values("school_id", "status").annotate(n=Count("pk")):
        stages[row["school_id"]][row["status"]] = row["n"]
    late = Exists(
        DeletionRequest.objects.filter(
            incident=OuterRef("pk"), confirmed_on__isnull=True, deadline__lt=today
        )
    ) | Exists(
        Action.objects.filter(incident=OuterRef("pk"), done_on__isnull=True, due_date__lt=today)
    )
    overdue = dict(
        incidents.filter(late).order_by().values_list("school_id").annotate(n=Count("pk"))
    )
    signoffs = dict(
        Decision.objects.filter(
            school_id__in=ids,
            signoff_required=True,
            headteacher_signoff_by__isnull=True,
        )
        .order_by()
        .values_list("school_id")
        .annotate(n=Count("pk"))
    )
    transfers = dict(
        Transfer.objects.filter(school_id__in=ids, receipt_confirmed_at__isnull=True)
        .order_by()
        .values_list("school_id")
        .annotate(n=Count("pk"))
    )
    timing = timings(incidents.filter(disclosed_at__gte=_start_of(since)), "school_id")
    return [
        SchoolRow(
            school=school,
            stages={value: stages[school.pk].get(value, 0) for value in Status.values},
            overdue=overdue.get(school.pk, 0),
            signoffs=signoffs.get(school.pk, 0),
            transfers=transfers.get(school.pk, 0),
            timing=timing.get(school.pk),
        )
        for school in schools
    ]
