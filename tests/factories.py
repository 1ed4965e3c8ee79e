"""Filled records for tests, written as a DSL writes them: through ``incidents.scenarios``.

``full_record(school, dsl)`` gives an incident with every part of the record filled, each saved
through its wizard step's forms and service, as the pages save it: the concern (reported by
``reporter``, the DSL by default), the disclosure, two young people (an adult on request), the
initial review, the risk assessment, the rules' result confirmed by the DSL, a viewing log, a
device search, the decision with a referral, a contact with the parents of each young person, a
deletion request per young person, two actions (and the staff-support action the product adds
for an unavoidable viewing) and the review. Signed stages go through the signing services.
Keyword arguments change the parts tests care about; see ``full_record``'s signature.

Dates are relative to today, so "overdue" means the same whenever the suite runs.
"""

from datetime import date, datetime, timedelta

from django.utils import timezone

from incidents import scenarios
from incidents.models import (
    AnswerChoice,
    DecisionOutcome,
    Incident,
    Membership,
    RiskRating,
    Role,
    Status,
)
from tests.conftest import PASSWORD, totp_device

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
    "financial_extortion": AnswerChoice.NO,
}

RISK_ANSWERS = {
    "why_shared": "Within a relationship.",
    "why_shared_note": "Both said so separately.",
    "coerced": "no",
    "who_shared": "The recipient showed two friends.",
    "where_shared": "In school, on a phone.",
    "knowledge_of_pictured": "no",
    "knowledge_of_pictured_note": "She did not know it was shown.",
    "adults_involved": "no",
    "adults_involved_note": "None known.",
    "impact": "Upset; worried about her parents finding out.",
    "vulnerabilities": "yes",
    "vulnerabilities_note": "SEN support.",
    "understands_consent": "yes",
    "understands_consent_note": "After discussion.",
    "previous_activity": "no",
    "previous_activity_note": "None known.",
}

SIGNED = (Status.AWAITING_APPROVAL, Status.APPROVED)


def reported_concern(school, reporter) -> Incident:
    """A concern a member of staff has just reported, through the concern form: nothing else."""
    disclosed_at = timezone.now() - timedelta(hours=2)
    scenario = scenarios.Scenario(
        name="tests/factories.py reported_concern",
        data={
            "school": school.slug,
            "stage": Status.REPORTED,
            "concern": {
                "by": reporter.username,
                "incident_date": timezone.localdate(disclosed_at) - timedelta(days=1),
                "disclosed_at": disclosed_at,
                "disclosed_by": "child",
                "disclosed_to": "Ms Jones, form tutor",
                "child_action": "receiving",
                "account": "She said a boy in her year sent her a picture and asked for one back.",
                "image_kind": "not_known",
                "imagery_location": "device_in_possession",
                "needs_immediate_support": "no",
            },
        },
    )
    return scenarios.write(scenario, password=PASSWORD)


