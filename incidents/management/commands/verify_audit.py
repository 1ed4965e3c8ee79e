"""``manage.py verify_audit``: recompute the audit log's hash chain."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.audit import verify_chain


class Command(BaseCommand):
    help = (
        "Recompute every audit event's SHA-256 hash and its link to the event before; report "
        "changed or removed rows. Record the head hash it prints somewhere else (a ticket, a "
        "print-out) and pass it later as --anchor to detect rows removed from the end."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--anchor", help="A head hash printed by an earlier run.")

    def handle(self, *args: Any, anchor: str | None = None, **options: Any) -> None:
        report = verify_chain(anchor=anchor)
        for problem in report.problems:
            self.stderr.write(problem)
        if report.anchor_found is False:
            self.stderr.write(
                "The anchor hash is not in the chain: events recorded before it have been "
                "removed or changed."
            )
        if report.id_gaps:
            gaps = ", ".join(f"{a}→{b}" for a, b in report.id_gaps[:20])
            self.stdout.write(
                f"Note: ids skipped between {gaps}. A rolled-back transaction also skips an "
                "id; the chain above says whether a row was removed."
            )
        self.stdout.write(f"{report.count} events checked. Head hash: {report.head}")
        if not report.intact:
            raise CommandError("The audit log is NOT intact.")
        self.stdout.write("The audit log is intact.")
