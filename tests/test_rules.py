"""The rules module against the policies it encodes. Pure Python: no database."""

from __future__ import annotations

import dataclasses
import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidents import rules
from incidents.rules import (
    AGENCIES,
    AGENCY_MASH,
    AGENCY_POLICE,
    AGENCY_SOCIAL_CARE,
    AGGRAVATING_FACTORS,
    AT_ANY_POINT,
    CATEGORY_LABELS,
    CEOP_REPORT,
    CRITERION_LABELS,
    DEFAULT_POLICY,
    FACT_QUESTIONS,
    HOSTING_SITE_REPORT,
    NONE_OF_THE_ABOVE,
    NOT_REFERRED_RECORDED,
    POLICE_EXPERIMENTAL,
    POLICE_EXPERIMENTAL_CLAUSE,
    POLICE_LABELS,
    POLICE_LEVELS,
    RISK_QUESTIONS,
    SUBTYPE_LABELS,
    Answer,
    Assessment,
    Clause,
    Facts,
    aggravated_without_criteria,
    assess,
    at_risk_of_harm,
    criterion_label,
    get_policy,
    policies,
    provisional_facts,
)

Y, N, U = Answer.YES, Answer.NO, Answer.UNKNOWN
WOLVERHAMPTON = "wolverhampton-2016"
UKCIS = "ukcis-2020"
BOTH = [WOLVERHAMPTON, UKCIS]
ANSWER_FIELDS = [f.name for f in dataclasses.fields(Facts) if f.name != "ages"]
CRITERIA_ORDER = [
    "under_13",
    "adult_involved",
    "high_risk_13_17",
    "coercion_or_capacity",
    "unusual_or_violent_content",
    "immediate_risk_of_harm",
]


def known(ages=(15,), **answers) -> Facts:
    """Every fact answered NO unless given: the baseline of a fully known incident."""
    return Facts(ages=ages, **(dict.fromkeys(ANSWER_FIELDS, N) | answers))


def police_rank(level: str) -> int:
    return POLICE_LEVELS.index(level)


# --- the contract ------------------------------------------------------------------------------


def test_it_exposes_the_contract_names():
    for name in ("Answer", "Facts", "assess", "DEFAULT_POLICY", "policies", "get_policy"):
        assert hasattr(rules, name)
    assert DEFAULT_POLICY == WOLVERHAMPTON
    assert [a.value for a in Answer] == ["yes", "no", "unknown"]
    assert isinstance(Answer.YES, str) and Answer.YES == "yes"


def test_it_defaults_every_answer_to_unknown_and_ages_to_none_known():
    facts = Facts()
    assert facts.ages == ()
    assert all(getattr(facts, name) is U for name in ANSWER_FIELDS)
    assert set(ANSWER_FIELDS) == {
        "adult_involved",
        "coerced",
        "capacity_concern",
        "intent_to_harm",
        "shared_without_consent",
        "romantic_relationship",
        "attention_seeking",
        "sent_to_others",
        "unusual_or_violent_content",
        "immediate_risk_of_harm",
        "high_risk_assessment",
        "known_to_social_care",
        "depicts_sexual_acts",
        # Added in 2026 (issue 17): the contract's only additions.
        "financial_extortion",
        "ai_generated",
    }


def test_it_keeps_facts_and_results_immutable():
    facts = known()
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.adult_involved = Y
    with pytest.raises(dataclasses.FrozenInstanceError):
        assess(facts).category = "aggravated"


def test_it_accepts_stored_strings_and_lists():
    facts = Facts(ages=[14, 15], adult_involved="no", coerced="yes")
    assert facts.ages == (14, 15)
    assert facts.adult_involved is N and facts.coerced is Y
    assert facts == Facts(ages=(14, 15), adult_involved=N, coerced=Y)


@pytest.mark.parametrize("bad", ["maybe", "", None, True])
def test_it_refuses_an_answer_that_is_not_yes_no_or_unknown(bad):
    with pytest.raises(ValueError):
        Facts(coerced=bad)


@pytest.mark.parametrize("ages", [(18,), (15, 18), (-1,), (40,), (True,), ("15",), (15.0,)])
def test_it_refuses_ages_that_are_not_a_young_persons(ages):
    # An 18-year-old is an adult: the incident records that as adult_involved.
    with pytest.raises(ValueError):
        Facts(ages=ages)


@pytest.mark.parametrize("ages", [(0,), (12,), (13,), (17,), (9, 17)])
def test_it_accepts_ages_0_to_17(ages):
    assert Facts(ages=ages).ages == ages


def test_it_refuses_an_unknown_policy():
    with pytest.raises(ValueError, match="unknown policy"):
        assess(known(), policy="kent-2019")
    with pytest.raises(ValueError):
        get_policy("")


def test_it_lists_the_profiles_for_the_settings_page():
    profiles = policies()
    assert [p.name for p in profiles] == [WOLVERHAMPTON, UKCIS]
    for profile in profiles:
        assert profile.version and profile.title and profile.source
        assert get_policy(profile.name) is profile
    assert get_policy(WOLVERHAMPTON).version == "2016.1"


@pytest.mark.parametrize("policy", BOTH)
def test_it_records_the_profile_and_version_on_the_result(policy):
    result = assess(known(), policy=policy)
    assert isinstance(result, Assessment)
    assert (result.policy, result.policy_version) == (policy, get_policy(policy).version)


def test_it_uses_the_default_profile_when_none_is_named():
    assert assess(known(ages=(12,), coerced=Y)) == assess(
        known(ages=(12,), coerced=Y), policy=WOLVERHAMPTON
    )


def test_it_gives_the_spec_example():
    facts = Facts(
        ages=(14, 15),
        adult_involved=N,
        coerced=N,
        capacity_concern=N,
        intent_to_harm=N,
        shared_without_consent=N,
        romantic_relationship=Y,
        attention_seeking=N,
        sent_to_others=Y,
        unusual_or_violent_content=N,
        immediate_risk_of_harm=N,
        high_risk_assessment=N,
        known_to_social_care=N,
        depicts_sexual_acts=N,
    )
    result = assess(facts, policy="wolverhampton-2016")
    assert (result.category, result.subtype) == ("experimental", "romantic")
    assert result.mash_referral is False and result.mash_criteria == ()
    assert result.police == "discretionary"
    assert result.social_care_contact is False and result.seek_advice is False
    assert result.unknown_facts == ()
    assert all(isinstance(reason, str) for reason in result.reasons)


