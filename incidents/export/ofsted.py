"""The inspection pack's answers to the eight questions Ofsted asks of safeguarding records.

Wolverhampton guidance, Recording incidents: "At [our] School we understand that Ofsted
highlight that when inspecting schools in relation to safeguarding they look for the following"
and eight questions. Each becomes a section of the pack with its figures; each figure says what
in the records it counts (``Figure.source``), so an inspector can check it against a record.

Everything is counted from the pack's rows, whose incidents ``incidents.record.with_lists``
loaded with every list: no query of its own, so the pack's query count stays flat with the
number of incidents. No child is named.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from incidents import requirements
from incidents.models import (
    AnswerChoice,
    Incident,
    OnlineReportOutcome,
    OnlineReportService,
    Status,
)
from incidents.record import current_result, section


class PackRow(Protocol):
    """What the questions read of a pack's row (``incidents.export.pack.PackRow``)."""

    incident: Incident
    approved: bool
    decision: str
    referrals: int
    referrals_with_reference: int
    referrals_with_outcome: int
    non_referral_signed_off: bool | None
    unmet: int
    actions_overdue: int
    to_review: timedelta | None

    @property
    def complete(self) -> bool: ...

    @property
    def up_to_date(self) -> bool: ...


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    source: str  # what in the records it counts
    warn: bool = False  # shown highlighted: something an inspector will ask about


@dataclass
class Question:
    number: int
    title: str  # the guidance's words
    answer: str  # how the pack answers it, in a sentence
    figures: list[Figure] = field(default_factory=list)
    # Rows of a table (first row the heading), where counts break down by kind.
    table: list[list[str]] = field(default_factory=list)


def _of(count: int, total: int) -> str:
    return f"{count} of {total}"


def _median_days(values: list[timedelta]) -> str:
    if not values:
        return "—"
    ordered = sorted(values)
    middle = ordered[len(ordered) // 2]
    hours = middle.total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.1f} d"


def questions(
    rows: Sequence[PackRow], medians: dict[str, str], transfers: dict[str, int]
) -> list[Question]:
    """The eight questions, in the guidance's order, each with its figures: from the pack's
    ``rows``, its ``medians`` (``Pack.median_texts``) and the children's files transferred in
    the period (``Pack.transfers``, ``childfile.transfer_figures``)."""
    incidents = [row.incident for row in rows]
    total = len(rows)
    return [
        _q1_complete(rows, total),
        _q2_risk(incidents, total),
        _q3_decisions(medians, rows, total),
        _q4_action(rows, incidents, total),
        _q5_tenacity(rows, incidents),
        _q6_partnership(incidents, total),
        _q7_meetings(incidents, total),
        _q8_policy(incidents, total, transfers),
    ]


def _q1_complete(rows: Sequence[PackRow], total: int) -> Question:
    complete = sum(1 for r in rows if r.complete)
    up_to_date = sum(1 for r in rows if r.up_to_date)
    approved = sum(1 for r in rows if r.approved)
    return Question(
        1,
        "Are records up to date and complete?",
        "Complete means nothing the policy requires is missing, including the headteacher's "
        "sign-off; up to date means no action or deletion is overdue.",
        [
            Figure(
                "Records complete",
                _of(complete, total),
                "records with nothing missing by the signing check's own list",
                complete < total,
            ),
            Figure(
                "Records up to date",
                _of(up_to_date, total),
                "records with no overdue action and no overdue deletion",
                up_to_date < total,
            ),
            Figure(
                "Approved and locked",
                _of(approved, total),
                "records the headteacher has approved (status approved)",
            ),
        ],
    )


def _q2_risk(incidents: list[Incident], total: int) -> Question:
    assessed = 0
    confirmed = 0
    risk_due = 0
    risk_done = 0
    at_risk = 0
    spoken_with = 0
    viewings = 0
    viewings_kept = 0
    contained = 0
    for incident in incidents:
        result = current_result(incident)
        if result is not None:
            assessed += 1
            if requirements.confirmation(incident) is not None:
                confirmed += 1
            if result.facts.get("immediate_risk_of_harm") == AnswerChoice.YES:
                at_risk += 1
        if requirements.risk_assessment_applies(incident):
            risk_due += 1
            risk_done += section(incident, "risk_assessment") is not None
        spoken_with += bool(incident.interviews.all())
        for viewing in incident.viewings.all():
            viewings += 1
            viewings_kept += not viewing.missing_safeguards()
        containment = section(incident, "containment")
        contained += containment is not None and not containment.gaps()
    return Question(
        2,
        "Do records demonstrate both effective identification and management of the risk of harm?",
        "Each incident is assessed against the school's policy (the rules' result, confirmed or "
        "overridden by the DSL), the young people are spoken with, and the incident contained.",
        [
            Figure(
                "Rules' result confirmed or overridden by the DSL",
                _of(confirmed, total),
                "records whose current rules' result the DSL confirmed or overrode with reasons",
                confirmed < total,
            ),
            Figure(
                "Risk assessments done where the guidance asks for one",
                _of(risk_done, risk_due),
                "records with a young person aged 13 to 17 or no referral (Wolverhampton, "
                "Assessing the risks) that hold a risk assessment",
                risk_done < risk_due,
            ),
            Figure(
                "A young person at immediate risk of harm",
                str(at_risk),
                "records whose initial review answers yes to immediate risk of harm",
            ),
            Figure(
                "Young people spoken with",
                _of(spoken_with, total),
                "records with at least one conversation recorded (Wolverhampton, Interviewing "
                "and talking to the young person)",
            ),
            Figure(
                "Viewings with every safeguard kept",
                _of(viewings_kept, viewings),
                "viewing logs showing each safeguard, including the check that viewing would "
                "not distress the young person",
                viewings_kept < viewings,
            ),
            Figure(
                "Incidents fully contained",
                _of(contained, total),
                "records showing a child protection team member on hand, students told not to "
                "view or share, and colleagues briefed (Evergreen Steps 1, 3 and 7)",
            ),
        ],
    )


