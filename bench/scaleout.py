"""The scale-out run of `make bench`: N app servers and two task workers on one PostgreSQL.

``python bench/scaleout.py --users 8 --seconds 20 --packs 4 --out scaleout.json`` against the
configured (seeded) database. Two phases of the same shape, one after the other:

1. **one app server**: one gunicorn (``--gunicorn-workers`` processes) on a loopback port;
2. **two app servers**: two gunicorn instances on two ports, each like the first.

In each phase two task workers (``manage.py db_worker``, two processes, as on two machines)
run beside the servers, the simulated DSLs (OTP-verified sessions, as ``bench/load.py``) are
spread over the servers round-robin, and meanwhile inspection packs are asked for through the
servers as a DSL does (the form, its CSRF token, the POST, the progress page), one of them
over five years. After each phase the run waits for every pack and checks:

- every answer was 200 (or the pack form's redirect to its progress page): 0 errors;
- every task ran exactly once: each ``run_export`` row of the task result table
  (``django_tasks_db``) finished ``SUCCESSFUL`` and was claimed by one worker only, each export
  job is ready, and each pack was logged once (``school.inspection_pack_exported``);
- each finished pack downloads through the *other* server (the servers share nothing but the
  database).

It reports the throughput of each phase. Every process it starts is stopped at the end,
whatever happens.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.load import free_port, percentile, sessions_for, simulate, wait_for  # noqa: E402

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
JOB_RE = re.compile(r"/exports/([0-9a-f-]{36})/")


def start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=BASE_DIR, start_new_session=True)  # noqa: S603 - ours


def stop(proc: subprocess.Popen) -> None:
    """Stop a process group we started, gently then firmly."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def gunicorn(port: int, workers: int) -> subprocess.Popen:
    binary = Path(sys.executable).with_name("gunicorn")
    return start(
        [
            str(binary),
            "safeguarding.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            # The application is imported once, before the port opens: no request waits for a
            # worker to boot.
            "--preload",
            "--log-level",
            "warning",
        ]
    )


def task_worker(name: str) -> subprocess.Popen:
    return start(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.5",
            "--worker-id",
            name,
        ]
    )