# --- questions and labels for the forms -----------------------------------------------------------


def test_it_asks_the_initial_review_facts_in_order():
    assert [name for name, _ in FACT_QUESTIONS] == [
        "adult_involved",
        "coerced",
        "capacity_concern",
        "intent_to_harm",
        "shared_without_consent",
        "romantic_relationship",
        "attention_seeking",
        "sent_to_others",
        "unusual_or_violent_content",
        "immediate_risk_of_harm",
        "depicts_sexual_acts",
        "financial_extortion",  # 2026
    ]
    # The other two come from the risk assessment's rating and the people involved; since 2026,
    # ai_generated from the one answer on how the imagery came about.
    assert set(ANSWER_FIELDS) - {name for name, _ in FACT_QUESTIONS} == {
        "high_risk_assessment",
        "known_to_social_care",
        "ai_generated",
    }
    assert all(question.strip() and "?" in question for _, question in FACT_QUESTIONS)


def test_it_asks_the_ten_risk_questions_of_the_guidance():
    assert [code for code, _ in RISK_QUESTIONS] == [
        "why_shared",
        "coerced",
        "who_shared",
        "where_shared",
        "knowledge_of_pictured",
        "adults_involved",
        "impact",
        "vulnerabilities",
        "understands_consent",
        "previous_activity",
    ]
    assert dict(RISK_QUESTIONS)["why_shared"] == "Why was the imagery shared?"
    assert all(question.endswith("?") for _, question in RISK_QUESTIONS)


def test_it_labels_every_code():
    assert set(CATEGORY_LABELS) == {"aggravated", "experimental"}
    assert set(SUBTYPE_LABELS) == {
        "adult_involved",
        "youth_intent_to_harm",
        "youth_reckless_misuse",
        "romantic",
        "attention_seeking",
        "other",
    }
    assert SUBTYPE_LABELS["youth_intent_to_harm"] == "Youth only: intent to harm"
    assert set(POLICE_LABELS) == set(POLICE_LEVELS) == {"required", "advised", "discretionary"}
    assert list(CRITERION_LABELS) == CRITERIA_ORDER
    for profile in policies():
        codes = [c.code for c in profile.criteria]
        assert codes == [code for code in CRITERIA_ORDER if code in codes]


# --- the typology: every row, then precedence ------------------------------------------------

TYPOLOGY_ROWS = [
    ({"adult_involved": Y}, "aggravated", "adult_involved"),
    ({"intent_to_harm": Y}, "aggravated", "youth_intent_to_harm"),
    ({"coerced": Y}, "aggravated", "youth_intent_to_harm"),
    ({"shared_without_consent": Y}, "aggravated", "youth_reckless_misuse"),
    ({"romantic_relationship": Y}, "experimental", "romantic"),
    ({"romantic_relationship": Y, "sent_to_others": Y}, "experimental", "romantic"),
    ({"attention_seeking": Y, "sent_to_others": Y}, "experimental", "attention_seeking"),
    ({"sent_to_others": N}, "experimental", "other"),
    ({"sent_to_others": Y}, "experimental", "other"),
]


@pytest.mark.parametrize("policy", BOTH)
@pytest.mark.parametrize(("answers", "category", "subtype"), TYPOLOGY_ROWS)
def test_it_places_each_typology_row(policy, answers, category, subtype):
    result = assess(known(**answers), policy=policy)
    assert (result.category, result.subtype) == (category, subtype)
    assert SUBTYPE_LABELS[subtype]
    assert "Wolak and Finkelhor" in result.reasons[0]


PRECEDENCE = [
    (
        {"adult_involved": Y, "intent_to_harm": Y, "shared_without_consent": Y},
        "adult_involved",
    ),
    ({"adult_involved": Y, "romantic_relationship": Y}, "adult_involved"),
    ({"intent_to_harm": Y, "shared_without_consent": Y}, "youth_intent_to_harm"),
    ({"coerced": Y, "shared_without_consent": Y}, "youth_intent_to_harm"),
    ({"coerced": Y, "romantic_relationship": Y}, "youth_intent_to_harm"),
    ({"shared_without_consent": Y, "romantic_relationship": Y}, "youth_reckless_misuse"),
    ({"shared_without_consent": Y, "attention_seeking": Y}, "youth_reckless_misuse"),
    # Sent to draw attention, it went beyond the pair: not romantic.
    ({"romantic_relationship": Y, "attention_seeking": Y}, "attention_seeking"),
    ({"romantic_relationship": Y, "attention_seeking": U}, "romantic"),
    ({"romantic_relationship": U, "attention_seeking": U}, "other"),
]


@pytest.mark.parametrize(("answers", "subtype"), PRECEDENCE)
def test_the_first_typology_row_that_applies_wins(answers, subtype):
    assert assess(known(**answers)).subtype == subtype


def test_an_unknown_answer_establishes_nothing_for_the_category():
    result = assess(known(adult_involved=U, intent_to_harm=U, shared_without_consent=U))
    assert (result.category, result.subtype) == ("experimental", "other")
    assert result.seek_advice


def test_it_names_pre_adolescent_children_under_other():
    result = assess(known(ages=(8, 9)))
    assert result.subtype == "other"
    assert "pre-adolescent" in result.reasons[0]


def test_it_names_imagery_kept_for_oneself_under_other():
    assert "no sending or sharing" in assess(known(sent_to_others=N)).reasons[0]


# --- Wolverhampton: immediate referral to the MASH ----------------------------------------------

AGGRAVATED_BASE = {"shared_without_consent": Y}  # youth reckless misuse, no criterion of its own

WOLVERHAMPTON_CRITERIA = [
    ((12,), {}, ("under_13",)),
    ((0,), {}, ("under_13",)),
    ((13,), {}, ()),
    ((17,), {}, ()),
    ((13,), {"high_risk_assessment": Y}, ("high_risk_13_17",)),
    ((17,), {"high_risk_assessment": Y}, ("high_risk_13_17",)),
    ((12,), {"high_risk_assessment": Y}, ("under_13",)),
    ((12, 13), {"high_risk_assessment": Y}, ("under_13", "high_risk_13_17")),
    ((15,), {"high_risk_assessment": N}, ()),
    ((15,), {"adult_involved": Y}, ("adult_involved",)),
    ((15,), {"coerced": Y}, ("coercion_or_capacity",)),
    ((15,), {"capacity_concern": Y}, ("coercion_or_capacity",)),
    ((15,), {"unusual_or_violent_content": Y}, ("unusual_or_violent_content",)),
    ((15,), {"immediate_risk_of_harm": Y}, ("immediate_risk_of_harm",)),
    ((15,), {"depicts_sexual_acts": Y}, ()),
    (
        (11, 16),
        {
            "adult_involved": Y,
            "high_risk_assessment": Y,
            "capacity_concern": Y,
            "unusual_or_violent_content": Y,
            "immediate_risk_of_harm": Y,
        },
        tuple(CRITERIA_ORDER),
    ),
]


