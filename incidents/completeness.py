"""What a record still lacks before the DSL may sign it (SPEC §5 check answers, §10).

``missing_items`` is the one list: the check-answers page shows it, and signing refuses a record
while it is not empty. Each item names the wizard step where it is put right.
"""

from __future__ import annotations

from dataclasses import dataclass

from incidents import wizard
from incidents.forms.common import date_text
from incidents.models import AnswerChoice, DecisionOutcome, Incident


@dataclass(frozen=True)
class MissingItem:
    step: str
    message: str


def missing_items(incident: Incident) -> list[MissingItem]:
    """Everything the policy requires of the record that it does not yet show."""
    if not hasattr(incident, "_prefetched_objects_cache"):
        incident = wizard.load(incident)
    missing: list[MissingItem] = []

    def need(step: str, message: str) -> None:
        missing.append(MissingItem(step, message))

    people = list(incident.young_people.all())
    if wizard.section(incident, "disclosure") is None:
        need("disclosure", "The disclosure is not recorded.")
    if not people:
        need("people", "No young person is recorded.")

    review = wizard.section(incident, "initial_review")
    if review is None:
        need("initial-review", "The initial review meeting is not recorded.")
    elif review.adult_involved == AnswerChoice.NO and incident.adults.all():
        need(
            "initial-review",
            "An adult is recorded among the people involved, but the initial review answers "
            "that no adult is involved.",
        )

    risk_step = wizard.get_step("risk-assessment")
    if risk_step.is_applicable(incident) and not risk_step.is_completed(incident):
        need(
            "risk-assessment",
            "The risk assessment is missing: it is needed for young people aged 13 to 17 and "
            "whenever no referral is made (Wolverhampton, Assessing the risks).",
        )

    result = wizard.result_of(incident)
    if result is None or result.confirmed_at is None:
        need("assessment", "The rules' result has not been confirmed or overridden by the DSL.")

    decision = wizard.section(incident, "decision")
    agencies = wizard.agencies_referred(incident)
    if decision is None:
        need("decision", "No decision is recorded.")
    else:
        if result is not None and decision.assessment_id != result.pk:
            need(
                "decision",
                "The facts changed after the decision was made: review the decision against "
                "the current result and save it again.",
            )
        unmet = wizard.unmet_requirements(result, agencies)
        if unmet and not decision.reasons.strip():
            need(
                "decision",
                "No referral is recorded where " + "; ".join(unmet) + ", and no written reasons.",
            )
        if decision.outcome == DecisionOutcome.REFERRED and not agencies:
            need("decision", "The decision is to refer, but no referral is recorded.")
        if decision.outcome == DecisionOutcome.HANDLED_IN_SCHOOL and (
            agencies & wizard.AGENCY_REFERRALS
        ):
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
        if wizard.parent_contact_of(incident, person) is None:
            need(
                "parents",
                f"{person.name}: parents or carers not recorded as informed, and no reason "
                "recorded for not informing them.",
            )

    if wizard.section(incident, "review") is None:
        need("review", "The review of the outcome (policy Step 8) is not recorded.")
    return missing
