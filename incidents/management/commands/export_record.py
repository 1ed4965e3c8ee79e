"""`manage.py export_record REFERENCE -o FILE`: one incident's inspection record as PDF/A.

For whoever runs the server (a court order, a subject access request, a transfer when the
system is unavailable to the DSL). The export is audited like one from the record page, with
no user and ``via: command``.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.export import export_record
from incidents.models import Incident


class Command(BaseCommand):
    help = "Write the inspection record of one incident to a PDF/A file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reference", help="The incident reference, e.g. OAK-2026-0001.")
        parser.add_argument("-o", "--output", required=True, help="The PDF file to write.")

    def handle(self, *args: Any, reference: str, output: str, **options: Any) -> None:
        try:
            incident = Incident.objects.select_related("school").get(reference=reference)
        except Incident.DoesNotExist:
            raise CommandError(f"No incident has the reference {reference}.") from None
        if incident.destroyed_at is not None:
            raise CommandError(
                f"{reference} was destroyed at the end of its retention on "
                f"{incident.destroyed_at:%Y-%m-%d}: only its tombstone is left."
            )
        target = Path(output)
        if target.suffix.lower() != ".pdf":
            raise CommandError("The output file must end in .pdf.")
        if not target.parent.is_dir():
            raise CommandError(f"The folder {target.parent} does not exist.")
        _filename, _content_type, content = export_record(incident, via="command")
        target.write_bytes(content)
        self.stdout.write(f"Wrote {target} ({len(content):,} bytes): {incident.reference}.")
