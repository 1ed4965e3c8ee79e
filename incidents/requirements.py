"""What the policy asks of one record, and what the record still lacks.

The rules (``incidents.rules``) say what a set of facts calls for; this module holds that
against the record: which referrals the result asks for and which of them the record shows,
whether the risk assessment applies, whether the headteacher must sign off a decision, and the
one list of what is missing before the DSL may sign (``missing_items``). The check-answers page
shows that list, signing refuses a record while it is not empty, and the PDF and the inspection
pack report it: nothing else decides. See docs/policy.md.

It reads a record loaded by ``incidents.record.load`` and makes no query of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from incidents import rules
from incidents.display import date_text
from incidents.models import (
    FACT_FIELDS,
    Agency,
    AnswerChoice,
    AssessmentResult,
    Decision,
    DecisionOutcome,
    Incident,
    RiskRating,
)
from incidents.record import (
    agencies_referred,
    current_result,
    parent_contact_of,
    section,
)

# Referrals that involve an agency in the child's protection; a report to a hosting site or to
# CEOP alone does not (docs/policy.md#decision-and-referrals).
AGENCY_REFERRALS = frozenset(
    {Agency.MASH, Agency.SOCIAL_CARE, Agency.POLICE_101, Agency.POLICE_999}
)
SOCIAL_CARE_REFERRALS = frozenset({Agency.MASH, Agency.SOCIAL_CARE})
POLICE_REFERRALS = frozenset({Agency.POLICE_101, Agency.POLICE_999})

# The rules' result as stored, or as worked out and not yet stored (the live preview).
Result = AssessmentResult | rules.Assessment


# The facts the rules are given ------------------------------------------------------------


def _combined(answers: list[str]) -> rules.Answer:
    """Yes if any young person is known to social care, no only if none may be."""
    if AnswerChoice.YES in answers:
        return rules.Answer.YES
    if not answers or AnswerChoice.UNKNOWN in answers:
        return rules.Answer.UNKNOWN
    return rules.Answer.NO


def facts_for(incident: Incident, answers: dict[str, str] | None = None) -> rules.Facts:
    """The record's facts for the rules, each from the one place it is held.

    The initial review's answers (or ``answers``, typed and not yet saved, for the live
    preview); the young people's ages at the incident date and whether any is known to
    children's social care; the risk assessment's overall rating.
    """
    review = section(incident, "initial_review")
    risk = section(incident, "risk_assessment")
    young_people = list(incident.young_people.all())
    given: dict[str, rules.Answer] = {}
    for name in FACT_FIELDS:
        if answers is not None:
            value = answers.get(name, AnswerChoice.UNKNOWN)
        else:
            value = getattr(review, name) if review else AnswerChoice.UNKNOWN
        given[name] = rules.Answer(value if value in AnswerChoice.values else AnswerChoice.UNKNOWN)
    if risk is not None:
        given["high_risk_assessment"] = (
            rules.Answer.YES if risk.rating == RiskRating.HIGH else rules.Answer.NO
        )
    given["known_to_social_care"] = _combined([p.known_to_social_care for p in young_people])
    ages = tuple(p.age_at(incident.incident_date) for p in young_people)
    return rules.Facts(ages=ages, **given)


def facts_as_json(facts: rules.Facts) -> dict[str, object]:
    """The facts as an assessment result stores them."""
    data: dict[str, object] = {name: getattr(facts, name).value for name in rules.ANSWER_FIELDS}
    data["ages"] = list(facts.ages)
    return data


def assess_record(incident: Incident, answers: dict[str, str] | None = None) -> rules.Assessment:
    """The rules' result for the record as it stands, under its school's policy profile."""
    return rules.assess(facts_for(incident, answers), policy=incident.school.policy_profile)


# What the result asks of the record -------------------------------------------------------


def referral_requirements(result: Result | None) -> list[str]:
    """What the rules' result asks of the decision, in words, for the decision step."""
    if result is None:
        return []
    needs = []
    if result.mash_referral:
        criteria = "; ".join(rules.CRITERION_LABELS.get(c, c) for c in result.mash_criteria)
        needs.append(f"An immediate referral to the MASH is required ({criteria}).")
    if result.police == "required":
        needs.append("A referral to the police is required (an adult is, or may be, involved).")
    elif result.police == "advised":
        needs.append("A referral to the police is almost always proportionate (aggravated).")
    if result.social_care_contact:
        needs.append(
            "Contact children's social care: a young person involved is, or has been, known "
            "to them."
        )
    return needs


