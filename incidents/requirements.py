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

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from incidents import rules
from incidents.display import date_text
from incidents.models import (
    FACT_FIELDS,
    AdviceAgency,
    AdviceSought,
    Agency,
    AnswerChoice,
    AssessmentResult,
    ChildAction,
    DecisionOutcome,
    ImageryLocation,
    ImageryOrigin,
    Incident,
    Referral,
    RiskRating,
    ai_generated_answer,
)
from incidents.record import (
    agencies_referred,
    current_result,
    parent_contact_of,
    risk_rows,
    section,
)

# Referrals that involve an agency in the child's protection; a report to a hosting site or to
# CEOP alone does not (docs/policy.md#decision-and-referrals).
AGENCY_REFERRALS = frozenset(
    {Agency.MASH, Agency.SOCIAL_CARE, Agency.POLICE_101, Agency.POLICE_999}
)

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
    # How the imagery came about, asked once, gives whether it is AI-generated (2026).
    origin = (
        answers.get("imagery_origin", "")
        if answers is not None
        else (review.imagery_origin if review else "")
    )
    given["ai_generated"] = rules.Answer(ai_generated_answer(origin))
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

# How firmly the policy asks for a referral. Not meeting a "required", "advised" or "record"
# requirement needs written reasons and the headteacher's sign-off; not meeting a
# "discretionary" one needs written reasons; "consider" is a prompt, with its clause.
REQUIRED = "required"
ADVISED = "advised"
DISCRETIONARY = "discretionary"
RECORD = "record"
CONSIDER = "consider"
LEVEL_WORDS = {
    REQUIRED: "required",
    ADVISED: "advised (almost always proportionate)",
    DISCRETIONARY: "at the school's discretion",
    RECORD: "not required, but not referring needs reasons and the headteacher's sign-off",
    CONSIDER: "to consider",
}
_NEEDS_REASONS = {REQUIRED, ADVISED, DISCRETIONARY, RECORD}
_NEEDS_SIGNOFF = {REQUIRED, ADVISED, RECORD}

# The requirements, by code (stable: the DSL's reasons are stored under them).
IMMEDIATE = "immediate_referral"
AGGRAVATED = "aggravated_referral"
AT_RISK = "at_risk_referral"
POLICE = "police"
SOCIAL_CARE = "social_care"
NOT_REFERRED = "not_referred"
CEOP = "ceop_report"
HOSTING_SITE = "hosting_site_report"

# Each kind of referral or report in the rules' words (``rules.AGENCIES``), and the reports that
# are no agency's referral; advice sought is of an agency too, but never meets a requirement.
_CEOP = "ceop"
_HOSTING_SITE = "hosting_site"
AGENCY_WORDS: dict[str, str] = {
    Agency.MASH: rules.AGENCY_MASH,
    Agency.SOCIAL_CARE: rules.AGENCY_SOCIAL_CARE,
    Agency.POLICE_101: rules.AGENCY_POLICE,
    Agency.POLICE_999: rules.AGENCY_POLICE,
    Agency.CEOP: _CEOP,
    Agency.HOSTING_SITE: _HOSTING_SITE,
}
ADVICE_WORDS: dict[str, frozenset[str]] = {
    AdviceAgency.MASH: frozenset({rules.AGENCY_MASH}),
    AdviceAgency.SOCIAL_CARE: frozenset({rules.AGENCY_SOCIAL_CARE}),
    AdviceAgency.POLICE_101: frozenset({rules.AGENCY_POLICE}),
    AdviceAgency.CEOP: frozenset({_CEOP}),
    AdviceAgency.LOCAL_AUTHORITY: frozenset({rules.AGENCY_MASH, rules.AGENCY_SOCIAL_CARE}),
}
# A referral to any of these involves an agency in the child's protection (Wolverhampton,
# Recording incidents: "to the police or children's social care").
_PROTECTING = frozenset({rules.AGENCY_MASH, rules.AGENCY_SOCIAL_CARE, rules.AGENCY_POLICE})


