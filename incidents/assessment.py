"""Wiring between the record and ``incidents.rules`` (SPEC §4).

The facts come from three places, each held once: the initial review's answers, the young
people (ages at the incident date, known to children's social care) and the risk assessment's
overall rating. The school's policy profile decides which rules apply.
"""

from django.utils import timezone

from incidents import rules
from incidents.models import FACT_FIELDS, AnswerChoice, AssessmentResult, Incident, RiskRating


def _combined(answers: list[str]) -> rules.Answer:
    """Yes if any young person is known to social care, no only if none may be."""
    if AnswerChoice.YES in answers:
        return rules.Answer.YES
    if not answers or AnswerChoice.UNKNOWN in answers:
        return rules.Answer.UNKNOWN
    return rules.Answer.NO


def facts_for(incident: Incident) -> rules.Facts:
    young_people = list(incident.young_people.all())
    review = getattr(incident, "initial_review", None)
    risk = getattr(incident, "risk_assessment", None)
    answers = {}
    for name in FACT_FIELDS:
        value = getattr(review, name) if review else AnswerChoice.UNKNOWN
        answers[name] = rules.Answer(value)
    if risk is not None:
        answers["high_risk_assessment"] = (
            rules.Answer.YES if risk.rating == RiskRating.HIGH else rules.Answer.NO
        )
    answers["known_to_social_care"] = _combined([p.known_to_social_care for p in young_people])
    ages = tuple(p.age_at(incident.incident_date) for p in young_people)
    return rules.Facts(ages=ages, **answers)


def facts_as_json(facts: rules.Facts) -> dict:
    data = {name: getattr(facts, name).value for name in rules.ANSWER_FIELDS}
    data["ages"] = list(facts.ages)
    return data


def current_result(incident: Incident) -> AssessmentResult | None:
    return incident.assessment_results.order_by("-computed_at", "-pk").first()


def record_assessment(incident: Incident) -> AssessmentResult:
    """Run the rules over the record's facts; store a new result only when it differs.

    A stored result is never edited, so a decision keeps pointing at what it was made on.
    """
    facts = facts_for(incident)
    result = rules.assess(facts, policy=incident.school.policy_profile)
    facts_json = facts_as_json(facts)
    latest = current_result(incident)
    if (
        latest is not None
        and latest.facts == facts_json
        and latest.policy == result.policy
        and latest.policy_version == result.policy_version
    ):
        return latest
    return AssessmentResult.objects.create(
        incident=incident,
        computed_at=timezone.now(),
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
    )
