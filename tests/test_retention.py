"""Retention review: the review date, keeping a record, destruction authorised by two people,
and a legal hold that blocks it."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import childfile
from incidents.audit import AuditAction, verify_chain
from incidents.models import AuditEvent, LegalHold, RetentionReview, YoungPerson
from tests.conftest import client_login, new_incident


def child(incident, user, *, born=None, age=None, name="Old Pupil"):
    return YoungPerson.objects.create(
        incident=incident,
        name=name,
        date_of_birth=born,
        age_if_no_date_of_birth=age,
        sex="female",
        known_to_social_care="unknown",
        created_by=user,
        updated_by=user,
    )


@pytest.fixture
def old(world):
    """An incident of 1995 about children born in 1981 and 1982: review due in 2007."""
    incident = new_incident(world.oak, world.oak_staff, incident_date=date(1995, 5, 1))
    child(incident, world.oak_dsl, born=date(1981, 2, 1))
    child(incident, world.oak_dsl, born=date(1982, 6, 30), name="Younger Pupil")
    return incident


def test_the_review_date_is_the_latest_birth_plus_25_years(world, old):
    review, kept = childfile.retention_state(old, timezone.localdate())
    assert review == date(2007, 6, 30) and kept is None


def test_without_a_date_of_birth_it_is_the_incident_date_plus_25_years(world):
    incident = new_incident(world.oak, world.oak_staff, incident_date=date(1999, 2, 28))
    child(incident, world.oak_dsl, age=14)
    assert childfile.retention_state(incident, timezone.localdate())[0] == date(2024, 2, 28)
    assert childfile.years_after(date(2000, 2, 29), 25) == date(2025, 2, 28)


def test_the_retention_page_lists_records_past_review_only(client, world, old):
    recent = new_incident(world.oak, world.oak_staff)
    child(recent, world.oak_dsl, born=date(2012, 1, 1))
    client_login(client, world.oak_dsl)
    page = client.get(reverse("retention_list")).text
    assert old.reference in page and recent.reference not in page


def test_a_kept_record_leaves_the_list_until_its_new_review_date(client, world, old):
    client_login(client, world.oak_head)
    client.post(
        reverse("retention_keep", args=[old.reference]),
        {"reason": "Police investigation open", "review_on": "2031-01-01"},
    )
    review = RetentionReview.objects.get()
    assert review.outcome == "keep" and review.decided_by == world.oak_head
    assert (
        f'data-testid="retention-{old.reference}"' not in client.get(reverse("retention_list")).text
    )
    assert AuditEvent.objects.filter(action=AuditAction.RETENTION_KEPT, incident=old).exists()


def test_destruction_needs_the_dsl_and_the_headteacher(client, world, old):
    url = reverse("retention_authorise", args=[old.reference])
    client_login(client, world.oak_dsl)
    client.post(url, {"authorise": "1", "reason": "Past review; nothing open"})
    review = RetentionReview.objects.get()
    assert not review.authorised
    # The same person again: refused.
    client.post(url, {"authorise": "1"})
    review.refresh_from_db()
    assert not review.authorised
    client_login(client, world.oak_head)
    client.post(url, {"authorise": "1"})
    review.refresh_from_db()
    assert review.authorised and review.countersigned_by == world.oak_head
    assert AuditEvent.objects.filter(action=AuditAction.DESTRUCTION_AUTHORISED).count() == 1
    assert verify_chain().intact


@pytest.mark.parametrize("on_record", [True, False])
def test_a_legal_hold_blocks_destruction_and_is_shown(client, world, old, on_record):
    LegalHold.objects.create(
        school=world.oak, incident=old if on_record else None, reason="Inquiry instruction"
    )
    client_login(client, world.oak_dsl)
    page = client.get(reverse("retention_list")).text
    assert "Legal hold" in page and "Inquiry instruction" in page
    client.post(
        reverse("retention_authorise", args=[old.reference]), {"authorise": "1", "reason": "x"}
    )
    assert not RetentionReview.objects.exists()


def test_a_record_not_due_cannot_be_reviewed(client, world):
    recent = new_incident(world.oak, world.oak_staff)
    child(recent, world.oak_dsl, born=date(2012, 1, 1))
    client_login(client, world.oak_dsl)
    client.post(
        reverse("retention_authorise", args=[recent.reference]), {"authorise": "1", "reason": "x"}
    )
    assert not RetentionReview.objects.exists()