def unmet_requirements(result: Result | None, agencies: set[str]) -> list[str]:
    """The referrals the result asks for that referrals to ``agencies`` do not cover."""
    if result is None:
        return []
    unmet = []
    if result.mash_referral and not agencies & SOCIAL_CARE_REFERRALS:
        unmet.append("the rules require an immediate referral to the MASH")
    if result.police in ("required", "advised") and not agencies & POLICE_REFERRALS:
        unmet.append(
            "the rules say a police referral is "
            + ("required" if result.police == "required" else "almost always proportionate")
        )
    if result.social_care_contact and not agencies & SOCIAL_CARE_REFERRALS:
        unmet.append("a young person is known to children's social care")
    return unmet


def risk_assessment_applies(incident: Incident) -> bool:
    """For young people aged 13 to 17, and whenever no referral is made (Wolverhampton,
    Assessing the risks; docs/policy.md#risk-assessment).

    Until the people involved are recorded, their ages are not known, so it may apply.
    """
    people = list(incident.young_people.all())
    if not people:
        return True
    decision = section(incident, "decision")
    not_referred = decision is not None and decision.outcome == DecisionOutcome.HANDLED_IN_SCHOOL
    return not_referred or any(13 <= p.age_at(incident.incident_date) <= 17 for p in people)


def decision_is_current(incident: Incident) -> bool:
    """The decision was made against the rules' result as the facts now stand."""
    decision = section(incident, "decision")
    result = current_result(incident)
    return decision is not None and result is not None and decision.assessment_id == result.pk


def needs_non_referral_signoff(decision: Decision | None) -> bool:
    """A decision not to refer waits for the headteacher's sign-off (Wolverhampton, Recording
    incidents: "we will record our reason for doing so and ensure that this is signed off by the
    Headteacher")."""
    return (
        decision is not None
        and decision.outcome == DecisionOutcome.HANDLED_IN_SCHOOL
        and decision.headteacher_signoff_by_id is None
    )


@dataclass(frozen=True)
class MissingItem:
    """Something the record lacks, and the part of the record (``record.PARTS``) that holds it."""

    step: str
    message: str


def missing_items(incident: Incident) -> list[MissingItem]:
    """Everything the policy requires of the record that it does not yet show."""
    missing: list[MissingItem] = []

    def need(step: str, message: str) -> None:
        missing.append(MissingItem(step, message))

    people = list(incident.young_people.all())
    if section(incident, "disclosure") is None:
        need("disclosure", "The disclosure is not recorded.")
    if not people:
        need("people", "No young person is recorded.")

    review = section(incident, "initial_review")
    if review is None:
        need("initial-review", "The initial review meeting is not recorded.")
    elif review.adult_involved == AnswerChoice.NO and incident.adults.all():
        need(
            "initial-review",
            "An adult is recorded among the people involved, but the initial review answers "
            "that no adult is involved.",
        )

    if risk_assessment_applies(incident) and section(incident, "risk_assessment") is None:
        need(
            "risk-assessment",
            "The risk assessment is missing: it is needed for young people aged 13 to 17 and "
            "whenever no referral is made (Wolverhampton, Assessing the risks).",
        )

    result = current_result(incident)
    if result is None or result.confirmed_at is None:
        need("assessment", "The rules' result has not been confirmed or overridden by the DSL.")

    decision = section(incident, "decision")
    agencies = agencies_referred(incident)
    if decision is None:
        need("decision", "No decision is recorded.")
    else:
        if result is not None and decision.assessment_id != result.pk:
            need(
                "decision",
                "The facts changed after the decision was made: review the decision against "
                "the current result and save it again.",
            )
        unmet = unmet_requirements(result, agencies)
        if unmet and not decision.reasons.strip():
            need(
                "decision",
                "No referral is recorded where " + "; ".join(unmet) + ", and no written reasons.",
            )
        if decision.outcome == DecisionOutcome.REFERRED and not agencies:
            need("decision", "The decision is to refer, but no referral is recorded.")
        if decision.outcome == DecisionOutcome.HANDLED_IN_SCHOOL and agencies & AGENCY_REFERRALS:
            need(
                "decision",
                "The decision is to handle the incident in school, but a referral is recorded.",
            )

    for viewing in incident.viewings.all():
        gaps = viewing.missing_safeguards()
        if gaps:
            need(
                "imagery-devices",
                f"The viewing log of {date_text(viewing.viewed_at)} is missing safeguards: "
                + "; ".join(gaps)
                + ".",
            )
    for search in incident.device_searches.all():
        gaps = search.missing_safeguards()
        if gaps:
            need(
                "imagery-devices",
                f"The device search of {date_text(search.searched_at)} is missing safeguards: "
                + "; ".join(gaps)
                + ".",
            )

    for person in people:
        if parent_contact_of(incident, person) is None:
            need(
                "parents",
                f"{person.name}: parents or carers not recorded as informed, and no reason "
                "recorded for not informing them.",
            )

    if section(incident, "review") is None:
        need("review", "The review of the outcome (policy Step 8) is not recorded.")
    return missing
