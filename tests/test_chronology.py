"""The record's chronology."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.chronology import chronology
from incidents.models import Addendum, Signature, SignatureKind
from incidents.record import load_reference
from tests.conftest import client_login
from tests.factories import full_record

pytestmark = pytest.mark.django_db


def labels(entries):
    return [entry.label for entry in entries]


def position(entries, start):
    return next(i for i, entry in enumerate(entries) if entry.label.startswith(start))


def test_it_lists_every_dated_entry_in_order(world):
    incident = full_record(world.oak, world.oak_dsl, with_adult=True, deletion_overdue=True)
    entries = chronology(load_reference(incident.reference))
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    expected = [
        "Incident happened",
        "Concern first disclosed",
        "Incident opened",
        "Disclosure recorded",
        "Young person added: Amelia Hart",
        "Young person added: Ben Cole",
        "Adult added",
        "Initial review meeting",
        "Risk assessment recorded",
        "Rules' result computed",
        "Rules' result confirmed",
        "Imagery viewed",
        "Device searched",
        "Decision: Referred to other agencies",
        "Referral: MASH",
        "Parent or carer of Amelia Hart informed",
        "Amelia Hart asked to delete the imagery",
        "Deadline for Amelia Hart to confirm deletion",
        "Action due: Pastoral support",
        "Action due: Education follow-up",
        "Action done: Education follow-up",
        "Outcome review",
    ]
    for start in expected:
        assert any(label.startswith(start) for label in labels(entries)), start


def test_it_puts_what_happened_before_what_followed(world):
    incident = full_record(world.oak, world.oak_dsl)
    entries = chronology(load_reference(incident.reference))
    order = [
        "Incident happened",
        "Concern first disclosed",
        "Initial review meeting",
        "Imagery viewed",
        "Device searched",
        "Decision:",
        "Referral:",
        "Parent or carer of Amelia Hart informed",
    ]
    positions = [position(entries, start) for start in order]
    assert positions == sorted(positions)


def test_it_marks_day_only_entries_and_overdue_ones(world):
    incident = full_record(world.oak, world.oak_dsl, deletion_overdue=True, action_overdue=True)
    entries = chronology(load_reference(incident.reference))
    meeting = entries[position(entries, "Initial review meeting")]
    assert meeting.date_only
    assert not entries[position(entries, "Imagery viewed")].date_only
    overdue = sorted(e.label for e in entries if e.overdue)
    assert overdue == [
        "Action due: Pastoral support",
        "Deadline for Amelia Hart to confirm deletion",
        "Deadline for Ben Cole to confirm deletion",
    ]


def test_it_includes_signoff_signatures_and_addenda(world):
    incident = full_record(
        world.oak, world.oak_dsl, outcome="handled_in_school", signed_off_by=world.oak_head
    )
    # After every deadline and due date of the factory's record.
    later = timezone.now() + timedelta(days=30)
    Signature.objects.create(
        incident=incident,
        kind=SignatureKind.SIGNED,
        signer=world.oak_dsl,
        signer_name="Oak Dsl",
        role="dsl",
        meaning="I confirm this record is complete and accurate.",
        digest="c" * 64,
        signed_at=later,
    )
    Addendum.objects.create(
        incident=incident, text="Later fact.", author=world.oak_dsl, created_at=later
    )
    entries = chronology(load_reference(incident.reference))
    assert "Non-referral decision signed off by the headteacher" in labels(entries)
    assert labels(entries)[-2:] == ["Signed by the DSL", "Addendum added"]
    assert entries[-1].by == "Oak Dsl"


def test_it_makes_no_query_of_its_own(world, django_assert_num_queries):
    incident = load_reference(full_record(world.oak, world.oak_dsl, with_adult=True).reference)
    with django_assert_num_queries(0):
        chronology(incident)


def test_it_works_on_a_record_with_only_its_opening(world, incident):
    entries = chronology(load_reference(incident.reference))
    assert labels(entries) == [
        "Incident happened (as far as is known)",
        "Concern first disclosed",
        "Incident opened",
    ]


def test_it_is_shown_on_the_record_page(client, world):
    incident = full_record(world.oak, world.oak_dsl)
    client_login(client, world.oak_dsl)
    response = client.get(f"/incidents/{incident.reference}/")
    shown = response.context["chronology"]
    assert labels(shown) == labels(chronology(load_reference(incident.reference)))
    assert "Device searched: Mobile phone" in response.content.decode()
