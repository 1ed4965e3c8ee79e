"""``manage.py verify_record OAK-2026-0001``: is the record still what was signed?"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.models import Incident
from incidents.services import verify_and_log


class Command(BaseCommand):
    help = "Recompute a record's digest and compare it with its latest signature."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reference", help="The incident reference, e.g. OAK-2026-0001.")

    def handle(self, *args: Any, reference: str, **options: Any) -> None:
        try:
            incident = Incident.objects.select_related("school").get(reference=reference)
        except Incident.DoesNotExist:
            raise CommandError(f"No incident {reference}.") from None
        if incident.destroyed_at is not None:
            raise CommandError(
                f"{reference} was destroyed at the end of its retention on "
                f"{incident.destroyed_at:%Y-%m-%d}: only its tombstone is left."
            )
        result = verify_and_log(incident)
        self.stdout.write(f"{incident.reference}: {result.message}")
        self.stdout.write(f"Digest now:          {result.digest}")
        if result.signature is not None:
            self.stdout.write(f"Digest when signed:  {result.signature.digest}")
        if result.intact is False:
            raise CommandError(f"{incident.reference} is NOT intact.")
