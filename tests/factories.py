"""Filled records for tests, written straight through the models.

``full_record(school, dsl)`` gives an incident with every section of the record filled: the
disclosure, two young people (an adult on request), the initial review, the risk assessment,
the rules' result (through ``incidents.assessment.record_assessment``, confirmed by the DSL),
a viewing log, a device search, the decision with a referral, a contact with the parents of each
young person, a deletion request per young person, two actions and the review. Keyword
arguments change the parts tests care about; see ``full_record``'s signature.

Dates are relative to today, so "overdue" means the same whenever the suite runs.
"""

from datetime import date, datetime, timedelta

from django.utils import timezone

from incidents.models import (
    Action,
    ActionKind,
    Adult,
    Agency,
    AnswerChoice,
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
    ImageryViewing,
    Incident,
    InitialReview,
    ParentContact,
    Referral,
    Review,
    RiskAssessment,
    RiskRating,
    Sex,
    Status,
    ViewingGround,
    YoungPerson,
)
from incidents.services import open_incident
from incidents.services.records import _record_assessment as record_assessment

DEFAULT_NAMES = ("Amelia Hart", "Ben Cole")

# A romantic exchange between two 14 and 15 year olds, not shared further: experimental.
DEFAULT_FACTS = {
    "adult_involved": AnswerChoice.NO,
    "coerced": AnswerChoice.NO,
    "capacity_concern": AnswerChoice.NO,
    "intent_to_harm": AnswerChoice.NO,
    "shared_without_consent": AnswerChoice.NO,
    "romantic_relationship": AnswerChoice.YES,
    "attention_seeking": AnswerChoice.NO,
    "sent_to_others": AnswerChoice.YES,
    "unusual_or_violent_content": AnswerChoice.NO,
    "immediate_risk_of_harm": AnswerChoice.NO,
    "depicts_sexual_acts": AnswerChoice.NO,
}


def _born(age: int, on: date) -> date:
    """A date of birth giving ``age`` whole years on ``on`` (a day after the birthday)."""
    birthday = on - timedelta(days=30)
    return birthday.replace(year=birthday.year - age)


def _entry(user) -> dict:
    return {"created_by": user, "updated_by": user}


