"""`manage.py inspection_pack --school SLUG --start YYYY-MM-DD --end YYYY-MM-DD -o FILE`.

The school's inspection pack as PDF or CSV, chosen by the file's extension.
Audited with no user and ``via: command``.
"""

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.export import export_inspection_pack
from incidents.models import School

FORMAT_OF = {".pdf": "pdf", ".csv": "csv"}


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date: write it as YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = "Write a school's inspection pack for a date range to a PDF or CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, help="The school's slug.")
        parser.add_argument("--start", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--end", required=True, help="Last day (included), YYYY-MM-DD.")
        parser.add_argument("-o", "--output", required=True, help="A .pdf or .csv file.")

    def handle(
        self, *args: Any, school: str, start: str, end: str, output: str, **options: Any
    ) -> None:
        try:
            found = School.objects.get(slug=school)
        except School.DoesNotExist:
            raise CommandError(f"No school has the slug {school!r}.") from None
        first, last = iso_date(start), iso_date(end)
        if last < first:
            raise CommandError("The end date must be on or after the start date.")
        target = Path(output)
        fmt = FORMAT_OF.get(target.suffix.lower())
        if fmt is None:
            raise CommandError("The output file must end in .pdf or .csv.")
        if not target.parent.is_dir():
            raise CommandError(f"The folder {target.parent} does not exist.")
        _filename, _content_type, content = export_inspection_pack(
            found, first, last, fmt, via="command"
        )
        target.write_bytes(content)
        self.stdout.write(f"Wrote {target} ({len(content):,} bytes).")
