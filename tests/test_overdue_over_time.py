"""The overdue-over-time counts (dashboard, overview) agree with counting the rows one by one."""

from datetime import timedelta

from django.utils import timezone

from incidents import stats
from incidents.models import Action, ActionKind, DeletionRequest
from tests.factories import full_record, reported_concern


def by_hand(school_ids, days):
    deletions = list(DeletionRequest.objects.filter(school_id__in=school_ids))
    actions = list(Action.objects.filter(school_id__in=school_ids))
    return {
        day: (
            sum(
                1
                for d in deletions
                if d.deadline < day
                and d.asked_on <= day
                and (d.confirmed_on is None or d.confirmed_on > day)
            ),
            sum(1 for a in actions if a.due_date < day and (a.done_on is None or a.done_on > day)),
        )
        for day in days
    }


def test_the_counts_match_the_rows_day_by_day(world):
    full_record(world.oak, world.oak_dsl)
    other = full_record(world.riv, world.riv_dsl)
    # Actions with every shape of due and done, on a record still open to them.
    record = reported_concern(world.oak, world.oak_dsl)
    today = timezone.localdate()
    for due, done in ((-40, None), (-40, -10), (-5, None), (-50, -45), (3, None)):
        Action.objects.create(
            incident=record,
            school=record.school,
            kind=ActionKind.PASTORAL,
            description="Check in.",
            owner="Pastoral lead",
            due_date=today + timedelta(days=due),
            done_on=None if done is None else today + timedelta(days=done),
            created_by=world.oak_dsl,
            updated_by=world.oak_dsl,
        )
    days = [today - timedelta(days=n) for n in (60, 44, 30, 7, 0)] + [today + timedelta(5)]
    found = stats.overdue_over_time([world.oak.pk], days)
    assert found == by_hand([world.oak.pk], days)
    assert any(actions for _deletions, actions in found.values())
    assert stats.overdue_over_time([world.oak.pk, world.riv.pk], days) == by_hand(
        [world.oak.pk, world.riv.pk], days
    )
    assert other.school_id == world.riv.pk
    assert stats.overdue_over_time([], days) == dict.fromkeys(days, (0, 0))