@pytest.mark.parametrize(("ages", "answers", "criteria"), WOLVERHAMPTON_CRITERIA)
def test_wolverhampton_refers_an_aggravated_incident_meeting_a_criterion(ages, answers, criteria):
    result = assess(known(ages=ages, **AGGRAVATED_BASE, **answers), policy=WOLVERHAMPTON)
    assert result.category == "aggravated"
    assert result.mash_criteria == criteria
    assert result.mash_referral is bool(criteria)
    if criteria:
        assert sum(r.startswith("Immediate referral to the MASH") for r in result.reasons) == len(
            criteria
        )
        assert any("'Aggravated' AND" in r for r in result.reasons)
    else:
        assert any(r.startswith("No immediate referral") for r in result.reasons)


@pytest.mark.parametrize(
    ("ages", "answers", "criterion"),
    [
        ((12,), {}, "under_13"),
        ((15,), {"high_risk_assessment": Y}, "high_risk_13_17"),
        ((15,), {"capacity_concern": Y}, "coercion_or_capacity"),
        ((15,), {"unusual_or_violent_content": Y}, "unusual_or_violent_content"),
        ((15,), {"immediate_risk_of_harm": Y}, "immediate_risk_of_harm"),
    ],
)
def test_wolverhampton_lists_a_criterion_but_does_not_refer_an_experimental_incident(
    ages, answers, criterion
):
    result = assess(known(ages=ages, romantic_relationship=Y, **answers), policy=WOLVERHAMPTON)
    assert result.category == "experimental"
    assert result.mash_criteria == (criterion,)
    assert result.mash_referral is False
    assert any(
        "triggers no immediate referral" in r and "experimental" in r and "'Aggravated' AND" in r
        for r in result.reasons
    )


def test_wolverhampton_always_refers_coercion_as_it_is_aggravated_and_a_criterion():
    result = assess(known(coerced=Y), policy=WOLVERHAMPTON)
    assert result.subtype == "youth_intent_to_harm"
    assert result.mash_referral and result.mash_criteria == ("coercion_or_capacity",)


# --- UKCIS 2020: immediate referral whatever the category ---------------------------------------

UKCIS_CRITERIA = [
    ((12,), {"depicts_sexual_acts": Y}, ("under_13",)),
    ((12,), {"depicts_sexual_acts": N}, ()),
    ((12,), {"depicts_sexual_acts": U}, ()),
    ((13,), {"depicts_sexual_acts": Y}, ()),
    ((15,), {"high_risk_assessment": Y}, ()),  # no high_risk_13_17 point
    ((15,), {"adult_involved": Y}, ("adult_involved",)),
    ((15,), {"coerced": Y}, ("coercion_or_capacity",)),
    ((15,), {"capacity_concern": Y}, ("coercion_or_capacity",)),
    ((15,), {"unusual_or_violent_content": Y}, ("unusual_or_violent_content",)),
    ((15,), {"immediate_risk_of_harm": Y}, ("immediate_risk_of_harm",)),
]


@pytest.mark.parametrize("base", [{}, AGGRAVATED_BASE, {"romantic_relationship": Y}])
@pytest.mark.parametrize(("ages", "answers", "criteria"), UKCIS_CRITERIA)
def test_ukcis_refers_on_any_of_its_five_points_whatever_the_category(
    base, ages, answers, criteria
):
    result = assess(known(ages=ages, **base, **answers), policy=UKCIS)
    assert result.mash_criteria == criteria
    assert result.mash_referral is bool(criteria)
    if criteria:
        # An immediate referral to the police and/or children's social care: police at least
        # advised, and required when an adult is involved.
        expected = "required" if answers.get("adult_involved") is Y else "advised"
        assert result.police == expected
        assert any("police and/or children's social care" in r for r in result.reasons)


def test_ukcis_advises_the_police_for_an_experimental_incident_it_refers():
    result = assess(known(romantic_relationship=Y, capacity_concern=Y), policy=UKCIS)
    assert (result.category, result.mash_referral, result.police) == (
        "experimental",
        True,
        "advised",
    )
    assert assess(known(romantic_relationship=Y, capacity_concern=Y)).police == "discretionary"


# --- police (Evergreen, Step 2) -------------------------------------------------------------------

POLICE = [
    ({"adult_involved": Y}, "required", "knowledge or participation of an adult"),
    ({"adult_involved": U}, "required", "not known whether an adult is involved"),
    ({"adult_involved": U, "romantic_relationship": Y}, "required", "possibly involving"),
    ({"intent_to_harm": Y}, "advised", "almost always be proportionate"),
    ({"shared_without_consent": Y}, "advised", "almost always be proportionate"),
    ({"romantic_relationship": Y}, "discretionary", "recorded in writing"),
    ({"attention_seeking": Y}, "discretionary", "recorded in writing"),
    ({}, "discretionary", "recorded in writing"),
]


@pytest.mark.parametrize("policy", BOTH)
@pytest.mark.parametrize(("answers", "police", "wording"), POLICE)
def test_it_applies_the_evergreen_police_rule(policy, answers, police, wording):
    result = assess(known(**answers), policy=policy)
    assert result.police == police
    police_reasons = [r for r in result.reasons if r.startswith("Police")]
    assert len(police_reasons) == 1
    assert wording in police_reasons[0] and "Evergreen policy, Step 2" in police_reasons[0]


# --- children's social care ----------------------------------------------------------------------


@pytest.mark.parametrize("policy", BOTH)
@pytest.mark.parametrize("answers", [{}, {"romantic_relationship": Y}, {"adult_involved": Y}])
def test_it_contacts_social_care_whenever_a_young_person_is_known_to_them(policy, answers):
    result = assess(known(known_to_social_care=Y, **answers), policy=policy)
    assert result.social_care_contact is True
    assert any("Contact children's social care" in r for r in result.reasons)
    assert (
        assess(known(known_to_social_care=N, **answers), policy=policy).social_care_contact is False
    )