def _q3_decisions(medians: dict[str, str], rows: Sequence[PackRow], total: int) -> Question:
    decided = sum(1 for r in rows if r.decision)
    unmet = sum(1 for r in rows if r.unmet)
    needs = sum(1 for r in rows if r.non_referral_signed_off is not None)
    signed = sum(1 for r in rows if r.non_referral_signed_off)
    referred = sum(1 for r in rows if r.referrals)
    return Question(
        3,
        "Do records demonstrate sound decision-making, appropriate responses to concerns and "
        "evidence of relevant referrals made in a timely manner?",
        "Each decision is made against the rules' result it records; what the policy requires "
        "and no referral meets has written reasons and the headteacher's sign-off.",
        [
            Figure("Decisions recorded", _of(decided, total), "records with a decision"),
            Figure("Referred to an agency", str(referred), "records with a referral or report"),
            Figure(
                "With a requirement no referral meets",
                str(unmet),
                "records where a referral the rules require or advise was not made (reasons "
                "written)",
            ),
            Figure(
                "Not referring signed off by the headteacher",
                _of(signed, needs),
                "records needing the headteacher's sign-off that have it",
                signed < needs,
            ),
            Figure(
                "Median time from disclosure to decision",
                medians["to_decision"],
                "decision time minus first disclosure",
            ),
            Figure(
                "Median time from disclosure to referral",
                medians["to_referral"],
                "first referral to the MASH, children's social care or the police minus first "
                "disclosure",
            ),
        ],
    )


def _q4_action(rows: Sequence[PackRow], incidents: list[Incident], total: int) -> Question:
    actions = sum(len(i.actions.all()) for i in incidents)
    overdue = sum(r.actions_overdue for r in rows)
    done_on_time = sum(
        1
        for i in incidents
        for a in i.actions.all()
        if a.done_on is not None and a.done_on <= a.due_date
    )
    parents = sum(
        1
        for i in incidents
        if i.young_people.all()
        and {c.young_person_id for c in i.parent_contacts.all()}
        >= {p.pk for p in i.young_people.all()}
    )
    reviews = [r.to_review for r in rows if r.to_review is not None]
    return Question(
        4,
        "Do they indicate that appropriate action is taken in response to concerns and "
        "allegations in a timely manner?",
        "The DSL's first review, the support and containment actions with their owners and due "
        "dates, and parents informed or a recorded reason not to.",
        [
            Figure(
                "Median time from disclosure to the DSL's review",
                _median_days(reviews),
                "the earlier of the first save of the record and the initial review meeting",
            ),
            Figure(
                "Actions done by their due date",
                _of(done_on_time, actions),
                "support and containment actions done on or before the day due",
            ),
            Figure(
                "Actions overdue", str(overdue), "open actions past their due date", overdue > 0
            ),
            Figure(
                "Parents informed, or a reason not to inform them recorded",
                _of(parents, total),
                "records where every young person has a parent contact or a reason not to",
            ),
        ],
    )


def _q5_tenacity(rows: Sequence[PackRow], incidents: list[Incident]) -> Question:
    referrals = sum(r.referrals for r in rows)
    with_reference = sum(r.referrals_with_reference for r in rows)
    with_outcome = sum(r.referrals_with_outcome for r in rows)
    reports = [report for i in incidents for report in i.online_reports.all()]
    by_service = Counter(report.service for report in reports)
    by_outcome: Counter[tuple[str, str]] = Counter(
        (report.service, report.outcome) for report in reports
    )
    table = [
        ["Reported through", *(label for _, label in OnlineReportOutcome.choices), "Total"],
        *(
            [
                label,
                *(str(by_outcome[(value, outcome)]) for outcome, _ in OnlineReportOutcome.choices),
                str(by_service[value]),
            ]
            for value, label in OnlineReportService.choices
            if by_service[value]
        ),
    ]
    awaiting = sum(1 for report in reports if report.outcome == OnlineReportOutcome.SUBMITTED)
    return Question(
        5,
        "Do they show evidence of tenacity in following up concerns with relevant agencies?",
        "Each referral keeps the reference given and its outcome; each report for removal "
        "(Report Remove, Take It Down, the platform, CEOP, StopNCII) who supported the young "
        "person and what came of it.",
        [
            Figure("Referrals and reports", str(referrals), "referrals recorded on the decision"),
            Figure(
                "With a reference number",
                _of(with_reference, referrals),
                "referrals with the reference the agency gave",
            ),
            Figure(
                "With the outcome recorded",
                _of(with_outcome, referrals),
                "referrals with their outcome and follow-up written",
                with_outcome < referrals,
            ),
            Figure(
                "Online reports for removal made",
                str(len(reports)),
                "reports recorded on the reporting online step",
            ),
            Figure(
                "Online reports still awaiting an answer",
                str(awaiting),
                "reports whose outcome is still 'submitted'",
                awaiting > 0,
            ),
        ],
        table if len(table) > 1 else [],
    )


