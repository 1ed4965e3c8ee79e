"""Exports in the task worker at size: the inspection pack and a record with 5,000 events.

Run on a throwaway PostgreSQL (the environment's DATABASE_URL, migrated and seeded with
``python -m bench.seed_scale --schools 1 --incidents 1754 --throwaway-database``):

    python -m bench.measure_exports

It asks for each export as the school's DSL would (``services.exports``), then runs one
``manage.py db_worker --batch --max-tasks 1`` per export under ``/usr/bin/time -v`` and prints
the worker's wall time and peak memory (the whole process: Python, Django and WeasyPrint
included), and the job's size. Then it gives one record 5,000 access events (25 people over a
year) and times its PDF. Not run by the tests: figures, not assertions.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

import django

ROOT = Path(__file__).resolve().parent.parent


def worker(env: dict[str, str]) -> tuple[float, float]:
    args = [sys.executable, "manage.py", "db_worker", "--batch", "--max-tasks", "1"]
    args += ["--no-startup-delay", "--no-reload"]
    done = subprocess.run(
        ["/usr/bin/time", "-v", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    assert wall and rss
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    return seconds, int(rss.group(1)) / 1024


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from incidents.audit import AuditAction, log_action
    from incidents.export.pdf import render_record_pdf
    from incidents.models import ExportJob, Incident, Membership, Role, School
    from incidents.services import exports

    env = {**os.environ, "SAFEGUARDING_TASK_BACKEND": "database"}
    school = School.objects.order_by("pk").last()
    dsl = Membership.objects.filter(school=school, role=Role.DSL).first().user
    dates = Incident.objects.filter(school=school).order_by("disclosed_at")
    first = timezone.localtime(dates.first().disclosed_at).date()
    last = timezone.localtime(dates.last().disclosed_at).date()
    year_start = date(last.year if last.month >= 9 else last.year - 1, 9, 1) - timedelta(days=365)
    ranges = {
        "school year": (year_start, year_start + timedelta(days=364)),
        "every year": (first, last),
    }
    # A first, tiny run: the worker's own start-up and imports, measured alone.
    empty = ("empty range", (date(2001, 1, 1), date(2001, 1, 2)))
    for label, (start, end) in [empty, *ranges.items()]:
        for fmt in ("pdf", "xlsx") if label != "empty range" else ("pdf",):
            job = exports.request_inspection_pack(None, dsl, school, start, end, fmt)
            seconds, mib = worker(env)
            job = ExportJob.objects.get(pk=job.pk)
            print(
                f"pack {label:12} {fmt:4} {job.size:5} incidents: {seconds:6.2f} s, "
                f"peak {mib:6.0f} MiB, {len(job.content or b'') / 1024:7.0f} KiB, {job.state}"
            )
    # A record read by many people over years: 5,000 access events.
    incident = Incident.objects.filter(school=school).order_by("pk").first()
    User = get_user_model()
    readers = [
        User.objects.create_user(username=f"reader-{n}", first_name="Reader", last_name=str(n))
        for n in range(25)
    ]
    rng = random.Random(15)
    base = timezone.now() - timedelta(days=365)
    before = time.perf_counter()
    render_record_pdf(incident)
    baseline = time.perf_counter() - before
    for n in range(5000):
        at = base + timedelta(days=rng.randrange(365), minutes=n % 600)
        with mock.patch("incidents.audit.timezone.now", return_value=at):
            log_action(AuditAction.VIEWED, user=rng.choice(readers), incident=incident)
    timings = []
    for _ in range(3):
        before = time.perf_counter()
        content = render_record_pdf(incident)[2]
        timings.append(time.perf_counter() - before)
    from incidents.export.pdf import access_summary

    print(
        f"record PDF: {baseline * 1000:.0f} ms before; with 5,000 more access events "
        f"({access_summary(incident).days_total} lines of person and day): "
        f"{min(timings) * 1000:.0f} ms (best of 3), {len(content) / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