def test_it_seeks_advice_when_it_is_not_known_whether_social_care_knows_a_young_person():
    result = assess(known(known_to_social_care=U))
    assert result.social_care_contact is False
    assert result.seek_advice and result.unknown_facts == ("known_to_social_care",)
    assert any(r.startswith("Not known") and "asking the MASH" in r for r in result.reasons)


# --- doubt: which unknown facts could change the outcome -----------------------------------------


@pytest.mark.parametrize(
    ("facts", "policy", "unknown"),
    [
        (known(), WOLVERHAMPTON, ()),
        (known(adult_involved=U), WOLVERHAMPTON, ("adult_involved",)),
        # Each of the four could tip the referral, though no single one does from all-NO or
        # all-YES: aggravated (intent or misuse) AND a criterion (content or risk).
        (
            known(
                intent_to_harm=U,
                shared_without_consent=U,
                unusual_or_violent_content=U,
                immediate_risk_of_harm=U,
            ),
            WOLVERHAMPTON,
            (
                "intent_to_harm",
                "shared_without_consent",
                "unusual_or_violent_content",
                "immediate_risk_of_harm",
            ),
        ),
        # A criterion matters only if the incident could be aggravated.
        (known(capacity_concern=U), WOLVERHAMPTON, ()),
        (known(capacity_concern=U), UKCIS, ("capacity_concern",)),
        (
            known(intent_to_harm=U, capacity_concern=U),
            WOLVERHAMPTON,
            ("capacity_concern", "intent_to_harm"),
        ),
        # Once the referral stands on one criterion, another unknown changes nothing.
        (known(coerced=Y, immediate_risk_of_harm=U), WOLVERHAMPTON, ()),
        # The subtype within a category changes no referral.
        (
            known(romantic_relationship=U, attention_seeking=U, sent_to_others=U),
            WOLVERHAMPTON,
            (),
        ),
        # Ages not known: 12 or under, or 13-17 and high risk, could be met.
        (known(ages=(), intent_to_harm=Y), WOLVERHAMPTON, ("ages",)),
        (known(ages=(), intent_to_harm=Y), UKCIS, ()),
        (known(ages=(), intent_to_harm=Y, depicts_sexual_acts=Y), UKCIS, ("ages",)),
        (
            known(ages=(), intent_to_harm=Y, high_risk_assessment=U),
            WOLVERHAMPTON,
            ("ages", "high_risk_assessment"),
        ),
        (
            known(ages=(15,), intent_to_harm=Y, high_risk_assessment=U),
            WOLVERHAMPTON,
            ("high_risk_assessment",),
        ),
        (known(ages=(12,), intent_to_harm=Y, high_risk_assessment=U), WOLVERHAMPTON, ()),
        (known(ages=(12,), depicts_sexual_acts=U), UKCIS, ("depicts_sexual_acts",)),
        (known(ages=(13,), depicts_sexual_acts=U), UKCIS, ()),
    ],
)
def test_it_names_each_unknown_fact_that_could_change_the_outcome(facts, policy, unknown):
    result = assess(facts, policy=policy)
    assert result.unknown_facts == unknown
    assert result.seek_advice is bool(unknown)
    # One reason carries the profile's advice clause; each fact has a short one of its own.
    doubts = [r for r in result.reasons if r.startswith("Seek advice")]
    assert len(doubts) == bool(unknown)
    assert all(get_policy(policy).doubt.words in r for r in doubts)
    assert len([r for r in result.reasons if r.startswith("Not known")]) == len(unknown)


def test_a_doubt_reason_says_what_the_fact_could_change():
    result = assess(known(adult_involved=U))
    (doubt,) = [r for r in result.reasons if r.startswith("Not known")]
    assert "whether an adult (18 or over) is involved" in doubt
    assert "the category, the immediate referral and the police referral" in doubt


def test_it_seeks_advice_on_everything_when_nothing_is_known():
    result = assess(Facts())
    assert result.seek_advice and result.police == "required"
    assert {"ages", "adult_involved", "coerced", "known_to_social_care"} <= set(
        result.unknown_facts
    )


# --- properties over every combination of facts ---------------------------------------------------

answers = st.sampled_from(list(Answer))
ages_strategy = st.lists(st.integers(min_value=0, max_value=17), max_size=4).map(tuple)
facts_strategy = st.builds(Facts, ages=ages_strategy, **dict.fromkeys(ANSWER_FIELDS, answers))
known_facts_strategy = st.builds(
    Facts,
    ages=ages_strategy.filter(bool),
    **{name: st.sampled_from([Y, N]) for name in ANSWER_FIELDS},
)
policy_strategy = st.sampled_from(BOTH)


@settings(max_examples=300, deadline=None)
@given(facts_strategy, policy_strategy)
def test_an_adult_always_makes_it_aggravated_and_the_police_required(facts, policy):
    result = assess(dataclasses.replace(facts, adult_involved=Y), policy=policy)
    assert (result.category, result.subtype, result.police) == (
        "aggravated",
        "adult_involved",
        "required",
    )
    assert result.mash_referral and "adult_involved" in result.mash_criteria


@settings(max_examples=400, deadline=None)
@given(facts_strategy, policy_strategy, st.data())
def test_answering_yes_to_an_unknown_never_weakens_the_response(facts, policy, data):
    unknown = [name for name in ANSWER_FIELDS if getattr(facts, name) is U]
    if not unknown:
        return
    name = data.draw(st.sampled_from(unknown))
    before = assess(facts, policy=policy)
    after = assess(dataclasses.replace(facts, **{name: Y}), policy=policy)
    assert after.mash_referral or not before.mash_referral
    assert police_rank(after.police) >= police_rank(before.police)
    assert after.category == "aggravated" or before.category == "experimental"
    assert set(before.mash_criteria) <= set(after.mash_criteria)


@settings(max_examples=200, deadline=None)
@given(facts_strategy, policy_strategy, st.integers(min_value=0, max_value=17))
def test_another_young_person_never_weakens_the_response(facts, policy, age):
    if not facts.ages:
        return
    before = assess(facts, policy=policy)
    after = assess(dataclasses.replace(facts, ages=(*facts.ages, age)), policy=policy)
    assert after.mash_referral or not before.mash_referral
    assert police_rank(after.police) >= police_rank(before.police)


@settings(max_examples=300, deadline=None)
@given(facts_strategy)
def test_under_wolverhampton_a_referral_means_aggravated(facts):
    result = assess(facts, policy=WOLVERHAMPTON)
    if result.mash_referral:
        assert result.category == "aggravated" and result.mash_criteria


