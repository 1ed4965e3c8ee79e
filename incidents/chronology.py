"""The record's chronology: every dated entry, in the order it happened.

Inspectors ask whether decisions and referrals were timely (Wolverhampton "Recording
incidents"), so the chronology puts each thing the record knows the time of on one line. It is
built from a record loaded by ``incidents.record.load`` and makes no query of its own.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone

from incidents import rules
from incidents.display import person_name
from incidents.models import DecisionOutcome, Incident
from incidents.record import section


@dataclass(frozen=True)
class Entry:
    at: datetime
    label: str
    by: str = ""
    # Some entries are known to the day only (a meeting date, a deadline): shown without a time.
    date_only: bool = False
    overdue: bool = False


def _day(value: date) -> datetime:
    """A day as the start of that day in the school's time zone, so it sorts among times."""
    return timezone.make_aware(datetime.combine(value, time.min))


def chronology(incident: Incident) -> list[Entry]:
    """Every timestamped entry of the record, earliest first; ties keep the record's order."""
    entries: list[Entry] = []

    def add(at: date | datetime | None, label: str, by: str = "", *, overdue: bool = False) -> None:
        if at is None:
            return
        if isinstance(at, datetime):
            entries.append(Entry(at, label, by, overdue=overdue))
        else:
            entries.append(Entry(_day(at), label, by, date_only=True, overdue=overdue))

    today = timezone.localdate()
    add(incident.incident_date, "Incident happened (as far as is known)")
    disclosure = section(incident, "disclosure")
    if disclosure is None:
        add(incident.disclosed_at, "Concern first disclosed")
    else:
        add(
            incident.disclosed_at,
            f"Concern first disclosed to {disclosure.disclosed_to}",
            disclosure.get_disclosed_by_display(),
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
        add(review.meeting_date, "Initial review meeting", person_name(review.created_by))
    risk = section(incident, "risk_assessment")
    if risk is not None:
        add(
            risk.created_at,
            f"Risk assessment recorded (overall risk: {risk.get_rating_display().lower()})",
            person_name(risk.created_by),
        )

    for result in incident.assessment_results.all():
        outcome = (
            f"{rules.CATEGORY_LABELS.get(result.category, result.category)}, "
            f"{rules.SUBTYPE_LABELS.get(result.subtype, result.subtype)}"
        )
        add(
            result.computed_at,
            f"Rules' result computed: {outcome} ({result.policy} {result.policy_version})",
        )
        if result.confirmed_at is not None:
            verb = "overridden" if result.overridden else "confirmed"
            add(result.confirmed_at, f"Rules' result {verb}", person_name(result.confirmed_by))

    for viewing in incident.viewings.all():
        add(viewing.viewed_at, "Imagery viewed", viewing.viewed_by)
    for search in incident.device_searches.all():
        add(search.searched_at, f"Device searched: {search.device_description}", search.searched_by)
        add(search.handed_to_police_at, "Device handed to the police", search.police_officer)

    decision = section(incident, "decision")
    if decision is not None:
        add(
            decision.decided_at,
            f"Decision: {decision.get_outcome_display()}",
            person_name(decision.created_by),
        )
        if decision.outcome == DecisionOutcome.HANDLED_IN_SCHOOL:
            add(
                decision.headteacher_signoff_at,
                "Non-referral decision signed off by the headteacher",
                person_name(decision.headteacher_signoff_by),
            )
    for referral in incident.referrals.all():
        label = f"Referral: {referral.get_agency_display()}"
        if referral.reference_number:
            label += f" (reference {referral.reference_number})"
        add(referral.made_at, label, referral.made_by)

    for contact in incident.parent_contacts.all():
        child = contact.young_person.name
        if contact.informed:
            add(
                contact.informed_at,
                f"Parent or carer of {child} informed ({contact.parent_name})",
                contact.informed_by,
            )
        else:
            add(
                contact.created_at,
                f"Decision not to inform the parents or carers of {child}",
                person_name(contact.created_by),
            )

    for deletion in incident.deletions.all():
        child = deletion.young_person.name
        add(deletion.asked_on, f"{child} asked to delete the imagery", deletion.asked_by)
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

    final_review = section(incident, "review")
    if final_review is not None:
        add(final_review.reviewed_on, "Outcome review", person_name(final_review.created_by))

    for signature in incident.signatures.all():
        add(signature.signed_at, signature.get_kind_display(), signature.signer_name)
    for addendum in incident.addenda.all():
        add(addendum.created_at, "Addendum added", person_name(addendum.author))

    # sorted() is stable: entries at the same moment keep the order the record gives them.
    return sorted(entries, key=lambda entry: entry.at)
