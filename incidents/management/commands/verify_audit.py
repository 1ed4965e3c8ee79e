"""``manage.py verify_audit``: recompute the audit log's hash chains and print the anchor."""

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.audit import anchor as anchor_of
from incidents.audit import verify_chain
from incidents.models import School


def school_named(value: str) -> School:
    """A school by its id, its slug or its reference prefix."""
    lookup: dict[str, Any] = {"pk": int(value)} if value.isdigit() else {"slug": value}
    school = School.objects.filter(**lookup).first()
    if school is None and not value.isdigit():
        school = School.objects.filter(reference_prefix=value.upper()).first()
    if school is None:
        raise CommandError(f"No school {value!r} (give its id, slug or reference prefix).")
    return school


def read_heads(path: str) -> dict[str, tuple[int, str]]:
    """The heads written by an earlier ``--write-heads``, checked against their anchor."""
    try:
        document = json.loads(Path(path).read_text())
        heads = {name: (int(c), str(h)) for name, (c, h) in document["chains"].items()}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CommandError(f"Cannot read the heads file {path}: {error}") from None
    if document.get("anchor") != anchor_of(heads):
        raise CommandError(
            f"The heads file {path} does not match the anchor written in it: it has been "
            "changed since it was written."
        )
    return heads


class Command(BaseCommand):
    help = (
        "Recompute every audit event's keyed hash (HMAC-SHA256 with the key its row names) and "
        "its link to the event before it in its chain (one chain per school, one for events "
        "of no school, and the legacy chain up to the cut-over with its seal); report changed "
        "or removed rows. Prints each chain's head and a deployment-wide anchor (SHA-256 of "
        "all heads): keep the anchor, or the file --write-heads writes, off this server "
        "(e-mailed daily to the data protection officer, or shipped with the logs) and pass "
        "the file later as --heads to detect rows removed from the end of any chain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--school", help="Verify this school's chain only (its id, slug or prefix)."
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=min(4, os.cpu_count() or 1),
            help="Worker processes, each with its own database connection (default: up to 4).",
        )
        parser.add_argument(
            "--anchor", help="A head hash printed by an earlier run: it must still be there."
        )
        parser.add_argument(
            "--heads",
            help="A file written by an earlier --write-heads: every head it "
            "records must still stand where it stood.",
        )
        parser.add_argument(
            "--write-heads", help="Write every chain's count and head, with the anchor, here."
        )
        parser.add_argument(
            "--list",
            action="store_true",
            dest="list_chains",
            help="Print every chain's line (name, events, head), those with no event too.",
        )

    def handle(
        self,
        *args: Any,
        school: str | None = None,
        jobs: int = 1,
        anchor: str | None = None,
        heads: str | None = None,
        write_heads: str | None = None,
        list_chains: bool = False,
        **options: Any,
    ) -> None:
        if jobs < 1:
            raise CommandError("--jobs must be at least 1.")
        one = school_named(school) if school else None
        if one is not None and write_heads:
            raise CommandError("--write-heads records every chain: leave out --school.")
        recorded = read_heads(heads) if heads else None
        report = verify_chain(anchor=anchor, school=one, jobs=jobs, heads=recorded)
        for problem in report.problems:
            self.stderr.write(problem)
        if report.anchor_found is False:
            self.stderr.write(
                "The anchor hash is not in any chain: events recorded before it have been "
                "removed or changed."
            )
        if report.id_gaps:
            gaps = ", ".join(f"{a}→{b}" for a, b in report.id_gaps[:20])
            self.stdout.write(
                f"Note: ids skipped in the legacy chain between {gaps}. A rolled-back "
                "transaction also skips an id; the chain above says whether a row was removed."
            )
        if report.unkeyed:
            self.stdout.write(
                f"Note: {report.unkeyed} events were chained before the log was keyed (plain "
                "SHA-256). Anyone with access to the database could have recomputed them, so "
                "they are weaker evidence; an anchor recorded off the server covers them."
            )
        if report.keys_used:
            self.stdout.write(f"Keys used: {', '.join(report.keys_used)}.")
        if report.seal is not None and one is None:
            seal = report.seal
            self.stdout.write(
                f"Cut-over {seal.sealed_at:%Y-%m-%d %H:%M:%S} UTC: legacy chain of "
                f"{seal.legacy_count} events sealed at {seal.legacy_head}."
            )
        for chain in report.chains:
            if chain.count or list_chains or one is not None:
                self.stdout.write(f"{chain.name}: {chain.count} events, head {chain.head}")
        chains = len(report.chains)
        self.stdout.write(
            f"{report.count} events checked in {chains} chain{'' if chains == 1 else 's'}."
        )
        if one is None:
            self.stdout.write(f"Anchor (SHA-256 of every chain's head): {report.anchor}")
        if write_heads:
            document = {"anchor": report.anchor, "chains": report.heads}
            Path(write_heads).write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
            self.stdout.write(f"Heads written to {write_heads}.")
        if not report.intact:
            raise CommandError("The audit log is NOT intact.")
        self.stdout.write("The audit log is intact.")