@settings(max_examples=300, deadline=None)
@given(known_facts_strategy, policy_strategy)
def test_no_advice_is_sought_when_every_fact_is_known(facts, policy):
    result = assess(facts, policy=policy)
    assert result.seek_advice is False and result.unknown_facts == ()


@settings(max_examples=300, deadline=None)
@given(facts_strategy, policy_strategy)
def test_every_result_is_well_formed_reasoned_and_deterministic(facts, policy):
    result = assess(facts, policy=policy)
    assert result == assess(facts, policy=policy)
    assert result.category in CATEGORY_LABELS and result.subtype in SUBTYPE_LABELS
    assert result.police in POLICE_LEVELS
    assert result.reasons and all(r.endswith(".") for r in result.reasons)
    assert result.seek_advice is bool(result.unknown_facts)
    assert list(result.mash_criteria) == [c for c in CRITERIA_ORDER if c in result.mash_criteria]
    assert set(result.unknown_facts) <= {"ages", *ANSWER_FIELDS}
    if result.police == "discretionary":
        assert any("recorded in writing" in r for r in result.reasons)
    if result.mash_referral:
        assert result.mash_criteria


def outcome(result: Assessment) -> tuple:
    return (result.category, result.mash_referral, result.police, result.social_care_contact)


@settings(max_examples=150, deadline=None)
@given(facts_strategy.filter(lambda f: bool(f.ages)), policy_strategy)
def test_the_doubt_found_matches_trying_every_answer(facts, policy):
    """Oracle: resolve every unknown both ways and see which facts the outcome turns on."""
    # A 2026 fact left unknown changes nothing (rules.FACTS_2026), so it is not resolved here.
    unknown = [
        name for name in ANSWER_FIELDS if getattr(facts, name) is U and name not in rules.FACTS_2026
    ]
    if len(unknown) > 7:
        unknown_answers = dict.fromkeys(unknown[7:], N)
        facts, unknown = dataclasses.replace(facts, **unknown_answers), unknown[:7]
    current = assess(facts, policy=policy)
    outcomes = {
        combo: outcome(
            assess(
                dataclasses.replace(facts, **dict(zip(unknown, combo, strict=True))), policy=policy
            )
        )
        for combo in itertools.product([Y, N], repeat=len(unknown))
    }
    turning = set()
    for combo, result in outcomes.items():
        for i, answer in enumerate(combo):
            if answer is Y and outcomes[(*combo[:i], N, *combo[i + 1 :])] != result:
                turning.add(unknown[i])
    # Sexual extortion with the adult not known is a doubt even when no outcome turns on it.
    extortion_doubt = facts.financial_extortion is Y and facts.adult_involved is U
    assert set(current.unknown_facts) == turning | (
        {"adult_involved"} if extortion_doubt else set()
    )
    assert current.seek_advice is (
        extortion_doubt or any(o != outcome(current) for o in outcomes.values())
    )


@settings(max_examples=150, deadline=None)
@given(facts_strategy.map(lambda f: dataclasses.replace(f, ages=())), policy_strategy)
def test_unknown_ages_are_named_whenever_an_age_could_change_the_outcome(facts, policy):
    current = assess(facts, policy=policy)
    # Every other unknown answered NO: the least that could hold.
    floor = dataclasses.replace(
        facts, **{name: N for name in ANSWER_FIELDS if getattr(facts, name) is U}
    )
    by_age = {
        outcome(assess(dataclasses.replace(floor, ages=a), policy=policy))
        for a in [(12,), (15,), (12, 15)]
    }
    if len(by_age) > 1:
        assert "ages" in current.unknown_facts and current.seek_advice


# --- each profile in its own words ----------------------------------------------------------------

UKCIS_UNDER_13 = "A young person involved is under 13 and the imagery involves sexual acts"


def test_the_public_names_are_exported():
    for name in rules.__all__:
        assert hasattr(rules, name), name
    assert AGENCIES == (AGENCY_MASH, AGENCY_SOCIAL_CARE, AGENCY_POLICE)
    assert AGENCIES == ("mash", "social_care", "police")


def test_each_profile_names_its_referral_and_the_agencies_that_meet_it():
    wolverhampton, ukcis = get_policy(WOLVERHAMPTON), get_policy(UKCIS)
    assert wolverhampton.referral_to == "the MASH"
    assert wolverhampton.referral_met_by == (AGENCY_MASH, AGENCY_SOCIAL_CARE)
    assert ukcis.referral_to == "the police and/or children's social care"
    # A MASH is the front door to children's social care, so it counts under UKCIS too.
    assert set(ukcis.referral_met_by) == {AGENCY_MASH, AGENCY_SOCIAL_CARE, AGENCY_POLICE}
    assert ukcis.referral_met({AGENCY_POLICE}) and not wolverhampton.referral_met({AGENCY_POLICE})
    for profile in policies():
        assert profile.referral_met({AGENCY_SOCIAL_CARE}) and profile.referral_met({AGENCY_MASH})
        assert not profile.referral_met(set()) and not profile.referral_met({"ceop"})


def test_a_profile_refuses_an_agency_outside_the_vocabulary():
    with pytest.raises(ValueError):
        dataclasses.replace(get_policy(UKCIS), referral_met_by=("police_101",))
    with pytest.raises(ValueError):
        dataclasses.replace(get_policy(UKCIS), referral_met_by=())


def test_the_default_labels_are_unchanged():
    assert CRITERION_LABELS == {
        "under_13": "A young person involved is 12 or under",
        "adult_involved": "The incident involves an adult (18 or over)",
        "high_risk_13_17": (
            "A young person involved is 13 to 17 and the risk assessment rates it high"
        ),
        "coercion_or_capacity": (
            "Coercion, blackmail or grooming, or concern about capacity to consent"
        ),
        "unusual_or_violent_content": (
            "The imagery is said to show sexual acts unusual for the developmental stage, or "
            "violence"
        ),
        "immediate_risk_of_harm": (
            "A young person is at immediate risk of harm owing to the sharing"
        ),
    }