@dataclass(frozen=True)
class Requirement:
    """One thing the policy asks of this record, and what the record shows against it."""

    code: str
    level: str
    what: str  # "An immediate referral to the MASH"
    why: str  # in the profile's words
    clause: str  # the policy's words and where they are
    agencies: frozenset[str]  # a referral to any of these (``AGENCY_WORDS``) meets it
    met: bool = False
    referrals: tuple[Referral, ...] = ()
    advice: tuple[AdviceSought, ...] = ()
    reasons: str = ""
    # The code of the requirement whose written reasons cover this one as well.
    reasons_with: str = ""

    @property
    def level_words(self) -> str:
        return LEVEL_WORDS[self.level]

    @property
    def needs_reasons(self) -> bool:
        return not self.met and self.level in _NEEDS_REASONS and not self.reasons_with

    @property
    def reasons_missing(self) -> bool:
        return self.needs_reasons and not self.reasons.strip()

    @property
    def needs_signoff(self) -> bool:
        return not self.met and self.level in _NEEDS_SIGNOFF


@dataclass(frozen=True)
class Requirements:
    """What the policy asks of one record (``of``), in the order a DSL meets them."""

    items: tuple[Requirement, ...]
    # Whether a decision is saved (before it is, a sign-off cannot be awaited yet).
    decided: bool = False
    signoff_at: datetime | None = None
    signoff_by: Any = None
    # "headteacher", or "second_signatory" where the headteacher was the incident's DSL.
    signoff_role: str = ""

    @property
    def signoff_by_second_signatory(self) -> bool:
        return self.signoff_role == "second_signatory"

    def __iter__(self) -> Iterator[Requirement]:
        return iter(self.items)

    def get(self, code: str) -> Requirement | None:
        return next((r for r in self.items if r.code == code), None)

    @property
    def unmet(self) -> list[Requirement]:
        """Everything a referral should or may meet and does not (prompts left out)."""
        return [r for r in self.items if not r.met and r.level != CONSIDER]

    @property
    def asking_reasons(self) -> list[Requirement]:
        """Everything the DSL may write reasons for, met or not (the decision step's boxes):
        whichever referrals the DSL then records, each unmet one has its box."""
        return [r for r in self.items if r.level in _NEEDS_REASONS]

    @property
    def signoff_needed(self) -> bool:
        """Not referring to the police or children's social care, and not making a required or
        advised referral, need the headteacher's sign-off."""
        return any(r.needs_signoff for r in self.items)

    @property
    def signoff_pending(self) -> bool:
        return self.signoff_needed and self.signoff_at is None


def _facts_of(result: AssessmentResult) -> rules.Facts:
    """The facts a stored result was worked out from."""
    return rules.Facts(**dict(result.facts.items()))


def _online(incident: Incident) -> bool:
    """Whether the imagery is said to be on a website, app or social network. Seen live with no
    known recording, it is nowhere to report (the platform it was seen on hosts no copy)."""
    disclosure = section(incident, "disclosure")
    if disclosure is None or _live_only(incident):
        return False
    return ImageryLocation.ONLINE in disclosure.locations or bool(disclosure.platforms.strip())


def _live_only(incident: Incident) -> bool:
    """Seen live (a webcam or video call) with no known recording: nothing to delete or report
    for removal, but still an incident (Evergreen, Appendix 3, Case study 1)."""
    disclosure = section(incident, "disclosure")
    review = section(incident, "initial_review")
    return (
        disclosure is not None and disclosure.locations == [ImageryLocation.LIVE_NO_RECORDING]
    ) or (review is not None and review.imagery_origin == ImageryOrigin.LIVE_NO_RECORDING)


