"""``manage.py send_reminders``: the daily e-mail of what is due, to each school's DSL team.

Run it once a day (cron: ``30 7 * * * cd /srv/app && .venv/bin/python manage.py
send_reminders``, or a systemd timer; docs/architecture.md#reminders). Synchronous: it sends
as it goes and prints how many schools were told; then it deletes the exports kept past their
time (``services.exports.purge_expired``), and the forms kept when a session ended, past theirs
(``services.kept.purge_expired``).
"""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from incidents.models import School
from incidents.reminders import send_reminder
from incidents.services import kept
from incidents.services.exports import purge_expired


class Command(BaseCommand):
    help = "E-mail each school's DSL team one list of what is due or overdue (references only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", help="Only this school (its slug).")
        parser.add_argument("--date", help="As if today were this day (YYYY-MM-DD).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            today = date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError:
            raise CommandError("--date must be a day as YYYY-MM-DD.") from None
        today = today or timezone.localdate()
        schools = School.objects.order_by("pk")
        if options["school"]:
            schools = schools.filter(slug=options["school"])
            if not schools.exists():
                raise CommandError(f"No school {options['school']}.")
        told = 0
        for school in schools.iterator():
            if send_reminder(school, today):
                told += 1
        self.stdout.write(f"Reminders sent to the DSL teams of {told} school(s).")
        # The daily run also deletes the exports kept past their 24 hours, bytes and all.
        self.stdout.write(f"Deleted {purge_expired()} export(s) past their time.")
        # And what was kept of forms posted after a session ended, past its 2 hours (each
        # new one kept deletes those too; this catches the ones nobody came back for).
        self.stdout.write(f"Deleted {kept.purge_expired()} kept submission(s) past their time.")