def warm_up(ports: list[int], people: list[dict], workers: int) -> None:
    """A few untimed requests to every server, as many at once as it has workers, so each
    worker has its connection to PostgreSQL and its templates loaded before the timing."""
    done: list = []
    lock = threading.Lock()
    for port in ports:
        threads = [
            threading.Thread(
                target=simulate,
                args=(port, people[i % len(people)], time.monotonic() + 3, i, done, lock),
            )
            for i in range(workers * 2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


class Packs:
    """Asks for packs through the servers as a DSL would, and remembers each job."""

    def __init__(self, person: dict, ports: list[int]) -> None:
        self.person = person
        self.ports = ports
        self.jobs: list[dict] = []
        self.errors: list[str] = []

    def ask(self, index: int, start_on: date, end_on: date) -> None:
        port = self.ports[index % len(self.ports)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Cookie": self.person["cookie"], "Host": "localhost"}
        try:
            conn.request("GET", "/reports/inspection-pack/", headers=headers)
            response = conn.getresponse()
            html = response.read().decode()
            token = CSRF_RE.search(html)
            cookies = [
                value.split(";")[0]
                for name, value in response.getheaders()
                if name.lower() == "set-cookie"
            ]
            if response.status != 200 or token is None:
                self.errors.append(f"pack form on :{port}: HTTP {response.status}")
                return
            body = urlencode(
                {
                    "csrfmiddlewaretoken": token.group(1),
                    "start": start_on.isoformat(),
                    "end": end_on.isoformat(),
                    "format": "pdf",
                }
            )
            post_headers = {
                **headers,
                "Cookie": "; ".join([headers["Cookie"], *cookies]),
                "Content-Type": "application/x-www-form-urlencoded",
            }
            conn.request("POST", "/reports/inspection-pack/", body=body, headers=post_headers)
            response = conn.getresponse()
            response.read()
            location = response.getheader("Location") or ""
            job = JOB_RE.search(location)
            if response.status != 302 or job is None:
                self.errors.append(f"pack POST on :{port}: HTTP {response.status} {location}")
                return
            # The progress page answers at once, whatever the worker is doing.
            conn.request("GET", location, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                self.errors.append(f"progress page on :{port}: HTTP {response.status}")
            self.jobs.append(
                {"job": job.group(1), "port": port, "days": (end_on - start_on).days + 1}
            )
        except (OSError, http.client.HTTPException) as exc:
            self.errors.append(f"pack on :{port}: {exc!r}")
        finally:
            conn.close()

    def download(self, job: dict) -> str | None:
        """Fetch a finished pack through the other server; an error, or None."""
        others = [p for p in self.ports if p != job["port"]] or self.ports
        port = others[0]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request(
                "GET",
                f"/exports/{job['job']}/download/",
                headers={"Cookie": self.person["cookie"], "Host": "localhost"},
            )
            response = conn.getresponse()
            content = response.read()
            if response.status != 200 or not content.startswith(b"%PDF"):
                return f"download of {job['job']} on :{port}: HTTP {response.status}"
            return None
        except (OSError, http.client.HTTPException) as exc:
            return f"download of {job['job']} on :{port}: {exc!r}"
        finally:
            conn.close()


def check_tasks(jobs: list[dict], since, timeout: float) -> dict:
    """Wait for the jobs, then check each task ran exactly once."""
    from django.db import close_old_connections
    from django_tasks_db.models import DBTaskResult

    from incidents.audit import AuditAction
    from incidents.models import AuditEvent, ExportJob, ExportState

    ids = [j["job"] for j in jobs]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        pending = ExportJob.objects.filter(
            pk__in=ids, state__in=[ExportState.QUEUED, ExportState.RUNNING]
        ).count()
        if not pending:
            break
        time.sleep(1)
    close_old_connections()
    rows = ExportJob.objects.filter(pk__in=ids).values_list("pk", "state")
    states = {str(pk): state for pk, state in rows}
    tasks = list(
        DBTaskResult.objects.filter(
            task_path__endswith="run_export", enqueued_at__gte=since
        ).values("status", "worker_ids", "args_kwargs", "started_at", "finished_at")
    )
    per_job: dict[str, int] = {}
    for row in tasks:
        args = row["args_kwargs"].get("args") or list(row["args_kwargs"].get("kwargs", {}).values())
        per_job[str(args[0])] = per_job.get(str(args[0]), 0) + 1
    logged = AuditEvent.objects.filter(
        action=AuditAction.INSPECTION_PACK_EXPORTED, at__gte=since
    ).count()
    workers = sorted({w for row in tasks for w in row["worker_ids"]})
    once = (
        len(tasks) == len(ids)
        and all(per_job.get(i) == 1 for i in ids)
        and all(row["status"] == "SUCCESSFUL" and len(row["worker_ids"]) == 1 for row in tasks)
        and all(str(states.get(i)) == ExportState.READY for i in ids)
        and logged == len(ids)
    )
    durations = [
        (row["finished_at"] - row["started_at"]).total_seconds()
        for row in tasks
        if row["finished_at"] and row["started_at"]
    ]
    return {
        "jobs": len(ids),
        "tasks": len(tasks),
        "statuses": sorted({row["status"] for row in tasks}),
        "claims": sorted({len(row["worker_ids"]) for row in tasks}),
        "ready": sum(1 for i in ids if str(states.get(i)) == ExportState.READY),
        "logged": logged,
        "workers": workers,
        "exactly_once": once,
        "task_seconds_max": max(durations) if durations else None,
    }


def phase(servers: int, options, people, pack_person) -> dict:
    from django.utils import timezone

    since = timezone.now()
    ports = [free_port() for _ in range(servers)]
    procs = [gunicorn(port, options.gunicorn_workers) for port in ports]
    procs += [task_worker(f"bench-worker-{i + 1}") for i in range(2)]
    results, lock = [], threading.Lock()
    packs = Packs(pack_person, ports)
    try:
        for port, proc in zip(ports, procs, strict=False):
            wait_for(port, proc)
        warm_up(ports, people, options.gunicorn_workers)
        started = time.monotonic()
        until = started + options.seconds
        threads = [
            threading.Thread(
                target=simulate, args=(ports[i % len(ports)], person, until, i, results, lock)
            )
            for i, person in enumerate(people)
        ]
        for thread in threads:
            thread.start()
        # The packs, spread over the run: school years, and one over five years.
        today = date.today()
        year_start = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
        for index in range(options.packs):
            if index == 0:
                span = (date(year_start.year - 5, 9, 1), year_start - timedelta(days=1))
            else:
                first = date(year_start.year - index, 9, 1)
                span = (first, date(first.year + 1, 8, 31))
            packs.ask(index, *span)
            time.sleep(options.seconds / (options.packs + 1))
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        tasks = check_tasks(packs.jobs, since, options.task_timeout)
        download_errors = [e for e in (packs.download(job) for job in packs.jobs) if e]
    finally:
        for proc in procs:
            stop(proc)
    times = [ms for _name, ms, _error in results]
    errors = [error for _name, _ms, error in results if error]
    errors += packs.errors + download_errors
    return {
        "servers": servers,
        "gunicorn_workers": options.gunicorn_workers,
        "task_workers": 2,
        "users": len(people),
        "seconds": elapsed,
        "requests": len(results),
        "throughput": len(results) / elapsed,
        "p50": percentile(times, 0.5),
        "p95": percentile(times, 0.95),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:10],
        "packs": packs.jobs,
        "tasks": tasks,
        "load": list(os.getloadavg()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--packs", type=int, default=4, help="packs asked for in each phase")
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--task-timeout", type=float, default=300)
    parser.add_argument("--out", required=True)
    options = parser.parse_args()

    people = sessions_for(options.users)
    pack_person = sessions_for(1)[0]
    phases = [phase(n, options, people, pack_person) for n in (1, 2)]
    summary = {"cpus": os.cpu_count(), "phases": phases}
    Path(options.out).write_text(json.dumps(summary, indent=1, default=str))
    for p in phases:
        print(
            f"   {p['servers']} app server(s): {p['requests']} requests in {p['seconds']:.0f} s "
            f"({p['throughput']:.1f}/s), p95 {p['p95'] or 0:.0f} ms, {p['errors']} errors; "
            f"{p['tasks']['jobs']} packs, exactly once: {p['tasks']['exactly_once']} "
            f"(workers {', '.join(p['tasks']['workers'])})",
            flush=True,
        )


if __name__ == "__main__":
    main()