def of(
    incident: Incident,
    *,
    agencies: set[str] | None = None,
    reasons: dict[str, str] | None = None,
    deciding: bool = False,
) -> Requirements:
    """What the policy requires of this record and what the record shows against each: the one
    answer the decision step, check answers, signing, approval, the PDF and the pack use.

    From the current rules' result (under the profile it was worked out with): the immediate
    referral, the police referral at its level, contact with children's social care, a referral
    when a young person may be harmed, the Wolverhampton referral of aggravated incidents, and
    the written reasons and sign-off that not referring at all needs; from the record itself,
    the prompts to report online imagery. Against each: the referrals that meet it, the advice
    sought that bears on it (never counted as a referral) and the DSL's reasons.

    ``agencies`` (``Agency`` values) and ``reasons`` stand for what the decision step's form
    holds before it is saved; ``deciding`` asks what a decision would need before one is saved
    (the decision step's table).
    """
    result = current_result(incident)
    decision = section(incident, "decision")
    deciding = deciding or decision is not None or agencies is not None
    if agencies is None:
        referrals = list(incident.referrals.all())
        agencies = {r.agency for r in referrals}
    else:
        referrals = []
    if reasons is None:
        reasons = dict(decision.unmet_reasons) if decision is not None else {}
    words = {AGENCY_WORDS[a] for a in agencies if a in AGENCY_WORDS}
    advice = list(incident.advice.all())
    items: list[Requirement] = []

    def add(code: str, level: str, what: str, why: str, clause: str, meets: set[str]) -> None:
        items.append(
            Requirement(
                code=code,
                level=level,
                what=what,
                why=why,
                clause=clause,
                agencies=frozenset(meets),
                met=bool(words & meets),
                referrals=tuple(r for r in referrals if AGENCY_WORDS.get(r.agency) in meets),
                advice=tuple(a for a in advice if ADVICE_WORDS[a.agency] & meets),
                reasons=reasons.get(code, ""),
            )
        )

    if result is not None:
        profile = rules.get_policy(result.policy)
        facts = _facts_of(result)
        if result.mash_referral:
            criteria = [profile.criterion(code) for code in result.mash_criteria]
            add(
                IMMEDIATE,
                REQUIRED,
                f"An immediate referral to {profile.referral_to}",
                "; ".join(profile.criterion_label(code) for code in result.mash_criteria),
                f"{profile.referral_source}: "
                + "; ".join(
                    f"paraphrased: {c.clause}" if c.paraphrased else f'"{c.clause}"'
                    for c in criteria
                    if c is not None
                ),
                set(profile.referral_met_by),
            )
        elif profile.aggravated_referral and rules.aggravated_without_criteria(
            facts, result.policy
        ):
            add(
                AGGRAVATED,
                ADVISED,
                f"A referral to {profile.referral_to} (and/or the police)",
                "the incident is aggravated, though it meets none of the criteria for an "
                "immediate referral: the guidance says aggravated incidents will be referred, "
                "and also that the school may respond itself when none of the criteria apply",
                f"{profile.aggravated_referral.cite()}; {profile.no_referral.cite()}",
                set(profile.referral_met_by) | {rules.AGENCY_POLICE},
            )
        if rules.at_risk_of_harm(facts) and not result.mash_referral:
            why = (
                "a young person is at immediate risk of harm"
                if facts.immediate_risk_of_harm is rules.Answer.YES
                else "the risk assessment rates the incident high risk"
            )
            add(
                AT_RISK,
                REQUIRED,
                "A referral to children's social care and/or the police, at once",
                why,
                profile.at_risk.cite(),
                set(_PROTECTING),
            )
        police_level, police_why, police_clause = {
            "required": (
                REQUIRED,
                "an adult is involved"
                if facts.adult_involved is rules.Answer.YES
                else "an adult may be involved",
                rules.POLICE_ADULT.cite(),
            ),
            "advised": (
                (ADVISED, "the incident is aggravated", rules.POLICE_AGGRAVATED.cite())
                if result.category == "aggravated"
                else (
                    ADVISED,
                    f"an immediate referral to {profile.referral_to} applies",
                    profile.referral_source,
                )
            ),
            "discretionary": (
                DISCRETIONARY,
                "the incident is experimental",
                rules.POLICE_EXPERIMENTAL.cite(),
            ),
        }[result.police]
        add(
            POLICE,
            police_level,
            "A referral to the police",
            police_why,
            police_clause,
            {rules.AGENCY_POLICE},
        )
        if result.social_care_contact:
            add(
                SOCIAL_CARE,
                REQUIRED,
                "Contact with children's social care",
                "a young person involved is, or has been, known to them",
                profile.social_care.cite(),
                {rules.AGENCY_SOCIAL_CARE, rules.AGENCY_MASH},
            )
    if deciding and not words & _PROTECTING:
        add(
            NOT_REFERRED,
            RECORD,
            "Not referring to the police or children's social care",
            "no referral to either is recorded",
            rules.NOT_REFERRED_RECORDED.cite(),
            set(_PROTECTING),
        )
    if _online(incident):
        add(
            HOSTING_SITE,
            CONSIDER,
            "A report to the site or app hosting the imagery",
            "the imagery is said to be on a website, app or social network",
            rules.HOSTING_SITE_REPORT.cite(),
            {_HOSTING_SITE},
        )
    if result is not None and (
        _online(incident) or _facts_of(result).adult_involved is rules.Answer.UNKNOWN
    ):
        add(
            CEOP,
            CONSIDER,
            "A report to CEOP",
            "the imagery went online, or a person who may be an adult is involved"
            if _online(incident)
            else "a person who may be an adult is involved",
            rules.CEOP_REPORT.cite(),
            {_CEOP},
        )
    # Where nothing is referred, the reasons for not referring cover the police at its
    # discretion too, unless the DSL wrote reasons of their own for it.
    if any(r.code == NOT_REFERRED for r in items):
        items = [
            replace(r, reasons_with=NOT_REFERRED)
            if r.code == POLICE and r.level == DISCRETIONARY and not r.reasons.strip()
            else r
            for r in items
        ]
    return Requirements(
        items=tuple(items),
        decided=decision is not None,
        signoff_at=decision.headteacher_signoff_at if decision is not None else None,
        signoff_by=decision.headteacher_signoff_by if decision is not None else None,
        signoff_role=decision.headteacher_signoff_role if decision is not None else "",
    )


