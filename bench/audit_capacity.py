"""`make bench-audit`: audited writes a second with 1, 8 and 32 concurrent writers across
schools, the one deployment-wide chain (as before migration 0018) beside a chain per school,
in the same run, on a throwaway PostgreSQL with fsync on.

Run under ``pg_virtualenv -o fsync=on`` with ``DATABASE_URL`` pointing at its server (the
Makefile does this). The script migrates that database, adds ``--schools`` schools, puts back
migration 0005's single-chain function under its old name for the "one chain" mode, then for
each number of writers and each mode, interleaved so a change in the machine's load falls on
every mode, starts that many writer processes (each with its own connection) that write for
``--seconds`` seconds, each write one transaction of one audit event at a school picked at
random, as a service's ``log_action`` does:

- **one chain**: migration 0005's ``log_action``: one advisory lock for the deployment, the
  head the last event of the whole table.
- **per school**: today's ``audit.log_action``: the school's lock, the school's head.
- **no chain**: the same INSERT with no lock and no link: the ceiling the database gives a
  write with its commit (the cost of the chain is the gap to it).

Each write is timed in three parts: before the lock (building the event), waiting for the
lock and reading the head (one round trip), and holding it (the HMAC, the INSERT, the commit:
all that is under the lock). The first second of each run is a warm-up and not counted. The
table goes to stdout and to ``bench/audit_capacity.md``, with the machine's load (``uptime``)
before and after each run and PostgreSQL's fsync and synchronous_commit.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import string
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from incidents import keys  # noqa: E402
from incidents.audit import (  # noqa: E402
    GENESIS_HASH,
    AuditAction,
    event_hash,
    hashed_fields,
    locked_chain_head,
    log_action,
    verify_chain,
)
from incidents.models import AuditEvent, School  # noqa: E402

RESULTS = BASE_DIR / "bench" / "audit_capacity.md"
MODES = ("one chain", "per school", "no chain")
OLD_LOCK_ID = 7_110_421  # migration 0005's lock of the whole deployment's chain
# Migration 0005's function, as it stood until migration 0018 replaced it.
OLD_HEAD = """
CREATE OR REPLACE FUNCTION incidents_audit_chain_head(lock_id bigint) RETURNS varchar
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_id);
    RETURN (SELECT hash FROM incidents_auditevent ORDER BY id DESC LIMIT 1);
END
$$;
"""


def prefix(n: int) -> str:
    letters = []
    for _ in range(4):
        n, r = divmod(n, 26)
        letters.append(string.ascii_uppercase[r])
    return "".join(letters)


def prepare(schools: int) -> list[int]:
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(OLD_HEAD)
    School.objects.bulk_create(
        School(name=f"Capacity school {n}", slug=f"capacity-{n}", reference_prefix=prefix(n))
        for n in range(schools)
        if not School.objects.filter(slug=f"capacity-{n}").exists()
    )
    return list(School.objects.filter(slug__startswith="capacity-").values_list("pk", flat=True))


def new_event(school_id: int, n: int) -> AuditEvent:
    """What ``log_action`` builds before it takes a lock."""
    return AuditEvent(
        at=timezone.now(),
        username="capacity",
        action=str(AuditAction.SEARCHED),
        school_id=school_id,
        data={"writer": n},
        key_id=keys.current_id(),
    )


def write_one_chain(school_id: int, n: int) -> tuple[float, float]:
    """Migration 0005's ``log_action``; returns (lock waited for, lock held) in seconds."""
    event = new_event(school_id, n)
    fields = hashed_fields(event)
    with transaction.atomic():
        asked = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT incidents_audit_chain_head(%s)", [OLD_LOCK_ID])
            head = cursor.fetchone()[0]
        held = time.perf_counter()
        event.previous_hash = head or GENESIS_HASH
        event.hash = event_hash(event.previous_hash, fields, event.key_id)
        event.save(force_insert=True)
    return held - asked, time.perf_counter() - held


def write_per_school(school_id: int, n: int) -> tuple[float, float]:
    """Today's ``log_action`` step by step (the same calls), timed around the lock."""
    event = new_event(school_id, n)
    fields = hashed_fields(event)
    with transaction.atomic():
        asked = time.perf_counter()
        event.previous_hash = locked_chain_head(school_id)
        held = time.perf_counter()
        event.hash = event_hash(event.previous_hash, fields, event.key_id)
        event.save(force_insert=True)
    return held - asked, time.perf_counter() - held


def write_no_chain(school_id: int, n: int) -> tuple[float, float]:
    event = new_event(school_id, n)
    event.previous_hash = GENESIS_HASH
    event.hash = os.urandom(32).hex()
    with transaction.atomic():
        event.save(force_insert=True)
    return 0.0, 0.0


