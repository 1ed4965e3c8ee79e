"""The record's chronology: every dated entry, in the order it happened.

Inspectors ask whether decisions and referrals were timely (Wolverhampton "Recording
incidents"), so the chronology puts each thing the record knows the time of on one line. An
entry keeps both when it happened (the time the DSL gave) and when it was recorded (the time the
system saved it): schools often write a record up afterwards, and an entry recorded more than a
day after it happened is marked as recorded late. It is built from a record loaded by
``incidents.record.load`` and makes no query of its own.

Order: by day; within a day, the entries with a time in the order of their time of day, then
the entries known to the day only (a meeting date, a deadline, a day something was done): a
day-only entry may have happened at any time of that day, and placed at its end it never seems
to come before something it may have followed (a deadline is the end of its day). The one
exception is the day the incident happened, which opens its day: nothing recorded can precede
it. The record's page and its PDF show this same list.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from incidents import rules
from incidents.display import person_name
from incidents.models import AssessmentResult, Incident
from incidents.record import section

# An entry recorded more than this long after it happened is shown as recorded late.
LATE = timedelta(days=1)


@dataclass(frozen=True)
class Entry:
    at: datetime  # when it happened
    label: str
    by: str = ""
    # Some entries are known to the day only (a meeting date, a deadline): shown without a time.
    date_only: bool = False
    overdue: bool = False
    # When the system saved it, for entries whose time was given by a person.
    recorded_at: datetime | None = None
    # A day-only entry that comes first in its day (the incident happening), not last.
    opens_day: bool = False

    @property
    def order(self) -> tuple[date, int, datetime]:
        """Day, then timed entries by time of day, then the day-only entries of that day."""
        if not self.date_only:
            return timezone.localtime(self.at).date(), 1, self.at
        return self.at.date(), 0 if self.opens_day else 2, self.at

    @property
    def recorded_late(self) -> bool:
        if self.recorded_at is None:
            return False
        # A day known to the day only is late once recorded after the end of the next day.
        happened = self.at + timedelta(days=1) if self.date_only else self.at
        return self.recorded_at - happened > LATE


def _day(value: date) -> datetime:
    """A day as the start of that day in the school's time zone, so it sorts among times."""
    return timezone.make_aware(datetime.combine(value, time.min))


