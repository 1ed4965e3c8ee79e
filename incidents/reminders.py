"""The daily reminder: one e-mail to each school's DSL team listing what is due or overdue.

Deletions of imagery not confirmed, open actions, decisions not to refer waiting for the
headteacher's sign-off, children's files sent without a receipt, and records past their
retention review date: each by its reference (or a transfer's number) and a link, never a
child's name nor anything typed about them. ``manage.py send_reminders`` sends them; run it once
a day (cron or a systemd timer: docs/architecture.md#reminders).
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Count, Min
from django.template.loader import render_to_string

from incidents import childfile
from incidents.access import whole_school_team
from incidents.audit import AuditAction, log_action
from incidents.emails import incident_url
from incidents.models import Action, Decision, DeletionRequest, Role, School, Transfer, User

logger = logging.getLogger(__name__)

# Who reviews a record's retention (the reminder's "reviews" lines link to their page).
RETENTION_REVIEWERS = frozenset({Role.DSL, Role.HEADTEACHER})

# What falls due within this many days is listed with what is overdue.
DAYS_AHEAD = 7
# At most this many lines per list; the rest is counted ("and 12 more").
LIMIT = 50


@dataclass
class Line:
    reference: str
    what: str
    when: date
    url: str

    def overdue(self, today: date) -> bool:
        return self.when < today


@dataclass
class Reminder:
    school: School
    today: date
    lists: dict[str, list[Line]] = field(default_factory=dict)
    more: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(self.lists.values())

    @property
    def counts(self) -> dict[str, int]:
        return {k: len(v) + self.more.get(k, 0) for k, v in self.lists.items()}


def _site(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _cap(name: str, lines: list[Line], total: int, reminder: Reminder) -> None:
    reminder.lists[name] = lines[:LIMIT]
    reminder.more[name] = max(0, total - LIMIT)


def reminder_for(school: School, today: date) -> Reminder:
    """What is due by ``today + DAYS_AHEAD`` or overdue at ``school``: a few bounded queries,
    each on the school's own rows."""
    horizon = today + timedelta(days=DAYS_AHEAD)
    reminder = Reminder(school=school, today=today)
    deletions = list(
        DeletionRequest.objects.filter(
            school=school, confirmed_on__isnull=True, deadline__lte=horizon
        )
        .values("incident__reference")
        .annotate(count=Count("pk"), earliest=Min("deadline"))
        .order_by("earliest", "incident__reference")[: LIMIT + 1]
    )
    _cap(
        "deletions",
        [
            Line(
                d["incident__reference"],
                f"{d['count']} young {'person' if d['count'] == 1 else 'people'} asked to delete",
                d["earliest"],
                _site(f"/incidents/{d['incident__reference']}/"),
            )
            for d in deletions
        ],
        len(deletions),
        reminder,
    )
    actions = list(
        Action.objects.filter(school=school, done_on__isnull=True, due_date__lte=horizon)
        .select_related("incident")
        .order_by("due_date", "pk")[: LIMIT + 1]
    )
    _cap(
        "actions",
        # The kind of action only: its description is free text and may name a child.
        [
            Line(a.incident.reference, a.get_kind_display(), a.due_date, incident_url(a.incident))
            for a in actions
        ],
        len(actions),
        reminder,
    )
    signoffs = list(
        Decision.objects.filter(
            school=school, signoff_required=True, headteacher_signoff_by__isnull=True
        )
        .select_related("incident")
        .order_by("decided_at", "pk")[: LIMIT + 1]
    )
    _cap(
        "signoffs",
        [
            Line(
                d.incident.reference,
                "decision not to refer, waiting for the headteacher's sign-off",
                d.decided_at.date(),
                incident_url(d.incident),
            )
            for d in signoffs
        ],
        len(signoffs),
        reminder,
    )
    transfers = list(
        Transfer.objects.filter(school=school, receipt_confirmed_at__isnull=True).order_by(
            "due_on", "pk"
        )[: LIMIT + 1]
    )
    _cap(
        "transfers",
        [
            Line(
                f"Transfer {t.pk}",
                ("sent, receipt not confirmed" if t.sent_at else "not sent yet")
                + f" (to {t.destination_name})",
                t.due_on,
                _site(f"/pupils/{t.pupil_id}/"),
            )
            for t in transfers
        ],
        len(transfers),
        reminder,
    )
    reviews = childfile.past_review(school, today)
    _cap(
        "reviews",
        [
            Line(i.reference, "retention review", i.review_on, _site("/retention/"))  # type: ignore[attr-defined]
            for i in reviews
        ],
        len(reviews),
        reminder,
    )
    return reminder


def send_reminder(school: School, today: date) -> int:
    """E-mail the school's DSL team its reminder, if anything is due; how many were told.

    Only to those who may open what it links to (``access.whole_school_team``: the DSL, a
    deputy in cover); a deputy in cover is not sent the retention reviews, which stay with the
    DSL and the headteacher (docs/policy.md#cover-in-the-dsls-absence).
    """
    reminder = reminder_for(school, today)
    team = whole_school_team(school)
    if reminder.empty or not team:
        return 0
    reviewers = [user for user, roles in team.items() if roles & RETENTION_REVIEWERS]
    covering = [user for user in team if user not in reviewers]
    without_reviews = replace(
        reminder,
        lists={k: v for k, v in reminder.lists.items() if k != "reviews"},
        more={k: v for k, v in reminder.more.items() if k != "reviews"},
    )
    told: list[User] = []
    for recipients, content in ((reviewers, reminder), (covering, without_reviews)):
        if recipients and not content.empty and _send(school, today, content, recipients):
            told.extend(recipients)
    if told:
        log_action(
            AuditAction.REMINDERS_SENT,
            school=school,
            data={"recipients": [user.pk for user in told], "due": reminder.counts},
        )
    return len(told)


def _send(school: School, today: date, reminder: Reminder, recipients: list[User]) -> bool:
    context = {"reminder": reminder, "today": today, "school": school, "url": _site("/")}
    subject = render_to_string("emails/reminders_subject.txt", context).strip()
    body = render_to_string("emails/reminders.txt", context)
    try:
        send_mail(
            subject,
            body,
            settings.DEFAULT_FROM_EMAIL,
            [user.email for user in recipients],
            fail_silently=False,
        )
    except (smtplib.SMTPException, OSError):
        logger.exception("Reminders for school %s could not be sent", school.pk)
        return False
    return True