def _q6_partnership(incidents: list[Incident], total: int) -> Question:
    shares = [s for i in incidents for s in i.information_shared.all()]
    with_shares = sum(1 for i in incidents if i.information_shared.all())
    advice = sum(len(i.advice.all()) for i in incidents)
    return Question(
        6,
        "Do they provide evidence of effective partnership working and sharing of information?",
        "Each time information was shared: with whom, what, when and on what basis; and each "
        "time the school asked an agency for advice.",
        [
            Figure(
                "Information shared",
                str(len(shares)),
                "entries of information shared (with whom, what, when, on what basis)",
            ),
            Figure(
                "Incidents with information shared",
                _of(with_shares, total),
                "records with at least one entry of information shared",
            ),
            Figure(
                "Advice sought from agencies",
                str(advice),
                "advice recorded as sought (never counted as a referral)",
            ),
        ],
    )


def _q7_meetings(incidents: list[Incident], total: int) -> Question:
    meetings = [m for i in incidents for m in i.meetings.all()]
    attended = sum(1 for m in meetings if m.school_attended)
    by_kind = Counter(m.get_kind_display() for m in meetings)
    return Question(
        7,
        "Is there evidence of attendance at or contribution to inter-agency meetings and "
        "conferences?",
        "Each strategy meeting, child protection conference or team around the family meeting: "
        "the date, who attended, and what the school contributed.",
        [
            Figure("Inter-agency meetings", str(len(meetings)), "meetings recorded"),
            Figure(
                "Attended by the school",
                _of(attended, len(meetings)),
                "meetings the school attended",
            ),
            Figure(
                "Contributed to without attending",
                str(len(meetings) - attended),
                "meetings the school contributed to in writing",
            ),
            Figure(
                "Incidents with a meeting",
                _of(sum(1 for i in incidents if i.meetings.all()), total),
                "records with at least one meeting",
            ),
        ],
        [["Meeting", "Number"], *([kind, str(n)] for kind, n in sorted(by_kind.items()))]
        if meetings
        else [],
    )


def _q8_policy(incidents: list[Incident], total: int, transfers: dict[str, int]) -> Question:
    keyed = 0
    for incident in incidents:
        signatures = list(incident.signatures.all())
        if signatures and all(s.digest_key_id for s in signatures):
            keyed += 1
    locked = sum(1 for i in incidents if i.status == Status.APPROVED)
    briefed = sum(
        1
        for i in incidents
        if section(i, "containment") is not None
        and section(i, "containment").colleagues_briefed.strip()
    )
    return Question(
        8,
        "Is there clarity about the school's policy relating to the sharing of information "
        "internally, safe keeping of records, and transfer when a pupil leaves the school?",
        "Records are kept in this product: no imagery is held, every read and change is in the "
        "audit log, access is granted per incident, and a signed record carries a keyed digest "
        "that shows whether it has changed since. Colleagues told of an incident are recorded. "
        "When a pupil leaves, the child protection file is sent to the new school separately "
        "from the pupil file, due 5 school days after the place is confirmed (counted on the "
        "school's term dates), and its receipt is confirmed.",
        [
            Figure(
                "Signed with a keyed digest",
                _of(keyed, total),
                "records whose every signature carries an HMAC key id",
            ),
            Figure("Approved and locked", _of(locked, total), "records locked against change"),
            Figure(
                "Colleagues briefed recorded",
                _of(briefed, total),
                "records naming the colleagues told to act if it continues (sharing internally)",
            ),
            Figure(
                "Children's files sent when a pupil left",
                _of(transfers.get("sent", 0), transfers.get("leaving", 0)),
                "pupils marked as leaving in the period whose file was sent",
            ),
            Figure(
                "Sent by the deadline",
                _of(transfers.get("sent_on_time", 0), transfers.get("sent", 0)),
                "files sent within 5 school days of the place being confirmed",
            ),
            Figure(
                "Receipt confirmed by the new school",
                _of(transfers.get("receipt_confirmed", 0), transfers.get("leaving", 0)),
                "transfers whose receipt the new school confirmed",
            ),
            Figure(
                "Overdue",
                str(transfers.get("overdue", 0)),
                "transfers past their deadline with no confirmed receipt",
                warn=bool(transfers.get("overdue", 0)),
            ),
        ],
    )