def risk_assessment_applies(incident: Incident) -> bool:
    """For young people aged 13 to 17, and whenever no referral is made (Wolverhampton,
    Assessing the risks: "If at the initial review stage a decision has been made not to refer
    to Wolverhampton's MASH or police, the DSL will conduct a further review").

    No referral is made when the decision records none to the police or children's social care
    (a report to CEOP or a hosting site is not one). Until the people involved are recorded,
    their ages are not known, so it may apply.
    """
    people = list(incident.young_people.all())
    if not people:
        return True
    if any(13 <= p.age_at(incident.incident_date) <= 17 for p in people):
        return True
    if section(incident, "decision") is None:
        return False
    return not {AGENCY_WORDS.get(a) for a in agencies_referred(incident)} & _PROTECTING


def outcome_of(result: AssessmentResult) -> tuple[object, ...]:
    """What a result decides: two results with the same outcome ask the same of the record,
    whatever else their reasons say."""
    return (
        result.category,
        result.subtype,
        result.mash_referral,
        tuple(result.mash_criteria),
        result.police,
        result.social_care_contact,
    )


def current_run(incident: Incident) -> list[AssessmentResult]:
    """The latest results that share the current one's outcome, newest first.

    The facts can change without changing the outcome (a risk assessment rated low where the
    rating was not known): the DSL's confirmation of that outcome, and a decision made against
    it, still stand, and nothing needs saving again.
    """
    results = sorted(
        incident.assessment_results.all(), key=lambda r: (r.computed_at, r.pk), reverse=True
    )
    run: list[AssessmentResult] = []
    for result in results:
        if run and outcome_of(result) != outcome_of(run[0]):
            break
        run.append(result)
    return run


def confirmation(incident: Incident) -> AssessmentResult | None:
    """The DSL's latest confirmation (or override) of the current outcome, or None."""
    return next((r for r in current_run(incident) if r.confirmed_at is not None), None)


def decision_is_current(incident: Incident) -> bool:
    """The decision was made against the rules' current outcome."""
    decision = section(incident, "decision")
    return decision is not None and any(
        r.pk == decision.assessment_id for r in current_run(incident)
    )


@dataclass(frozen=True)
class MissingItem:
    """Something the record lacks, the part of the record (``record.PARTS``) that holds it, and
    who must act: the DSL before signing, or the headteacher."""

    step: str
    message: str
    by: str = "dsl"

    @property
    def blocks_signing(self) -> bool:
        return self.by == "dsl"


HEADTEACHER = "headteacher"


