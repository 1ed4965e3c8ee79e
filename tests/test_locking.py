"""An approved record is locked in the database itself.

Each change is tried inside its own savepoint, so the refused statement does not spoil the
test's transaction.
"""

import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.utils import timezone

from incidents import services
from incidents.models import (
    Action,
    ActionKind,
    AssessmentResult,
    Decision,
    Disclosure,
    Incident,
    Referral,
    Review,
    Signature,
    Status,
    YoungPerson,
)
from tests.factories import full_record

# Rows only ever added: the application's role is not granted UPDATE or DELETE on the table.
APPEND_ONLY = "permission denied for table"


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.fail("The locking triggers exist on PostgreSQL only: run this file with make test")


@pytest.fixture
def approved(world):
    return full_record(world.oak, world.oak_dsl, viewing_complete=True, status=Status.APPROVED)


@pytest.fixture
def open_record(world):
    return full_record(world.oak, world.oak_dsl, viewing_complete=True)


def refused(change):
    with pytest.raises(IntegrityError, match="approved and locked"), transaction.atomic():
        change()


def test_it_refuses_saving_the_approved_incident(approved):
    approved.incident_date = approved.incident_date.replace(day=1)
    with pytest.raises(IntegrityError, match="approved and locked"), transaction.atomic():
        approved.save()


def test_it_refuses_reopening_the_approved_incident(approved):
    with pytest.raises(IntegrityError, match="approved and locked"), transaction.atomic():
        Incident.objects.filter(pk=approved.pk).update(status=Status.UNDER_REVIEW)
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED


def test_it_refuses_deleting_the_approved_incident_with_raw_sql(approved):
    def delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM incidents_incident WHERE id = %s", [approved.pk])

    with pytest.raises(IntegrityError, match="approved and locked"), transaction.atomic():
        delete()


def test_it_refuses_an_orm_save_of_a_section(approved):
    disclosure = Disclosure.objects.get(incident=approved)
    disclosure.account = "Rewritten later."
    refused(disclosure.save)


def test_it_refuses_a_queryset_update_of_a_section(approved):
    refused(lambda: YoungPerson.objects.filter(incident=approved).update(year_group="Year 11"))


def test_it_refuses_a_bulk_update_of_a_section(approved):
    actions = list(Action.objects.filter(incident=approved))
    for action in actions:
        action.owner = "Someone else"
    refused(lambda: Action.objects.bulk_update(actions, ["owner"]))


def test_it_refuses_raw_sql_on_a_section(approved):
    def raw():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE incidents_review SET outcome = 'x' WHERE incident_id = %s", [approved.pk]
            )

    refused(raw)


def test_it_refuses_deleting_a_section(approved):
    refused(lambda: Referral.objects.filter(incident=approved).delete())


def test_it_refuses_adding_a_section_row(approved, world):
    refused(
        lambda: YoungPerson.objects.create(
            incident=approved,
            name="Added later",
            age_if_no_date_of_birth=14,
            sex="female",
            known_to_social_care="no",
            created_by=world.oak_dsl,
            updated_by=world.oak_dsl,
        )
    )


def test_it_refuses_moving_a_section_row_into_a_locked_record(approved, open_record):
    refused(lambda: Action.objects.filter(incident=open_record).update(incident=approved))


@pytest.mark.parametrize(
    "model",
    [AssessmentResult, Decision, Review, Disclosure],
)
def test_it_locks_every_section_table(approved, model):
    refused(lambda: model.objects.filter(incident=approved).update(incident_id=approved.pk))


def test_it_still_lets_an_open_record_change(open_record):
    YoungPerson.objects.filter(incident=open_record).update(year_group="Year 11")
    Action.objects.create(
        incident=open_record,
        school=open_record.school,
        kind=ActionKind.PASTORAL,
        description="More support.",
        owner="Pastoral lead",
        due_date=timezone.localdate(),
        created_by=open_record.reported_by,
        updated_by=open_record.reported_by,
    )
    assert YoungPerson.objects.filter(incident=open_record, year_group="Year 11").count() == 2


def test_it_never_updates_or_deletes_a_signature(open_record, world):
    signature = Signature.objects.create(
        incident=open_record,
        kind="signed",
        signer=world.oak_dsl,
        signer_name="Oak Dsl",
        role="dsl",
        meaning="I confirm.",
        digest="a" * 64,
    )
    # The application's role holds no UPDATE or DELETE on the table; the trigger behind the
    # missing privilege is tested in tests/test_db_roles.py.
    with pytest.raises(ProgrammingError, match=APPEND_ONLY), transaction.atomic():
        Signature.objects.filter(pk=signature.pk).update(meaning="Something else")
    with pytest.raises(ProgrammingError, match=APPEND_ONLY), transaction.atomic():
        Signature.objects.filter(pk=signature.pk).delete()


def test_it_refuses_in_the_service_layer_first(approved):
    with pytest.raises(services.RecordLocked, match="approved and locked"):
        services.save_step(
            incident=approved,
            user=approved.reported_by,
            step="review",
            expected_version=approved.version,
            changes=services.StepChanges(fields=["outcome"]),
        )


def test_it_keeps_the_history_of_changes_append_only(open_record):
    history = Disclosure.history.model
    assert history.objects.filter(incident_id=open_record.pk).exists()
    with pytest.raises(ProgrammingError, match=APPEND_ONLY), transaction.atomic():
        history.objects.filter(incident_id=open_record.pk).update(account="Rewritten.")
    with pytest.raises(ProgrammingError, match=APPEND_ONLY), transaction.atomic():
        Incident.history.filter(id=open_record.pk).delete()
