"""What the policy requires of a record and what it still lacks, each item naming its step."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import (
    Adult,
    AnswerChoice,
    DecisionOutcome,
    Incident,
    ParentContact,
    Referral,
    Review,
)
from incidents.record import load_reference
from incidents.requirements import MissingItem, flags, missing_items
from incidents.services.records import _record_assessment as record_assessment
from tests.conftest import new_incident
from tests.factories import full_record


def steps(incident) -> list[str]:
    return [item.step for item in missing_items(load_reference(incident.reference))]


def test_it_lists_everything_for_an_empty_record(world):
    incident = new_incident(world.oak, world.oak_staff)
    found = steps(incident)
    for step in ("disclosure", "people", "initial-review", "assessment", "decision", "review"):
        assert step in found
    assert all(isinstance(i, MissingItem) and i.message for i in missing_items(incident))


def test_it_finds_nothing_missing_in_a_complete_record(world):
    incident = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    assert missing_items(incident) == []


def test_safeguards_not_kept_are_flagged_with_the_reason_and_do_not_block(world):
    incident = full_record(world.oak, world.oak_dsl, viewing_complete=False)
    loaded = load_reference(incident.reference)
    assert [i for i in missing_items(loaded) if i.step == "imagery-devices"] == []
    (flag,) = flags(loaded)
    assert "searched by someone of the same sex" in flag.message
    assert flag.explanation == "No male member of staff was in school to search it."


def test_safeguards_not_kept_and_not_explained_block_signing(world):
    # A log written before the product asked for explanations.
    incident = full_record(world.oak, world.oak_dsl, viewing_complete=False)
    incident.device_searches.update(safeguards_explanation="")
    messages = [i.message for i in missing_items(load_reference(incident.reference))]
    assert any("does not show every safeguard and does not say why" in m for m in messages)


def test_it_requires_reasons_when_a_required_referral_is_not_made(world):
    incident = full_record(world.oak, world.oak_dsl, viewing_complete=True, with_adult=True)
    Referral.objects.filter(incident=incident).delete()
    decision = incident.decision
    decision.unmet_reasons = {}
    decision.save()
    messages = [i.message for i in missing_items(load_reference(incident.reference))]
    assert any(
        m.startswith("A referral to the police is required (an adult is involved)")
        and "write your reasons" in m
        for m in messages
    )
    assert any("no referral is recorded" in m for m in messages)


def test_it_flags_a_decision_made_on_older_facts(world):
    incident = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    review = incident.initial_review
    review.immediate_risk_of_harm = AnswerChoice.YES
    review.save()
    record_assessment(Incident.objects.get(pk=incident.pk))
    found = steps(incident)
    assert "assessment" in found
    assert "decision" in found


def test_it_requires_parents_informed_or_a_reason(world):
    incident = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    ParentContact.objects.filter(incident=incident).delete()
    assert steps(incident).count("parents") == 2


def test_it_requires_the_review(world):
    incident = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    Review.objects.filter(incident=incident).delete()
    assert steps(incident) == ["review"]


def test_it_catches_an_adult_the_initial_review_denies(world):
    incident = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    Adult.objects.create(
        incident=incident,
        name="A man",
        relationship="Stranger",
        involvement="Received",
        created_by=world.oak_dsl,
        updated_by=world.oak_dsl,
    )
    assert "initial-review" in steps(incident)


def test_it_requires_a_risk_assessment_when_not_referring(world):
    incident = full_record(
        world.oak,
        world.oak_dsl,
        viewing_complete=True,
        ages=(11, 12),
        outcome=DecisionOutcome.HANDLED_IN_SCHOOL,
        signed_off_by=world.oak_head,
    )
    incident.risk_assessment.delete()
    assert "risk-assessment" in steps(incident)


@pytest.mark.parametrize("count", [1, 3])
def test_it_counts_queries_independently_of_list_sizes(world, count, django_assert_max_num_queries):
    incident = full_record(
        world.oak,
        world.oak_dsl,
        names=tuple(f"P{i}" for i in range(count)),
        ages=tuple(14 for _ in range(count)),
    )
    loaded = load_reference(incident.reference)
    with django_assert_max_num_queries(0):
        missing_items(loaded)


def test_it_is_used_with_a_record_loaded_for_the_page(world):
    incident = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    assert missing_items(load_reference(incident.reference)) == []
    assert timezone.now() - incident.created_at < timedelta(minutes=5)
