"""The daily reminder e-mail (``manage.py send_reminders``): what is due, by reference only."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from incidents.models import AuditEvent, ExportJob, YoungPerson
from incidents.reminders import reminder_for
from incidents.services import exports
from tests.factories import full_record
from tests.test_child_file import child_file_objects


@pytest.fixture
def team(world):
    for user in (world.oak_dsl, world.oak_deputy, world.oak_staff, world.elm_dsl):
        user.email = f"{user.username}@example.org"
        user.save()
    return world


def send(*args):
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def test_it_sends_each_school_one_list_of_what_is_due_by_reference_only(team):
    world = team
    late = full_record(
        world.oak,
        world.oak_dsl,
        deletion_overdue=True,
        action_overdue=True,
        outcome="handled_in_school",
    )
    child_file_objects(world, late)  # a transfer out of Oakfield, receipt not confirmed
    elsewhere = full_record(world.elm, world.elm_dsl)  # Elm's own actions, due this week
    assert "DSL teams of 2 school(s)" in send()
    assert len(mail.outbox) == 2
    # One e-mail per school, to those of its DSL team who may open every line: the DSL (and
    # a deputy in cover, tests/test_deputies.py), never a deputy without cover, never staff.
    by_school = {tuple(sorted(m.to)): m for m in mail.outbox}
    assert set(by_school) == {("oak-dsl@example.org",), ("elm-dsl@example.org",)}
    message = by_school[("oak-dsl@example.org",)]
    assert late.reference not in by_school[("elm-dsl@example.org",)].body
    assert "Oakfield Academy" in message.subject
    body = message.body
    for heading in (
        "Deletions of imagery not confirmed",
        "Actions not done",
        "Decisions not to refer waiting for the headteacher's sign-off",
        "Children's files transferred without a receipt",
    ):
        assert heading in body
    assert f"- {late.reference}: 2 young people asked to delete, OVERDUE since" in body
    assert f"/incidents/{late.reference}/\n" in body
    assert elsewhere.reference not in body
    # No child's name, and nothing typed about them (an action's description is free text).
    for person in YoungPerson.objects.filter(incident=late):
        assert person.name not in body
    for action in late.actions.all():
        assert action.description not in body
    event = AuditEvent.objects.get(action="school.reminders_sent", school=world.oak)
    assert event.school == world.oak
    assert event.data["due"]["deletions"] == 1 and event.data["due"]["transfers"] == 1


def test_it_lists_retention_reviews_due(team):
    world = team
    old = full_record(world.oak, world.oak_dsl)
    YoungPerson.objects.filter(incident=old).update(date_of_birth=date(1990, 1, 1))
    reminder = reminder_for(world.oak, timezone.localdate())
    assert [line.reference for line in reminder.lists["reviews"]] == [old.reference]


def test_it_sends_nothing_when_nothing_is_due_and_deletes_old_exports(team):
    record = full_record(team.oak, team.oak_dsl)
    old = exports.request_record_pdf(None, team.oak_dsl, record)
    ExportJob.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert "Deleted 1 export(s)" in send("--date", f"{timezone.localdate() - timedelta(days=30)}")
    assert not ExportJob.objects.exists()
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="school.reminders_sent").exists()


def test_it_refuses_a_bad_date_or_school(team):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        send("--date", "tomorrow")
    with pytest.raises(CommandError, match="No school"):
        send("--school", "nowhere")