def outcome_words(result: AssessmentResult) -> str:
    """A result's outcome in words, all of it: two lines for two results differ in what they
    say ("Experimental, Other; contact children's social care"), never only in what is not
    printed."""
    words = [
        f"{rules.CATEGORY_LABELS.get(result.category, result.category)}, "
        f"{rules.SUBTYPE_LABELS.get(result.subtype, result.subtype)}"
    ]
    if result.mash_referral:
        criteria = len(result.mash_criteria)
        words.append(
            f"immediate referral required, {criteria} criteri{'on' if criteria == 1 else 'a'} met"
        )
    if result.police != "discretionary":
        words.append(_lower(rules.POLICE_LABELS.get(result.police, result.police)))
    if result.social_care_contact:
        words.append("contact children's social care")
    return "; ".join(words)


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def chronology(incident: Incident) -> list[Entry]:
    """Every timestamped entry of the record, earliest first; ties keep the record's order."""
    entries: list[Entry] = []

    def add(
        at: date | datetime | None,
        label: str,
        by: str = "",
        *,
        overdue: bool = False,
        recorded: datetime | None = None,
        opens_day: bool = False,
    ) -> None:
        if at is None:
            return
        if isinstance(at, datetime):
            entries.append(Entry(at, label, by, overdue=overdue, recorded_at=recorded))
        else:
            entries.append(
                Entry(
                    _day(at),
                    label,
                    by,
                    date_only=True,
                    overdue=overdue,
                    recorded_at=recorded,
                    opens_day=opens_day,
                )
            )

    today = timezone.localdate()
    add(incident.incident_date, "Incident happened (as far as is known)", opens_day=True)
    disclosure = section(incident, "disclosure")
    if disclosure is None:
        add(incident.disclosed_at, "Concern first disclosed")
    else:
        add(
            incident.disclosed_at,
            f"Concern first disclosed to {disclosure.disclosed_to}",
            disclosure.get_disclosed_by_display(),
            recorded=incident.created_at,
        )
    add(incident.created_at, "Incident opened", person_name(incident.reported_by))
    if disclosure is not None:
        add(disclosure.created_at, "Disclosure recorded", person_name(disclosure.created_by))
    for person in incident.young_people.all():
        add(person.created_at, f"Young person added: {person.name}", person_name(person.created_by))
    for adult in incident.adults.all():
        add(adult.created_at, f"Adult added: {adult.name}", person_name(adult.created_by))

    review = section(incident, "initial_review")
    if review is not None:
        add(
            # Known to the minute since December 2026; an earlier meeting to the day only.
            review.meeting_at or review.meeting_date,
            "Initial review meeting",
            person_name(review.created_by),
            recorded=review.created_at,
        )
    risk = section(incident, "risk_assessment")
    if risk is not None:
        add(
            risk.created_at,
            f"Risk assessment recorded (overall risk: {risk.get_rating_display().lower()})",
            person_name(risk.created_by),
        )

    shown: str | None = None
    for result in sorted(incident.assessment_results.all(), key=lambda r: (r.computed_at, r.pk)):
        # A result is worked out at every save of the facts; the chronology shows one when what
        # it asks of the school reads differently from the last one shown, never the same line
        # again (a change only in the criteria behind a referral not required is not one).
        words = outcome_words(result)
        if words != shown:
            shown = words
            add(
                result.computed_at,
                f"Rules' result worked out: {words} ({result.policy} {result.policy_version})",
            )
        if result.confirmed_at is not None:
            verb = "overridden" if result.overridden else "confirmed"
            add(result.confirmed_at, f"Rules' result {verb}", person_name(result.confirmed_by))

    for viewing in incident.viewings.all():
        add(
            viewing.viewed_at,
            "Imagery viewed" if viewing.is_deliberate else "Imagery seen unavoidably",
            viewing.viewed_by,
            recorded=viewing.created_at,
        )
    for search in incident.device_searches.all():
        add(
            search.searched_at,
            f"Device searched: {search.device_description}",
            search.searched_by,
            recorded=search.created_at,
        )
        add(search.handed_to_police_at, "Device handed to the police", search.police_officer)

    for advice in incident.advice.all():
        add(
            advice.sought_at,
            f"Advice sought from {advice.get_agency_display()} ({advice.spoke_to}): not a referral",
            advice.sought_by,
            recorded=advice.created_at,
        )
    decision = section(incident, "decision")
    if decision is not None:
        add(
            decision.decided_at,
            f"Decision: {decision.get_outcome_display()}",
            person_name(decision.created_by),
            recorded=decision.created_at,
        )
        add(
            decision.headteacher_signoff_at,
            "What is not referred signed off by the headteacher",
            person_name(decision.headteacher_signoff_by),
        )
    for referral in incident.referrals.all():
        label = f"Referral: {referral.get_agency_display()}"
        if referral.reference_number:
            label += f" (reference {referral.reference_number})"
        add(referral.made_at, label, referral.made_by, recorded=referral.created_at)

    for contact in incident.parent_contacts.all():
        child = contact.young_person.name
        if contact.informed:
            add(
                contact.informed_at,
                f"Parent or carer of {child} informed ({contact.parent_name})",
                contact.informed_by,
                recorded=contact.created_at,
            )
        else:
            add(
                contact.created_at,
                f"Decision not to inform the parents or carers of {child}",
                person_name(contact.created_by),
            )

    for deletion in incident.deletions.all():
        child = deletion.young_person.name
        add(
            deletion.asked_on,
            f"{child} asked to delete the imagery",
            deletion.asked_by,
            recorded=deletion.created_at,
        )
        add(
            deletion.deadline,
            f"Deadline for {child} to confirm deletion",
            overdue=deletion.is_overdue(today),
        )
        add(deletion.confirmed_on, f"{child} confirmed deletion")

    for action in incident.actions.all():
        kind = action.get_kind_display()
        add(action.due_date, f"Action due: {kind}", action.owner, overdue=action.is_overdue(today))
        add(action.done_on, f"Action done: {kind}", action.owner)

    # 2026: talking to the young people, containment, reports for removal, inter-agency work.
    for interview in incident.interviews.all():
        who = interview.young_person.name if interview.young_person else "a young person"
        add(
            interview.held_at,
            f"Spoke with {who} ({interview.get_who_display()})",
            interview.spoke_with,
            recorded=interview.created_at,
        )
    containment = section(incident, "containment")
    if containment is not None and containment.students_told_on is not None:
        add(
            containment.students_told_on,
            "Students told not to view, send, share or save the imagery",
            person_name(containment.created_by),
            recorded=containment.created_at,
        )
    for report in incident.online_reports.all():
        add(
            report.made_at,
            f"Reported online: {report.get_service_display()} "
            f"({report.get_outcome_display().lower()})",
            report.supported_by,
            recorded=report.created_at,
        )
    for meeting in incident.meetings.all():
        attended = "attended" if meeting.school_attended else "contributed, not attended"
        add(
            meeting.held_on,
            f"{meeting.get_kind_display()} (the school {attended})",
            recorded=meeting.created_at,
        )
    for shared in incident.information_shared.all():
        add(
            shared.shared_at,
            f"Information shared with {shared.shared_with}",
            person_name(shared.created_by),
            recorded=shared.created_at,
        )

    final_review = section(incident, "review")
    if final_review is not None:
        add(
            final_review.reviewed_on,
            "Outcome review",
            person_name(final_review.created_by),
            recorded=final_review.created_at,
        )

    for signature in incident.signatures.all():
        add(signature.signed_at, signature.get_kind_display(), signature.signer_name)
    for addendum in incident.addenda.all():
        add(addendum.created_at, "Addendum added", person_name(addendum.author))

    # The files of young people picked from the roll, transferred when they left: both
    # sides' records (sent, and the receipt the new school confirmed).
    for person in incident.young_people.all():
        pupil = person.pupil if person.pupil_id else None
        for transfer in pupil.transfers.all() if pupil is not None else ():
            child, to = person.name, transfer.destination_name
            add(
                transfer.created_at,
                f"{child} marked as leaving for {to}",
                person_name(transfer.created_by),
            )
            add(
                transfer.due_on,
                f"Deadline to transfer {child}'s file to {to}",
                overdue=transfer.is_overdue(today),
            )
            if transfer.sent_at is not None:
                add(
                    transfer.sent_at,
                    f"{child}'s file sent to {to} ({transfer.sent_how}, to {transfer.sent_to})",
                    person_name(transfer.sent_by),
                )
            if transfer.receipt_confirmed_at is not None:
                add(
                    transfer.receipt_confirmed_at,
                    f"{to} confirmed receipt of {child}'s file"
                    + (f" ({transfer.receipt_note})" if transfer.receipt_note else ""),
                    person_name(transfer.receipt_confirmed_by),
                )

    # sorted() is stable: entries at the same moment keep the order the record gives them.
    return sorted(entries, key=lambda entry: entry.order)