def full_record(
    school,
    dsl,
    *,
    reporter=None,
    incident_date: date | None = None,
    disclosed_at: datetime | None = None,
    names=DEFAULT_NAMES,
    ages=(14, 15),
    with_adult: bool = False,
    facts: dict | None = None,
    risk_rating: str = RiskRating.MEDIUM,
    confirm_result: bool = True,
    viewing_complete: bool = False,
    outcome: str = DecisionOutcome.REFERRED,
    decided_at: datetime | None = None,
    signed_off_by=None,
    deletion_overdue: bool = False,
    action_overdue: bool = False,
    status: str = Status.UNDER_REVIEW,
) -> Incident:
    """An incident of ``school`` with every section filled, written by ``dsl``.

    ``viewing_complete=False`` leaves one viewing safeguard (a second member of staff) and one
    search safeguard (same sex) unrecorded, so the record flags them. ``outcome`` is
    "referred" (a MASH referral) or "handled_in_school" (written reasons and a report to the
    hosting site; ``signed_off_by`` is the headteacher who signed it off, if any). ``status`` is
    set last, so a record can be built "approved" before anything locks it.
    """
    now = timezone.now()
    today = timezone.localdate()
    # An overdue deletion was asked for ten days ago, so the incident came before that.
    disclosed_at = disclosed_at or now - timedelta(days=19 if deletion_overdue else 5)
    incident_date = incident_date or timezone.localdate(disclosed_at) - timedelta(days=1)
    incident = open_incident(
        school=school,
        reported_by=reporter or dsl,
        incident_date=incident_date,
        disclosed_at=disclosed_at,
    )

    # Things happened over the past days; the DSL writes the record now, in one sitting.
    by = _entry(dsl)
    facts = ({"adult_involved": AnswerChoice.YES} if with_adult else {}) | (facts or {})

    Disclosure.objects.create(
        incident=incident,
        disclosed_by=DisclosedBy.CHILD,
        disclosed_by_name=names[0],
        disclosed_to="Ms Jones, form tutor",
        child_action=ChildAction.SENDING,
        account="She said she had sent a picture to her boyfriend and it is now going round.",
        image_kind=ImageKind.POTENTIALLY_ILLEGAL,
        imagery_description="A topless photograph, as described by the pupil.",
        how_widely_shared="Thought to be a small group in Year 10.",
        platforms="Snapchat",
        imagery_location=ImageryLocation.DEVICE_IN_POSSESSION,
        other_young_people="Two friends in her form were shown it.",
        needs_immediate_support=AnswerChoice.YES,
        immediate_support_notes="Stayed with the pastoral lead for the afternoon.",
        **by,
    )
    people = [
        YoungPerson.objects.create(
            incident=incident,
            name=name,
            date_of_birth=_born(age, incident_date),
            year_group="Year 10",
            sex=Sex.FEMALE if index == 0 else Sex.MALE,
            vulnerability="" if index else "SEN support: speech and language",
            is_pictured=index == 0,
            is_sender=index == 0,
            is_recipient=index == 1,
            is_sharer=index == 1,
            known_to_social_care=AnswerChoice.NO,
            **by,
        )
        for index, (name, age) in enumerate(zip(names, ages, strict=False))
    ]
    if with_adult:
        Adult.objects.create(
            incident=incident,
            name="Unknown adult contact",
            relationship="Online contact, not known to the family",
            involvement="Asked for the image in messages.",
            **by,
        )
    InitialReview.objects.create(
        incident=incident,
        meeting_date=(disclosed_at + timedelta(days=1)).date(),
        attendees="DSL, deputy DSL, head of year",
        further_information="Whether it was shared beyond the form.",
        **(DEFAULT_FACTS | facts),
        **by,
    )
    RiskAssessment.objects.create(
        incident=incident,
        why_shared="Within a relationship.",
        why_shared_note="Both said so separately.",
        coerced="No.",
        who_shared="The recipient showed two friends.",
        where_shared="In school, on a phone.",
        knowledge_of_pictured="No: she did not know it was shown.",
        adults_involved="None known.",
        impact="Upset; worried about her parents finding out.",
        vulnerabilities="SEN support.",
        understands_consent="Yes, after discussion.",
        previous_activity="None known.",
        rating=risk_rating,
        **by,
    )
    result = record_assessment(incident)
    if confirm_result:
        result.confirmed_by = dsl
        result.confirmed_at = timezone.now()
        result.save(update_fields=["confirmed_by", "confirmed_at"])

    viewed_at = disclosed_at + timedelta(days=1, hours=2)
    ImageryViewing.objects.create(
        incident=incident,
        ground=ViewingGround.UNAVOIDABLE,
        viewed_at=viewed_at,
        viewed_by="Ms Patel, DSL",
        viewer_is_dsl_or_delegated=True,
        headteacher_consulted=True,
        others_present="Mr Green, headteacher" if viewing_complete else "",
        second_staff_present=viewing_complete,
        location="Headteacher's office",
        on_school_premises=True,
        same_sex_as_pictured=True,
        reason="The pupil showed it on her phone before she could be stopped.",
        subsequent_actions="Phone switched off and locked away.",
        signed_by_viewer=True,
        **by,
    )
    DeviceSearch.objects.create(
        incident=incident,
        young_person=people[-1],
        device_description="Mobile phone",
        ownership=DeviceOwnership.PERSONAL,
        reason_to_believe="He said he still had the image.",
        searched_at=viewed_at + timedelta(hours=1),
        searched_by="Mr Green, headteacher",
        searcher_authorised=True,
        safeguarding_member_present=True,
        same_sex=viewing_complete,
        dsl_and_senior_told_before=True,
        confiscated=True,
        switched_off=True,
        locked_away=True,
        **by,
    )

    # The rules ran just now, so the decision made against their result follows it.
    decided_at = decided_at or timezone.now()
    handled = outcome == DecisionOutcome.HANDLED_IN_SCHOOL
    Decision.objects.create(
        incident=incident,
        assessment=result,
        outcome=outcome,
        decided_at=decided_at,
        reasons=(
            "Experimental, romantic; no adult; no coercion; both pupils and parents engaged."
            if handled
            else "Referred for advice: one pupil has SEN support."
        ),
        headteacher_signoff_by=signed_off_by,
        headteacher_signoff_at=now if signed_off_by else None,
        **by,
    )
    Referral.objects.create(
        incident=incident,
        agency=Agency.HOSTING_SITE if handled else Agency.MASH,
        made_at=decided_at + timedelta(minutes=20),
        made_by="Ms Patel, DSL",
        contact_name="" if handled else "MASH duty social worker",
        reference_number="RPT-77812" if handled else "MASH-2026-1182",
        outcome="Removal requested." if handled else "Advice: handle in school with support.",
        **by,
    )
    for person in people:
        ParentContact.objects.create(
            incident=incident,
            young_person=person,
            informed=True,
            parent_name=f"Parent of {person.name}",
            informed_at=decided_at + timedelta(hours=2),
            informed_by="Ms Patel, DSL",
            method=ContactMethod.PHONE,
            **by,
        )
    asked_on = today - timedelta(days=10) if deletion_overdue else today
    deadline = asked_on + timedelta(days=3 if deletion_overdue else 7)
    for person in people:
        DeletionRequest.objects.create(
            incident=incident,
            young_person=person,
            asked_on=asked_on,
            asked_by="Ms Patel, DSL",
            deadline=deadline,
            told_possession_illegal=True,
            parents_told=True,
            **by,
        )
    Action.objects.create(
        incident=incident,
        kind=ActionKind.PASTORAL,
        description="Weekly check-in with the pastoral lead.",
        owner="Mrs Khan, pastoral lead",
        due_date=today - timedelta(days=2) if action_overdue else today + timedelta(days=14),
        **by,
    )
    Action.objects.create(
        incident=incident,
        kind=ActionKind.EDUCATION,
        description="Year 10 lesson on consent and sharing images.",
        owner="Head of PSHE",
        due_date=today - timedelta(days=1),
        done_on=today - timedelta(days=1),
        **by,
    )
    Review.objects.create(
        incident=incident,
        reviewed_on=today,
        outcome="Resolved in school; both pupils supported.",
        lessons="Year 10 needed a reminder of how to report.",
        policies_to_update="None.",
        **by,
    )
    if status != incident.status:
        Incident.objects.filter(pk=incident.pk).update(status=status)
        incident.status = status
    return incident