def test_it_labels_each_criterion_in_its_profiles_words():
    assert criterion_label(UKCIS, "under_13") == UKCIS_UNDER_13
    assert criterion_label(WOLVERHAMPTON, "under_13") == "A young person involved is 12 or under"
    assert get_policy(UKCIS).criterion_label("under_13") == UKCIS_UNDER_13
    for profile in policies():
        for criterion in profile.criteria:
            assert criterion_label(profile.name, criterion.code) == criterion.label
            assert criterion.label[0].isupper() and criterion.clause and criterion.text
    # A code the profile does not have is shown as it is; an unknown profile is refused.
    assert criterion_label(UKCIS, "high_risk_13_17") == "high_risk_13_17"
    with pytest.raises(ValueError):
        criterion_label("kent-2019", "under_13")


def test_ukcis_words_are_paraphrases_and_wolverhamptons_are_quotations():
    """The product holds no UKCIS text: nothing of it may be shown as a quotation."""
    wolverhampton, ukcis = get_policy(WOLVERHAMPTON), get_policy(UKCIS)
    assert all(c.paraphrased for c in ukcis.criteria)
    assert not any(c.paraphrased for c in wolverhampton.criteria)
    for name in ("doubt", "social_care", "at_risk", "no_referral"):
        assert getattr(ukcis, name).paraphrased and "UKCIS" in getattr(ukcis, name).source
        clause = getattr(wolverhampton, name)
        assert not clause.paraphrased and clause.source.startswith("Wolverhampton guidance")
    assert ukcis.aggravated_referral is None and ukcis.not_referred_recorded is None
    assert wolverhampton.aggravated_referral is AGGRAVATING_FACTORS
    assert wolverhampton.no_referral is NONE_OF_THE_ABOVE
    assert wolverhampton.not_referred_recorded is NOT_REFERRED_RECORDED
    assert wolverhampton.at_risk is AT_ANY_POINT


def test_a_clause_is_cited_as_a_quotation_or_as_a_paraphrase():
    quoted = Clause("Somewhere, Section", "the words")
    paraphrased = Clause("Elsewhere", "the gist", paraphrased=True)
    assert quoted.quoted == '"the words"'
    assert quoted.cite() == 'Somewhere, Section: "the words"'
    assert paraphrased.quoted == "paraphrased: the gist" and '"' not in paraphrased.cite()
    assert paraphrased.cite() == "Elsewhere, paraphrased: the gist"


def test_it_exports_the_clauses_the_requirements_module_cites():
    assert AT_ANY_POINT.source == "Wolverhampton guidance, An initial response"
    assert AT_ANY_POINT.words == (
        "At any point in the process if there is a concern a child/young person has been harmed "
        "or is at risk of harm a referral should be made to children's social care and/or the "
        "police immediately"
    )
    assert AGGRAVATING_FACTORS.source == "Wolverhampton guidance, Initial review meeting"
    assert AGGRAVATING_FACTORS.words.startswith("any incidents with aggravating factors, ")
    assert AGGRAVATING_FACTORS.words.endswith("will be referred to the MASH (and/or police)")
    assert NONE_OF_THE_ABOVE.words.startswith("If none of the above apply, then our school")
    assert CEOP_REPORT.source == HOSTING_SITE_REPORT.source == "Evergreen policy, Step 2"
    assert "report the incident directly to CEOP" in CEOP_REPORT.words
    assert CEOP_REPORT.words.startswith("in the case of a sexting incident involving a child")
    assert HOSTING_SITE_REPORT.words == (
        "If there is an indecent image of a child on a website or a social networking site then "
        "you should report the image to the site hosting it"
    )
    assert POLICE_EXPERIMENTAL.source == "Evergreen policy, Step 2"
    # The string constant other code may use keeps its value.
    assert rules.POLICE_EXPERIMENTAL_CLAUSE == (
        "\"If an 'experimental' incident is not referred to the police the reasons for this "
        'should be recorded in writing"'
    )
    assert POLICE_EXPERIMENTAL.quoted == POLICE_EXPERIMENTAL_CLAUSE


@settings(max_examples=300, deadline=None)
@given(facts_strategy)
def test_each_profiles_reasons_cite_only_its_own_sources(facts):
    ukcis = assess(facts, policy=UKCIS).reasons
    assert not any("Wolverhampton" in r or "MASH" in r for r in ukcis)
    assert not any("12 or under" in r for r in ukcis)
    # Under UKCIS only the Evergreen policy is quoted: its police rule.
    evergreen = {
        c.words for c in (rules.POLICE_ADULT, rules.POLICE_AGGRAVATED, POLICE_EXPERIMENTAL)
    }
    assert {q for r in ukcis for q in re.findall(r'"([^"]*)"', r)} <= evergreen
    assert not any("UKCIS" in r for r in assess(facts, policy=WOLVERHAMPTON).reasons)


def test_ukcis_names_its_under_13_point_in_its_own_words():
    unknown = assess(known(ages=(11,), **AGGRAVATED_BASE, depicts_sexual_acts=U), policy=UKCIS)
    assert unknown.mash_criteria == () and unknown.unknown_facts == ("depicts_sexual_acts",)
    assert any(
        r == "Not known: whether the imagery is said to show sexual acts; the answer could change "
        "the immediate referral."
        for r in unknown.reasons
    )
    referred = assess(known(ages=(11,), **AGGRAVATED_BASE, depicts_sexual_acts=Y), policy=UKCIS)
    assert referred.mash_criteria == ("under_13",)
    (reason,) = [r for r in referred.reasons if r.startswith("Immediate referral")]
    assert reason.startswith(
        "Immediate referral to the police and/or children's social care: a young person involved "
        "is under 13 and the imagery involves sexual acts ("
    )
    assert "paraphrased" in reason and '"' not in reason
    assert [criterion_label(UKCIS, c) for c in referred.mash_criteria] == [UKCIS_UNDER_13]


@pytest.mark.parametrize("policy", BOTH)
def test_the_advice_and_social_care_reasons_come_from_the_profile(policy):
    profile = get_policy(policy)
    result = assess(known(known_to_social_care=U), policy=policy)
    (advice,) = [r for r in result.reasons if r.startswith("Seek advice")]
    assert profile.doubt.cite() in advice and f"ask {profile.advice_from}" in advice
    (fact,) = [r for r in result.reasons if r.startswith("Not known")]
    assert profile.social_care.cite() in fact
    contact = assess(known(known_to_social_care=Y), policy=policy).reasons
    assert any(
        r.startswith("Contact children's social care") and profile.social_care.source in r
        for r in contact
    )


# --- reasons an inspector can check ---------------------------------------------------------------