def headteacher(school):
    return Membership.objects.get(school=school, role=Role.HEADTEACHER).user


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
    override: tuple[str, str, str] | None = None,
    viewing_complete: bool | None = None,
    outcome: str = DecisionOutcome.REFERRED,
    decided_at: datetime | None = None,
    unmet_reasons: dict[str, str] | None = None,
    signed_off_by=None,
    deletion_overdue: bool = False,
    action_overdue: bool = False,
    status: str = Status.UNDER_REVIEW,
) -> Incident:
    """An incident of ``school`` with every part filled, written by ``dsl``; ages are at the
    incident date.

    The viewing is an unavoidable one (the pupil showed it). ``viewing_complete=False`` leaves
    one condition of the device search (same sex) unmet, with the DSL's explanation, so the
    record flags it; by default it is met when ``status`` needs a signature, and left unmet
    otherwise. ``outcome`` is "referred" (a MASH referral) or "handled_in_school" (written
    reasons and a report to the hosting site; ``signed_off_by`` is the headteacher who signs
    it off, if any). ``unmet_reasons`` adds the DSL's reasons for requirements no referral
    meets, by requirement code (``{"police": "..."}``), to those the outcome already writes.
    The DSL confirms the rules' result, or overrides it with
    ``override=(category, subtype, reason)``. ``confirm_result=False``: the DSL confirmed and
    decided, then changed a fact at the initial review, so the latest result is unconfirmed
    and the decision was made on an earlier one. ``status`` "awaiting_approval": the DSL signs;
    "approved": the school's headteacher then approves (with the sign-off of a decision not to
    refer, when it is not given already).
    """
    now = timezone.now()
    today = timezone.localdate()
    reporter = reporter or dsl
    handled = outcome == DecisionOutcome.HANDLED_IN_SCHOOL
    if viewing_complete is None:
        viewing_complete = status in SIGNED
    # An overdue deletion was asked for ten days ago, so the incident came before that.
    disclosed_at = disclosed_at or now - timedelta(days=19 if deletion_overdue else 5)
    incident_date = incident_date or timezone.localdate(disclosed_at) - timedelta(days=1)
    # Things happened over the past days (never later than now); the DSL writes the record
    # now, in one sitting.
    decided_at = decided_at or max(now - timedelta(hours=3), disclosed_at)
    viewed_at = min(disclosed_at + timedelta(days=1, hours=2), now)
    met = min(disclosed_at + timedelta(days=1), now)
    facts = ({"adult_involved": AnswerChoice.YES} if with_adult else {}) | (facts or {})
    facts = DEFAULT_FACTS | facts
    risk_first = any(13 <= age <= 17 for age in ages)

    risk = {"id": "risk-assessment", "risk": RISK_ANSWERS | {"rating": risk_rating}}
    if override is None:
        assessment = {"id": "assessment", "assessment": {"choice": "confirm"}}
    else:
        category, subtype, reason = override
        assessment = {
            "id": "assessment",
            "assessment": {
                "choice": "override",
                "override_category": category,
                "override_subtype": subtype,
                "override_reason": reason,
            },
        }
    decision = {
        "id": "decision",
        "referrals": [
            {
                "agency": "hosting_site" if handled else "mash",
                "made_at": min(decided_at + timedelta(minutes=20), now),
                "made_by": "Ms Patel, DSL",
                "contact_name": "" if handled else "MASH duty social worker",
                "reference_number": "RPT-77812" if handled else "MASH-2026-1182",
                "outcome": "Removal requested."
                if handled
                else "Advice: handle in school with support.",
            }
        ],
        "decision": {
            "outcome": outcome,
            "decided_at": decided_at,
            "reasons": (
                "Experimental, romantic; no adult; no coercion; both pupils and parents engaged."
                if handled
                else "Referred for advice: one pupil has SEN support."
            ),
            **(
                {
                    "reason_not_referred": "No adult, no coercion, no intent to harm; the "
                    "school can manage the risks with both families."
                }
                if handled
                else {
                    "reason_police": "The MASH duty social worker takes the referral and "
                    "will involve the police if they need to."
                }
            ),
            **{f"reason_{code}": text for code, text in (unmet_reasons or {}).items()},
        },
    }
    asked_on = today - timedelta(days=10) if deletion_overdue else today
    deadline = asked_on + timedelta(days=3 if deletion_overdue else 7)

    steps = [
        {
            "id": "disclosure",
            "disclosure": {
                "imagery_description": "A topless photograph, as described by the pupil.",
                "how_widely_shared": "Thought to be a small group in Year 10.",
                "platforms": "Snapchat",
            },
        },
        {
            "id": "people",
            "young_people": [
                {
                    "name": name,
                    "date_of_birth": f"aged {age} years 1 month at the incident",
                    "year_group": "Year 10",
                    "sex": "female" if index == 0 else "male",
                    "vulnerability": "" if index else "SEN support: speech and language",
                    "is_pictured": index == 0,
                    "is_sender": index == 0,
                    "is_recipient": index == 1,
                    "is_sharer": index == 1,
                    "known_to_social_care": "no",
                }
                for index, (name, age) in enumerate(zip(names, ages, strict=False))
            ],
            "adults": [
                {
                    "name": "Unknown adult contact",
                    "relationship": "Online contact, not known to the family",
                    "involvement": "Asked for the image in messages.",
                }
            ]
            if with_adult
            else [],
        },
        {
            "id": "initial-review",
            "review": {
                "meeting_date": timezone.localdate(met),
                "meeting_time": f"{timezone.localtime(met):%H:%M}",
                "attendees": "DSL, deputy DSL, head of year",
                "further_information": "Whether it was shared beyond the form.",
                **facts,
            },
        },
        *([risk] if risk_first else []),
        assessment,
        {
            "id": "imagery-devices",
            "imagery": {"viewed": "yes"},
            "viewings": [
                {
                    "ground": "unavoidable",
                    "viewed_at": viewed_at,
                    "viewed_by": "Ms Patel, DSL",
                    "viewer_is_dsl_or_delegated": True,
                    "headteacher_consulted": True,
                    "others_present": "Mr Green, headteacher" if viewing_complete else "",
                    "second_staff_present": viewing_complete,
                    "location": "Headteacher's office",
                    "on_school_premises": True,
                    "same_sex_as_pictured": True,
                    "reason": "The pupil showed it on her phone before she could be stopped.",
                    "how_it_came_about": "The pupil held her phone up to show what was sent.",
                    "device_action": "Phone switched off and locked away.",
                    "not_copied_or_shared": True,
                    "subsequent_actions": "Phone switched off and locked away.",
                    "signed_by_viewer": True,
                }
            ],
            "devices": [
                {
                    "young_person": names[-1],
                    "device_description": "Mobile phone",
                    "ownership": "personal",
                    "reason_to_believe": "He said he still had the image.",
                    "searched_at": min(viewed_at + timedelta(hours=1), now),
                    "searched_by": "Mr Green, headteacher",
                    "searcher_authorised": True,
                    "safeguarding_member_present": True,
                    "same_sex": viewing_complete,
                    "dsl_and_senior_told_before": True,
                    "confiscated": True,
                    "switched_off": True,
                    "locked_away": True,
                    "safeguards_explanation": ""
                    if viewing_complete
                    else "No male member of staff was in school to search it.",
                }
            ],
        },
        decision,
        # Without a young person of 13 to 17, the risk assessment applies once the decision is
        # not to refer; the DSL then confirms the new result and saves the decision again.
        *([risk, assessment, {"id": "decision"}] if handled and not risk_first else []),
        {
            "id": "parents",
            **{
                name: {
                    "informed": "yes",
                    "parent_name": f"Parent of {name}",
                    "informed_at": min(decided_at + timedelta(hours=2), now),
                    "informed_by": "Ms Patel, DSL",
                    "method": "phone",
                }
                for name in names
            },
        },
        {
            "id": "follow-up",
            "deletions": [
                {
                    "young_person": name,
                    "asked_on": asked_on,
                    "asked_by": "Ms Patel, DSL",
                    "deadline": deadline,
                    "told_possession_illegal": True,
                    "parents_told": True,
                }
                for name in names
            ],
            "actions": [
                {
                    "kind": "pastoral",
                    "description": "Weekly check-in with the pastoral lead.",
                    "owner": "Mrs Khan, pastoral lead",
                    "due_date": today - timedelta(days=2)
                    if action_overdue
                    else today + timedelta(days=14),
                },
                {
                    "kind": "education",
                    "description": "Year 10 lesson on consent and sharing images.",
                    "owner": "Head of PSHE",
                    "due_date": today - timedelta(days=1),
                    "done_on": today - timedelta(days=1),
                },
            ],
        },
        {
            "id": "review",
            "review": {
                "reviewed_on": today,
                "outcome": "Resolved in school; both pupils supported.",
                "lessons": "Year 10 needed a reminder of how to report.",
                "policies_to_update": "None.",
            },
        },
    ]
    if not confirm_result:
        # A fact changes after the decision, and with it the rules' outcome (the subtype): the
        # new result waits for the DSL's confirmation.
        romantic = facts["romantic_relationship"] == AnswerChoice.YES
        changed = AnswerChoice.NO if romantic else AnswerChoice.YES
        steps.append({"id": "initial-review", "review": {"romantic_relationship": changed}})

    # Signatures go through the services with the password and a code from the signer's
    # authenticator. A device refuses a code used before, and tests sign many records within
    # one 30-second step: the scenario writer re-arms the device before each signature (it
    # forgets the last code used, as seed_demo does) and puts it back afterwards, rather than
    # this waiting for the next code.
    if signed_off_by is not None:
        totp_device(signed_off_by)
        steps.append({"id": "sign-off-non-referral", "by": signed_off_by.username})
    if status in SIGNED:
        totp_device(dsl)
        steps.append({"id": "sign"})
    if status == Status.APPROVED:
        head = headteacher(school)
        totp_device(head)
        steps.append(
            {
                "id": "approve",
                "by": head.username,
                # Given with approval whenever the decision needs it and has not had it.
                "sign_off_non_referral": signed_off_by is None,
            }
        )

    scenario = scenarios.Scenario(
        name="tests/factories.py full_record",
        data={
            "school": school.slug,
            "dsl": dsl.username,
            "stage": status,
            "concern": {
                "by": reporter.username,
                "incident_date": incident_date,
                "disclosed_at": disclosed_at,
                "disclosed_by": "child",
                "disclosed_by_name": names[0],
                "disclosed_to": "Ms Jones, form tutor",
                "child_action": "sending",
                "account": (
                    "She said she had sent a picture to her boyfriend and it is now going round."
                ),
                "image_kind": "potentially_illegal",
                "imagery_location": "device_in_possession",
                "other_young_people": "Two friends in her form were shown it.",
                "needs_immediate_support": "yes",
                "immediate_support_notes": "Stayed with the pastoral lead for the afternoon.",
            },
            "step": steps,
        },
    )
    return scenarios.write(scenario, password=PASSWORD)