def missing_items(incident: Incident) -> list[MissingItem]:
    """Everything the policy requires of the record that it does not yet show.

    The DSL's items stop the record being signed; the headteacher's (a sign-off) are listed too,
    so a record is complete only when nothing at all is missing (the pack says so).
    """
    missing: list[MissingItem] = []

    def need(step: str, message: str, by: str = "dsl") -> None:
        missing.append(MissingItem(step, message, by))

    people = list(incident.young_people.all())
    disclosure = section(incident, "disclosure")
    if disclosure is None:
        need("disclosure", "The disclosure is not recorded.")
    elif disclosure.checked_at is None:
        need(
            "disclosure",
            "The DSL has not checked and completed the disclosure yet (what the imagery is "
            "described to show, how widely it was shared, the services used).",
        )
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

    risk = section(incident, "risk_assessment")
    if risk_assessment_applies(incident):
        if risk is None:
            need(
                "risk-assessment",
                "The risk assessment is missing: it is needed for young people aged 13 to 17 "
                "and whenever no referral is made (Wolverhampton, Assessing the risks).",
            )
        else:
            unanswered = [q for q, answer, _note in risk_rows(risk) if not str(answer).strip()]
            if unanswered:
                need(
                    "risk-assessment",
                    f"The risk assessment leaves {len(unanswered)} question(s) unanswered: "
                    + "; ".join(unanswered),
                )

    result = current_result(incident)
    if result is None or confirmation(incident) is None:
        need("assessment", "The rules' result has not been confirmed or overridden by the DSL.")

    decision = section(incident, "decision")
    agencies = agencies_referred(incident)
    if decision is None:
        need("decision", "No decision is recorded.")
    else:
        if result is not None and not decision_is_current(incident):
            need(
                "decision",
                "The facts changed after the decision was made: review the decision against "
                "the current result and save it again.",
            )
        asked = of(incident)
        for requirement in asked:
            if requirement.reasons_missing:
                need(
                    "decision",
                    f"{requirement.what} is {requirement.level_words} ({requirement.why}): "
                    "record the referral, or write your reasons for not making it.",
                )
        if decision.outcome == DecisionOutcome.REFERRED and not agencies:
            need("decision", "The decision is to refer, but no referral is recorded.")
        if decision.outcome == DecisionOutcome.HANDLED_IN_SCHOOL and agencies & AGENCY_REFERRALS:
            need(
                "decision",
                "The decision is to handle the incident in school, but a referral is recorded.",
            )
        if asked.signoff_pending:
            need(
                "decision",
                "The headteacher has not yet signed off what is not referred: "
                + "; ".join(r.what[:1].lower() + r.what[1:] for r in asked.unmet if r.needs_signoff)
                + ".",
                HEADTEACHER,
            )

    for viewing in incident.viewings.all():
        if viewing.missing_safeguards() and not viewing.safeguards_explanation.strip():
            need(
                "imagery-devices",
                f"The viewing log of {date_text(viewing.viewed_at)} does not show every "
                "safeguard and does not say why: " + "; ".join(viewing.missing_safeguards()) + ".",
            )
    for search in incident.device_searches.all():
        if search.missing_safeguards() and not search.safeguards_explanation.strip():
            need(
                "imagery-devices",
                f"The device search of {date_text(search.searched_at)} does not show every "
                "safeguard and does not say why: " + "; ".join(search.missing_safeguards()) + ".",
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


def blocking(items: list[MissingItem]) -> list[MissingItem]:
    """What stops the DSL signing: everything but the headteacher's part."""
    return [item for item in items if item.blocks_signing]


@dataclass(frozen=True)
class Flag:
    """Something an inspector should see on a true record: it does not stop signing."""

    step: str
    message: str
    explanation: str = ""


def flags(incident: Incident) -> list[Flag]:
    """Safeguards not kept, each with the explanation recorded (docs/policy.md)."""
    found: list[Flag] = []
    for viewing in incident.viewings.all():
        gaps = viewing.missing_safeguards()
        if gaps:
            found.append(
                Flag(
                    "imagery-devices",
                    f"Viewing of {date_text(viewing.viewed_at)}: not shown: " + "; ".join(gaps),
                    viewing.safeguards_explanation,
                )
            )
    for search in incident.device_searches.all():
        gaps = search.missing_safeguards()
        if gaps:
            found.append(
                Flag(
                    "imagery-devices",
                    f"Device search of {date_text(search.searched_at)}: not shown: "
                    + "; ".join(gaps),
                    search.safeguards_explanation,
                )
            )
    return found


# Prompts (2026): what the DSL should consider, never a bar to signing -----------------------

# The age of criminal responsibility in England and Wales (Children and Young Persons Act 1933,
# s.50): a young person under it cannot be prosecuted, so the police's part is safeguarding.
CRIMINAL_RESPONSIBILITY_AGE = 10


@dataclass(frozen=True)
class Prompt:
    """Something for the DSL to consider, with the part of the record it concerns."""

    step: str
    message: str


def prompts(incident: Incident) -> list[Prompt]:
    """The check-answers prompts: child-on-child abuse, a young person who acted under 10, the
    sexual extortion advice, AI-generated imagery, containment. From the loaded record."""
    found: list[Prompt] = []
    people = list(incident.young_people.all())
    ages_now = [p.age_at(incident.incident_date) for p in people]
    if rules.child_on_child_gap(tuple(ages_now)):
        found.append(
            Prompt(
                "assessment",
                "The young people's ages (" + ", ".join(map(str, sorted(ages_now))) + ") call for "
                "considering harmful sexual behaviour and child-on-child abuse (Keeping Children "
                "Safe in Education, Part 5): use the Brook sexual behaviours traffic-light tool "
                "and record what it showed in the risk assessment or the review.",
            )
        )
    for person, age in zip(people, ages_now, strict=True):
        if (person.is_sender or person.is_sharer) and age < CRIMINAL_RESPONSIBILITY_AGE:
            found.append(
                Prompt(
                    "people",
                    f"{person.name} sent or shared the imagery aged {age}, below the age of "
                    "criminal responsibility (10): any police involvement is to safeguard, not "
                    "to prosecute; consider harmful sexual behaviour support.",
                )
            )
    review = section(incident, "initial_review")
    disclosure = section(incident, "disclosure")
    if _live_only(incident):
        found.append(
            Prompt(
                "disclosure",
                "Seen live with no known recording: there is no image to delete or to report "
                "for removal, and it is still an incident to record and respond to (Evergreen, "
                "Appendix 3, Case study 1). Ask whether anyone recorded or screenshotted it; if "
                "so, record where that copy is.",
            )
        )
    if (
        disclosure is not None
        and disclosure.child_action == ChildAction.SHARED_BY_OTHER
        and (review is None or review.shared_without_consent != AnswerChoice.YES)
    ):
        found.append(
            Prompt(
                "initial-review",
                "The child disclosed that an image of them was shared by someone else: ask "
                "whether they knew of and agreed to it. Shared without their knowing, willing "
                "participation, the incident is aggravated (Wolverhampton, Definitions: "
                '"sending or showing of images without the knowledge or against the will of a '
                'minor who was pictured"); answer so at the initial review. They are likely to '
                "need support and to know where it has ended up (Evergreen, Step 1).",
            )
        )
    if review is not None:
        if review.financial_extortion == AnswerChoice.UNKNOWN:
            found.append(
                Prompt(
                    "initial-review",
                    "It is not known whether money, gift cards or more imagery were demanded "
                    "under threat (sexual extortion): ask the young person; if so, the police "
                    "are to be told (National Crime Agency alert, April 2024).",
                )
            )
        if review.financial_extortion == AnswerChoice.YES:
            not_given = [what for what, given in review.extortion_advice() if not given]
            if not_given:
                found.append(
                    Prompt(
                        "initial-review",
                        "Sexual extortion: the record does not show "
                        + "; ".join(not_given)
                        + " (National Crime Agency alert, April 2024: do not pay, stop "
                        "contact, keep the evidence, report).",
                    )
                )
            if not incident.online_reports.all():
                found.append(
                    Prompt(
                        "online-reports",
                        "Sexual extortion: no report for removal is recorded; offer Report "
                        "Remove (under-18s) or Take It Down, and report the accounts to the "
                        "platform.",
                    )
                )
        if (
            review.ai_generated == AnswerChoice.YES
            and review.shared_without_consent != AnswerChoice.YES
        ):
            found.append(
                Prompt(
                    "initial-review",
                    "The imagery was made or altered with AI or editing tools: the child "
                    "pictured may not have taken part. If so, answer that it was taken or sent "
                    "without their knowing, willing participation (Protection of Children Act "
                    "1978, s.7: it is treated as a photograph of the child).",
                )
            )
    containment = section(incident, "containment")
    gaps = (
        containment.gaps()
        if containment is not None
        else [
            "a member of the child protection team on hand",
            "students told not to view, send, share or save the imagery",
            "colleagues briefed to act if it continues",
        ]
    )
    if gaps:
        found.append(
            Prompt(
                "interviews",
                "Containing the incident (Evergreen Steps 1, 3 and 7): the record does not show "
                + "; ".join(gaps)
                + ".",
            )
        )
    return found
