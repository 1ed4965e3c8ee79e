"""``manage.py import_pupils OAK roll.csv``: bring a school's roll in line with an MIS export.

Each rejected row is reported on stderr with its line number and reason; the rest are imported.
The last line is the summary, ``created N, updated N, left N, rejected N``. The exit status is
0 unless the file cannot be read (missing, not UTF-8, not the MIS's columns).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.forms.pupils import parse_roll
from incidents.models import School
from incidents.services import ServiceError
from incidents.services.pupils import EmptyRoll, ImportSummary, import_pupils


class Command(BaseCommand):
    help = "Import a school's pupils from its MIS export (CSV), matched by UPN."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix", help="The school's reference prefix, e.g. OAK.")
        parser.add_argument("file", help="The CSV file exported from the MIS.")

    def handle(self, *args: Any, prefix: str, file: str, **options: Any) -> None:
        try:
            school = School.objects.get(reference_prefix=prefix)
        except School.DoesNotExist:
            raise CommandError(f"No school has the reference prefix {prefix!r}.") from None
        try:
            with open(file, encoding="utf-8-sig", newline="") as handle:
                text = handle.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        except UnicodeDecodeError as exc:
            raise CommandError(f"Cannot read {file}: it is not UTF-8 ({exc.reason}).") from None
        roll = parse_roll(text)
        if roll.problem:
            raise CommandError(f"Cannot read {file}: {roll.problem}")
        for rejection in roll.rejected:
            self.stderr.write(f"rejected {rejection}")
        try:
            summary = import_pupils(school=school, roll=roll)
        except EmptyRoll as exc:
            self.stderr.write(str(exc))
            summary = ImportSummary(0, 0, 0, len(roll.rejected))
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(summary))