@pytest.mark.parametrize("policy", BOTH)
def test_coercion_by_someone_not_established_does_not_say_by_a_young_person(policy):
    result = assess(known(coerced=Y, adult_involved=U), policy=policy)
    assert (result.category, result.subtype) == ("aggravated", "youth_intent_to_harm")
    assert not any("by a young person" in r for r in result.reasons)
    headline = result.reasons[0]
    assert headline.startswith("Aggravated — youth intent to harm (provisional): ")
    assert "who coerced them is not established: an adult may be involved" in headline
    assert "Not known: whether an adult (18 or over) is involved." in headline
    assert "could make it another subtype (adult involved)" in headline
    assert provisional_facts(known(coerced=Y, adult_involved=U), policy=policy) == (
        "adult_involved",
    )


@pytest.mark.parametrize("policy", BOTH)
def test_coercion_says_by_a_young_person_once_no_adult_is_established(policy):
    result = assess(known(coerced=Y), policy=policy)
    assert result.reasons[0].startswith(
        "Aggravated — youth intent to harm: a young person was coerced, blackmailed or groomed by "
        "a young person ("
    )
    assert provisional_facts(known(coerced=Y), policy=policy) == ()


@pytest.mark.parametrize("policy", BOTH)
def test_with_every_fact_unknown_the_headline_is_provisional_not_a_finding(policy):
    result = assess(Facts(), policy=policy)
    assert (result.category, result.subtype) == ("experimental", "other")
    headline = result.reasons[0]
    assert headline.startswith("Experimental — other (provisional): ")
    assert provisional_facts(Facts(), policy=policy) == (
        "adult_involved",
        "coerced",
        "intent_to_harm",
        "shared_without_consent",
        "romantic_relationship",
        "attention_seeking",
    )
    assert (
        "A yes to any of these could make it aggravated (adult involved, youth intent to harm or "
        "youth reckless misuse)." in headline
    )
    assert (
        "Also not known: whether the young people are in an ongoing relationship; whether the "
        "imagery was sent to draw sexual attention. A yes to either could make it another "
        "subtype (romantic or sexual attention seeking)." in headline
    )


PROVISIONAL = [
    ({}, ()),
    ({"adult_involved": U}, ("adult_involved",)),
    # Romantic stops being romantic if the imagery was sent to draw attention.
    ({"romantic_relationship": Y, "attention_seeking": U}, ("attention_seeking",)),
    # Sent to draw attention, it can never be romantic: the relationship changes nothing.
    ({"attention_seeking": Y, "romantic_relationship": U}, ()),
    ({"romantic_relationship": U}, ("romantic_relationship",)),
    (
        {"romantic_relationship": U, "attention_seeking": U},
        ("romantic_relationship", "attention_seeking"),
    ),
    # Aggravated rows before the chosen one.
    ({"shared_without_consent": Y, "intent_to_harm": U}, ("intent_to_harm",)),
    ({"intent_to_harm": Y, "shared_without_consent": U}, ()),
    ({"adult_involved": Y, "coerced": U, "intent_to_harm": U}, ()),
    # Facts outside the typology never make it provisional.
    ({"capacity_concern": U, "immediate_risk_of_harm": U, "known_to_social_care": U}, ()),
]


@pytest.mark.parametrize("policy", BOTH)
@pytest.mark.parametrize(("answers", "expected"), PROVISIONAL)
def test_it_names_the_unknown_facts_that_could_change_the_category_or_subtype(
    policy, answers, expected
):
    facts = known(**answers)
    assert provisional_facts(facts, policy=policy) == expected
    headline = assess(facts, policy=policy).reasons[0]
    assert ("(provisional)" in headline.split(":")[0]) is bool(expected)


def test_provisional_facts_refuses_an_unknown_policy():
    with pytest.raises(ValueError):
        provisional_facts(Facts(), policy="kent-2019")


TYPOLOGY_FACTS = [
    "adult_involved",
    "coerced",
    "intent_to_harm",
    "shared_without_consent",
    "romantic_relationship",
    "attention_seeking",
]


@settings(max_examples=300, deadline=None)
@given(facts_strategy, policy_strategy)
def test_the_provisional_facts_match_trying_every_answer(facts, policy):
    """Oracle: resolve every unknown typology fact both ways; which does the row turn on?"""
    unknown = [name for name in TYPOLOGY_FACTS if getattr(facts, name) is U]

    def row(combo):
        result = assess(
            dataclasses.replace(facts, **dict(zip(unknown, combo, strict=True))), policy=policy
        )
        return (result.category, result.subtype)

    rows = {combo: row(combo) for combo in itertools.product([Y, N], repeat=len(unknown))}
    turning = {
        unknown[i]
        for combo, result in rows.items()
        for i, answer in enumerate(combo)
        if answer is Y and rows[(*combo[:i], N, *combo[i + 1 :])] != result
    }
    provisional = provisional_facts(facts, policy=policy)
    assert set(provisional) == turning
    assert list(provisional) == [name for name in ANSWER_FIELDS if name in turning]
    current = assess(facts, policy=policy)
    # Unknown counts as not shown: the current row is every unknown answered no.
    assert (current.category, current.subtype) == rows[(N,) * len(unknown)]
    headline = current.reasons[0].split(":")[0]
    assert ("(provisional)" in headline) is bool(provisional)
    if provisional:
        assert all(rules._NOT_KNOWN[name] in current.reasons[0] for name in provisional)


@settings(max_examples=200, deadline=None)
@given(known_facts_strategy, policy_strategy)
def test_a_fully_known_incident_is_never_provisional(facts, policy):
    assert provisional_facts(facts, policy=policy) == ()
    assert "(provisional)" not in assess(facts, policy=policy).reasons[0]


def quotations(reason: str) -> list[str]:
    """The quoted passages of a reason, split where a quotation joins two with " ... "."""
    assert reason.count('"') % 2 == 0, reason
    return [part for quoted in re.findall(r'"([^"]*)"', reason) for part in quoted.split(" ... ")]


@settings(max_examples=500, deadline=None)
@given(facts_strategy, policy_strategy)
def test_no_quotation_is_repeated_in_one_result(facts, policy):
    seen = [q for r in assess(facts, policy=policy).reasons for q in quotations(r) if len(q) > 20]
    assert len(seen) == len(set(seen)), seen


