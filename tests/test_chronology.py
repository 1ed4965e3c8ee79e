"""The record's chronology."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.chronology import chronology
from incidents.models import (
    Addendum,
    AdviceAgency,
    AdviceSought,
    InitialReview,
    Signature,
    SignatureKind,
)
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
    AdviceSought.objects.create(
        incident=incident,
        agency=AdviceAgency.POLICE_101,
        sought_at=incident.disclosed_at + timedelta(hours=30),
        sought_by="Ms Patel, DSL",
        spoke_to="PC Dawson",
        advice="Refer to the MASH; the police will follow up the adult.",
        school_response="Referred to the MASH.",
        created_by=world.oak_dsl,
        updated_by=world.oak_dsl,
    )
    entries = chronology(load_reference(incident.reference))
    assert [e.order for e in entries] == sorted(e.order for e in entries)
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
        "Rules' result worked out",
        "Rules' result confirmed",
        "Imagery seen unavoidably",
        "Device searched",
        "Advice sought from Police (101) (PC Dawson): not a referral",
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
        # The meeting has its time (a day after the disclosure), two hours before the viewing.
        "Initial review meeting",
        "Imagery seen unavoidably",
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
    # Since December 2026 the meeting's time is recorded: it is placed at that time.
    assert not entries[position(entries, "Initial review meeting")].date_only
    # A meeting recorded before then has a date only.
    InitialReview.objects.filter(incident=incident).update(meeting_time=None)
    entries = chronology(load_reference(incident.reference))
    meeting = entries[position(entries, "Initial review meeting")]
    assert meeting.date_only
    assert not entries[position(entries, "Imagery seen unavoidably")].date_only
    overdue = sorted(e.label for e in entries if e.overdue)
    assert overdue == [
        "Action due: Pastoral support",
        "Deadline for Amelia Hart to confirm deletion",
        "Deadline for Ben Cole to confirm deletion",
    ]


def test_it_lists_a_result_only_when_its_outcome_changes(world):
    # The rules run at every save of the facts; the risk assessment's rating leaves the outcome
    # as it was, and the romance denied after the decision changes it.
    incident = load_reference(full_record(world.oak, world.oak_dsl, confirm_result=False).reference)
    assert incident.assessment_results.count() > 3
    worked_out = [
        label for label in labels(chronology(incident)) if label.startswith("Rules' result worked")
    ]
    assert [label.split(";")[0].split(" (")[0] for label in worked_out] == [
        "Rules' result worked out: Experimental, Other",
        "Rules' result worked out: Experimental, Romantic",
        "Rules' result worked out: Experimental, Other",
    ]
    # No two lines alike one after the other: each says what changed.
    assert all(a != b for a, b in zip(worked_out, worked_out[1:], strict=False))
    assert len(incident.assessment_results.all()) > len(worked_out)


def test_it_marks_entries_recorded_more_than_a_day_after_they_happened(world):
    # The factory's record happened over the past five days and is written up now.
    incident = load_reference(full_record(world.oak, world.oak_dsl).reference)
    entries = chronology(incident)
    disclosed = entries[position(entries, "Concern first disclosed")]
    assert disclosed.recorded_late and disclosed.recorded_at == incident.created_at
    assert entries[position(entries, "Initial review meeting")].recorded_late  # a day only
    assert entries[position(entries, "Imagery seen unavoidably")].recorded_late
    assert entries[position(entries, "Device searched")].recorded_late
    # The decision three hours ago, and the review today, were recorded in time.
    assert not entries[position(entries, "Decision:")].recorded_late
    assert not entries[position(entries, "Outcome review")].recorded_late
    # What the system timed itself is never late.
    assert not entries[position(entries, "Incident opened")].recorded_late


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
    signoff = entries[position(entries, "What is not referred signed off by the headteacher")]
    assert signoff.by == world.oak_head.get_full_name()
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