WRITERS = {"one chain": write_one_chain, "per school": write_per_school, "no chain": write_no_chain}


def writer(mode, n, schools, start_at, warm_until, stop_at, results):
    connections.close_all()
    write = WRITERS[mode]
    rng = random.Random(n)
    counted, waits, holds, totals = 0, [], [], []
    while time.time() < start_at:
        time.sleep(0.001)
    while True:
        began = time.perf_counter()
        now = time.time()
        if now >= stop_at:
            break
        wait, hold = write(rng.choice(schools), n)
        if now >= warm_until:
            counted += 1
            waits.append(wait)
            holds.append(hold)
            totals.append(time.perf_counter() - began)
    connections.close_all()
    results.put((counted, waits, holds, totals))


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def run(mode: str, writers: int, schools: list[int], seconds: float) -> dict:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    connections.close_all()
    start_at = time.time() + 1.0 + writers * 0.02
    warm_until, stop_at = start_at + 1.0, start_at + 1.0 + seconds
    processes = [
        context.Process(
            target=writer, args=(mode, n, schools, start_at, warm_until, stop_at, results)
        )
        for n in range(writers)
    ]
    before = load()
    for process in processes:
        process.start()
    collected = [results.get() for _ in processes]
    for process in processes:
        process.join()
    count = sum(c for c, *_ in collected)
    waits = [w for _, ws, _, _ in collected for w in ws]
    holds = [h for _, _, hs, _ in collected for h in hs]
    totals = [t for *_, ts in collected for t in ts]
    return {
        "mode": mode,
        "writers": writers,
        "per_second": count / seconds,
        "count": count,
        "p50_ms": statistics.median(totals) * 1000 if totals else 0.0,
        "wait_share": sum(waits) / sum(totals) if totals else 0.0,
        "hold_ms": statistics.median(holds) * 1000 if holds else 0.0,
        "load_before": before,
        "load_after": load(),
    }


def verify_times(jobs: int) -> list[str]:
    """``verify_chain`` over what the runs wrote: one process, then ``jobs`` workers."""
    lines = []
    for n in sorted({1, jobs}):
        connections.close_all()
        started = time.perf_counter()
        report = verify_chain(jobs=n)
        elapsed = time.perf_counter() - started
        lines.append(
            f"verify_audit over {report.count} events in {len(report.chains)} chains, "
            f"{n} worker(s): {elapsed:.1f} s ({report.count / elapsed:,.0f} events/s); "
            f"{len(report.problems)} problems, as expected: the one-chain and no-chain runs "
            "wrote rows into the schools that follow no school's chain."
        )
    return lines


def settings_line() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW fsync")
        fsync = cursor.fetchone()[0]
        cursor.execute("SHOW synchronous_commit")
        sync = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    return f"{version}, fsync={fsync}, synchronous_commit={sync}, {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", default="1,8,32")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--schools", type=int, default=300)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--jobs", type=int, default=2, help="verify_audit's workers to time")
    options = parser.parse_args()
    schools = prepare(options.schools)
    log_action(AuditAction.SEARCHED, school=None)  # a deployment chain exists from the start
    header = settings_line()
    rows = []
    for writers in [int(w) for w in options.writers.split(",")]:
        for mode in options.modes.split(","):
            row = run(mode, writers, schools, options.seconds)
            rows.append(row)
            print(
                f"{mode:>10} × {writers:>2}: {row['per_second']:8.0f} writes/s, p50 "
                f"{row['p50_ms']:.2f} ms, lock wait {row['wait_share']:.0%} of the time, "
                f"held p50 {row['hold_ms']:.2f} ms | {row['load_after']}",
                flush=True,
            )
    lines = [
        "# Audited-write capacity (bench/audit_capacity.py)",
        "",
        f"{header}; {len(schools)} schools, each write at a school picked at random; "
        f"{options.seconds:g} s counted per run after a 1 s warm-up; writers are processes.",
        "",
        "| writers | mode | audited writes/s | p50 ms | share of time waiting for the lock "
        "| lock held p50 ms | load before → after (1-min) |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        before = row["load_before"].split("load average:")[-1].split(",")[0].strip()
        after = row["load_after"].split("load average:")[-1].split(",")[0].strip()
        lines.append(
            f"| {row['writers']} | {row['mode']} | {row['per_second']:.0f} | "
            f"{row['p50_ms']:.2f} | {row['wait_share']:.0%} | {row['hold_ms']:.2f} | "
            f"{before} → {after} |"
        )
    lines += ["", *verify_times(options.jobs), "", f"Machine at the end: `{load()}`", ""]
    Path(options.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