def test_the_referral_lead_clause_is_quoted_once_however_many_criteria_hold():
    facts = known(
        ages=(11, 16),
        **AGGRAVATED_BASE,
        adult_involved=Y,
        high_risk_assessment=Y,
        capacity_concern=Y,
        unusual_or_violent_content=Y,
        immediate_risk_of_harm=Y,
    )
    reasons = assess(facts, policy=WOLVERHAMPTON).reasons
    assert sum(r.startswith("Immediate referral to the MASH") for r in reasons) == 6
    assert sum(r.count("'Aggravated' AND") for r in reasons) == 1
    assert "'Aggravated' AND" in next(r for r in reasons if r.startswith("Immediate referral"))


@pytest.mark.parametrize("policy", BOTH)
def test_one_seek_advice_reason_carries_the_advice_clause(policy):
    facts = known(intent_to_harm=U, shared_without_consent=U, unusual_or_violent_content=U)
    result = assess(facts, policy=policy)
    clause = get_policy(policy).doubt.words
    assert sum(clause in r for r in result.reasons) == 1
    (advice,) = [r for r in result.reasons if r.startswith("Seek advice")]
    assert clause in advice and f"{len(result.unknown_facts)} facts" in advice
    not_known = [r for r in result.reasons if r.startswith("Not known")]
    assert len(not_known) == len(result.unknown_facts) and not any(clause in r for r in not_known)


# --- Wolverhampton: aggravated incidents are referred; the tension with "If none apply" ------


def test_wolverhampton_names_the_tension_when_aggravated_meets_no_criterion():
    facts = known(**AGGRAVATED_BASE)
    result = assess(facts, policy=WOLVERHAMPTON)
    assert result.category == "aggravated" and result.mash_criteria == ()
    assert result.mash_referral is False  # the criteria table's answer, unchanged
    assert aggravated_without_criteria(facts, policy=WOLVERHAMPTON)
    (reason,) = [r for r in result.reasons if AGGRAVATING_FACTORS.words in r]
    assert reason.startswith("No immediate referral to the MASH is required: ")
    assert NONE_OF_THE_ABOVE.words in reason and "pulls two ways" in reason
    assert "A referral to the MASH is advised, not required" in reason
    assert "not making it needs written reasons" in reason
    assert NOT_REFERRED_RECORDED.words in reason


def test_wolverhampton_cites_the_aggravated_incidents_sentence_beside_the_criteria():
    result = assess(known(ages=(12,), **AGGRAVATED_BASE), policy=WOLVERHAMPTON)
    assert result.mash_referral and result.mash_criteria == ("under_13",)
    cited = [r for r in result.reasons if AGGRAVATING_FACTORS.words in r]
    assert len(cited) == 1 and cited[0].startswith("Referral of aggravated incidents: ")
    assert not any(NONE_OF_THE_ABOVE.words in r for r in result.reasons)
    assert not aggravated_without_criteria(known(ages=(12,), **AGGRAVATED_BASE))


def test_ukcis_has_no_such_tension():
    facts = known(**AGGRAVATED_BASE)
    assert not aggravated_without_criteria(facts, policy=UKCIS)
    reasons = assess(facts, policy=UKCIS).reasons
    assert not any("aggravating factors" in r or "pulls two ways" in r for r in reasons)


@settings(max_examples=300, deadline=None)
@given(facts_strategy)
def test_the_aggravated_incidents_sentence_goes_with_every_aggravated_incident(facts):
    result = assess(facts, policy=WOLVERHAMPTON)
    aggravated = result.category == "aggravated"
    cited = [r for r in result.reasons if AGGRAVATING_FACTORS.words in r]
    assert len(cited) == aggravated
    tension = aggravated and not result.mash_criteria
    assert aggravated_without_criteria(facts, policy=WOLVERHAMPTON) is tension
    assert any("pulls two ways" in r for r in result.reasons) is tension
    # "If none of the above apply": whenever no criterion holds, and only then.
    assert any(NONE_OF_THE_ABOVE.words in r for r in result.reasons) is not result.mash_criteria
    assert aggravated_without_criteria(facts, policy=UKCIS) is False


# --- "At any point in the process ..." ------------------------------------------------------------

AT_RISK = [
    ({"immediate_risk_of_harm": Y}, True),  # experimental
    ({"immediate_risk_of_harm": Y, **AGGRAVATED_BASE}, True),
    ({"immediate_risk_of_harm": Y, "adult_involved": Y}, True),
    ({"high_risk_assessment": Y}, True),  # experimental, other
    ({"high_risk_assessment": Y, "romantic_relationship": Y}, True),
    ({"high_risk_assessment": Y, **AGGRAVATED_BASE}, False),  # aggravated: referred otherwise
    ({"high_risk_assessment": U}, False),
    ({"immediate_risk_of_harm": U}, False),
    ({}, False),
]


@pytest.mark.parametrize("policy", BOTH)
@pytest.mark.parametrize(("answers", "cited"), AT_RISK)
def test_it_cites_the_at_any_point_sentence_when_a_young_person_may_be_harmed(
    policy, answers, cited
):
    facts = known(**answers)
    assert at_risk_of_harm(facts) is cited
    reasons = assess(facts, policy=policy).reasons
    at_risk = [r for r in reasons if r.startswith("Risk of harm")]
    assert len(at_risk) == cited
    words = get_policy(policy).at_risk.words
    assert sum(words in r for r in reasons) == cited
    if cited and policy == WOLVERHAMPTON:
        assert AT_ANY_POINT.cite() in at_risk[0]


@settings(max_examples=300, deadline=None)
@given(facts_strategy, policy_strategy)
def test_at_risk_of_harm_is_the_condition_the_reasons_cite(facts, policy):
    result = assess(facts, policy=policy)
    expected = facts.immediate_risk_of_harm is Y or (
        facts.high_risk_assessment is Y and result.category == "experimental"
    )
    assert at_risk_of_harm(facts) is expected
    assert any(r.startswith("Risk of harm") for r in result.reasons) is expected


# --- what assess() leaves to the requirements module ----------------------------------------------

RECORD_WORDS = re.compile(
    r"\b(platforms?|CEOP|roles?|hosting|websites?|social network\w*|sender|recipient|sharer)\b",
    re.IGNORECASE,
)


@settings(max_examples=300, deadline=None)
@given(facts_strategy, policy_strategy)
def test_the_reasons_keep_to_the_facts(facts, policy):
    """A platform, an unknown person, a young person's role: the record's, not the facts'."""
    for reason in assess(facts, policy=policy).reasons:
        assert not RECORD_WORDS.search(reason), reason
        assert CEOP_REPORT.words not in reason and HOSTING_SITE_REPORT.words not in reason
