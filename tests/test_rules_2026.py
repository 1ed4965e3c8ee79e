"""The two facts added in 2026 (financial_extortion, ai_generated) and the child-on-child prompt,
under both profiles: table tests, then properties. Pure Python: no database."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidents import rules
from incidents.rules import Answer, Facts, assess, child_on_child_gap, provisional_facts

Y, N, U = Answer.YES, Answer.NO, Answer.UNKNOWN
WOLVERHAMPTON = "wolverhampton-2016"
UKCIS = "ukcis-2020"
BOTH = [WOLVERHAMPTON, UKCIS]
ANSWER_FIELDS = [f.name for f in dataclasses.fields(Facts) if f.name != "ages"]
OLD_FIELDS = [name for name in ANSWER_FIELDS if name not in rules.FACTS_2026]


def known(ages=(15,), **answers) -> Facts:
    """Every answer NO unless given: a fully established starting point."""
    return Facts(ages=ages, **(dict.fromkeys(ANSWER_FIELDS, N) | answers))


def police_rank(level: str) -> int:
    return rules.POLICE_LEVELS.index(level)


def extortion_reasons(result) -> list[str]:
    return [r for r in result.reasons if r.startswith("Sexual extortion")]


# --- financial_extortion: the table ---

EXTORTION = [
    # (answers, subtype, provisional, seek_advice, unknown_facts)
    ({"adult_involved": Y}, "adult_involved", False, False, ()),
    ({"adult_involved": N}, "youth_intent_to_harm", False, False, ()),
    ({"adult_involved": U}, "youth_intent_to_harm", True, True, ("adult_involved",)),
]


@pytest.mark.parametrize("policy", BOTH)
@pytest.mark.parametrize(("answers", "subtype", "provisional", "advice", "unknown"), EXTORTION)
def test_extortion_is_aggravated_blackmail_referred_to_the_police(
    policy, answers, subtype, provisional, advice, unknown
):
    result = assess(known(financial_extortion=Y, **answers), policy=policy)
    assert (result.category, result.subtype) == ("aggravated", subtype)
    assert "coercion_or_capacity" in result.mash_criteria
    assert result.mash_referral is True
    assert result.police == "required"
    assert result.seek_advice is advice and result.unknown_facts == unknown
    assert ("(provisional)" in result.reasons[0].split(":")[0]) is provisional
    (reason,) = extortion_reasons(result)
    assert "National Crime Agency" in reason and "April 2024" in reason
    assert "Sharing nudes and semi-nudes" in reason and "March 2024" in reason
    assert "not to pay" in reason and "keep (not delete)" in reason
    police = next(r for r in result.reasons if r.startswith("Police:"))
    assert "sexual extortion" in police and "National Crime Agency" in police


@pytest.mark.parametrize("policy", BOTH)
def test_extortion_with_the_adult_unknown_names_the_adult_though_no_referral_turns_on_it(policy):
    facts = known(financial_extortion=Y, adult_involved=U)
    result = assess(facts, policy=policy)
    # Neither referral turns on the adult: both answers give the same referral and police level.
    for answer in (Y, N):
        other = assess(dataclasses.replace(facts, adult_involved=answer), policy=policy)
        assert (other.mash_referral, other.police) == (result.mash_referral, result.police)
    assert result.seek_advice is True
    assert provisional_facts(facts, policy=policy) == ("adult_involved",)
    (doubt,) = [r for r in result.reasons if r.startswith("Not known")]
    assert "whether an adult (18 or over) is involved" in doubt
    assert "subtype" in doubt and "adult is involved" in doubt
    assert "National Crime Agency" in doubt
    assert len([r for r in result.reasons if r.startswith("Seek advice")]) == 1
    headline = result.reasons[0]
    assert "who made the demand is not established: an adult may be involved" in headline
    # An adult established: the adult_involved criterion is added.
    adult = assess(dataclasses.replace(facts, adult_involved=Y), policy=policy)
    assert "adult_involved" in adult.mash_criteria and "adult_involved" not in result.mash_criteria


@pytest.mark.parametrize("policy", BOTH)
def test_extortion_by_a_young_person_says_so(policy):
    headline = assess(known(financial_extortion=Y), policy=policy).reasons[0]
    assert "which is blackmail by a young person" in headline


@pytest.mark.parametrize("policy", BOTH)
def test_extortion_answered_no_or_left_unknown_changes_nothing(policy):
    for base in (known(), known(romantic_relationship=Y), Facts(), known(adult_involved=U)):
        before = assess(dataclasses.replace(base, financial_extortion=U), policy=policy)
        for answer in (N, U):
            after = assess(dataclasses.replace(base, financial_extortion=answer), policy=policy)
            assert after == before
            assert not extortion_reasons(after)


def test_the_extortion_question_is_asked_at_the_initial_review():
    questions = dict(rules.FACT_QUESTIONS)
    assert "money, gift cards or more imagery" in questions["financial_extortion"]
    assert "ai_generated" not in questions  # derived from how the imagery came about


# --- ai_generated: the table ---

AI_BASES = [
    {},
    {"romantic_relationship": Y},
    {"attention_seeking": Y},
    {"shared_without_consent": Y},
    {"intent_to_harm": Y, "unusual_or_violent_content": Y},
    {"adult_involved": Y},
    {"adult_involved": U},
    {"capacity_concern": Y},
]


@pytest.mark.parametrize("policy", BOTH)
@pytest.mark.parametrize("answers", AI_BASES)
def test_ai_generated_changes_no_category_or_criterion_and_says_why(policy, answers):
    without = assess(known(**answers), policy=policy)
    with_ai = assess(known(ai_generated=Y, **answers), policy=policy)
    for name in (
        "category",
        "subtype",
        "mash_referral",
        "mash_criteria",
        "police",
        "social_care_contact",
        "seek_advice",
        "unknown_facts",
    ):
        assert getattr(with_ai, name) == getattr(without, name), name
    added = [r for r in with_ai.reasons if r not in without.reasons]
    (reason,) = added
    assert reason.startswith("Made or altered with AI or editing tools")
    assert "Protection of Children Act 1978, s.7" in reason
    assert "pseudo-photograph" in reason and "Sharing nudes and semi-nudes" in reason
    assert "may not have taken part" in reason


# --- child-on-child prompts ---

GAPS = [
    ((), False),
    ((12,), False),
    ((12, 13), True),  # under 13 and 13 or over
    ((11, 12), False),
    ((8, 10), False),
    ((8, 11), True),  # three years apart
    ((14, 16), False),
    ((14, 17), True),
    ((15, 15, 12), True),
]


@pytest.mark.parametrize("policy", BOTH)
@pytest.mark.parametrize(("ages", "prompted"), GAPS)
def test_it_prompts_to_consider_harmful_sexual_behaviour_by_age(policy, ages, prompted):
    assert child_on_child_gap(ages) is prompted
    facts = known(ages=ages)
    result = assess(facts, policy=policy)
    prompts = [r for r in result.reasons if r.startswith("Consider harmful sexual behaviour")]
    assert len(prompts) == prompted
    if prompted:
        assert "Keeping Children Safe in Education, Part 5" in prompts[0]
        assert "Brook" in prompts[0] and "child-on-child" in prompts[0]
        assert ("Wolverhampton" in prompts[0]) is (policy == WOLVERHAMPTON)
    # A prompt, never an outcome.
    bare = dataclasses.replace(facts, ages=ages[:1])
    other = assess(bare, policy=policy)
    assert (other.category, other.subtype) == (result.category, result.subtype)


# --- properties ---

answers = st.sampled_from(list(Answer))
ages_strategy = st.lists(st.integers(min_value=0, max_value=17), max_size=4).map(tuple)
facts_strategy = st.builds(Facts, ages=ages_strategy, **dict.fromkeys(ANSWER_FIELDS, answers))
policy_strategy = st.sampled_from(BOTH)


@settings(max_examples=400, deadline=None)
@given(facts_strategy, policy_strategy)
def test_extortion_always_makes_it_aggravated_with_the_coercion_criterion_and_the_police(
    facts, policy
):
    result = assess(dataclasses.replace(facts, financial_extortion=Y), policy=policy)
    assert result.category == "aggravated"
    assert result.subtype in ("adult_involved", "youth_intent_to_harm")
    assert (result.subtype == "adult_involved") is (facts.adult_involved is Y)
    assert "coercion_or_capacity" in result.mash_criteria and result.mash_referral
    assert result.police == "required"
    if facts.adult_involved is U:
        assert result.seek_advice and "adult_involved" in result.unknown_facts
        assert "adult_involved" in provisional_facts(
            dataclasses.replace(facts, financial_extortion=Y), policy=policy
        )
    assert len(extortion_reasons(result)) == 1


@settings(max_examples=400, deadline=None)
@given(facts_strategy, policy_strategy)
def test_extortion_never_weakens_the_response(facts, policy):
    before = assess(dataclasses.replace(facts, financial_extortion=N), policy=policy)
    after = assess(dataclasses.replace(facts, financial_extortion=Y), policy=policy)
    assert after.mash_referral or not before.mash_referral
    assert police_rank(after.police) >= police_rank(before.police)
    assert after.category == "aggravated"
    assert set(before.mash_criteria) <= set(after.mash_criteria)


@settings(max_examples=400, deadline=None)
@given(facts_strategy, policy_strategy, answers)
def test_ai_generated_never_changes_an_outcome(facts, policy, ai):
    base = assess(dataclasses.replace(facts, ai_generated=U), policy=policy)
    result = assess(dataclasses.replace(facts, ai_generated=ai), policy=policy)
    assert dataclasses.replace(result, reasons=()) == dataclasses.replace(base, reasons=())
    added = [r for r in result.reasons if r not in base.reasons]
    assert len(added) == (ai is Y)
    assert all("Protection of Children Act 1978, s.7" in r for r in added)


@settings(max_examples=300, deadline=None)
@given(facts_strategy, policy_strategy)
def test_the_2026_facts_left_unknown_give_the_result_from_before_2026(facts, policy):
    """Facts given without the 2026 answers keep the result they had: no new doubt."""
    bare = dataclasses.replace(facts, financial_extortion=U, ai_generated=U)
    result = assess(bare, policy=policy)
    assert not set(rules.FACTS_2026) & set(result.unknown_facts)
    assert not set(rules.FACTS_2026) & set(provisional_facts(bare, policy=policy))
    assert not extortion_reasons(result)
    assert not any(r.startswith("Made or altered with AI") for r in result.reasons)


@settings(max_examples=300, deadline=None)
@given(facts_strategy, policy_strategy)
def test_the_2026_reasons_are_well_formed_and_cite_no_other_profiles_words(facts, policy):
    result = assess(facts, policy=policy)
    assert all(r.endswith(".") for r in result.reasons)
    new = [
        r
        for r in result.reasons
        if r.startswith(("Sexual extortion", "Made or altered", "Consider harmful"))
    ]
    for reason in new:
        assert '"' not in reason  # paraphrases, never quotations
        assert "UKCIS" not in reason or policy == UKCIS
        if policy == UKCIS:
            assert "Wolverhampton" not in reason and "MASH" not in reason
    assert any(r.startswith("Consider harmful") for r in result.reasons) is child_on_child_gap(
        facts.ages
    )


@settings(max_examples=200, deadline=None)
@given(ages_strategy, policy_strategy)
def test_the_child_on_child_prompt_follows_the_ages_alone(ages, policy):
    expected = len(ages) >= 2 and ((min(ages) < 13 <= max(ages)) or max(ages) - min(ages) >= 3)
    assert child_on_child_gap(ages) is expected
    reasons = assess(Facts(ages=ages), policy=policy).reasons
    assert any(r.startswith("Consider harmful sexual behaviour") for r in reasons) is expected
