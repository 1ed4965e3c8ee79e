"""The load run of `make bench`: gunicorn on loopback, concurrent DSLs, a bounded time.

``python bench/load.py --users 8 --seconds 20 --out load.json`` against the configured (seeded)
database: starts gunicorn with two workers on 127.0.0.1 only, opens an OTP-verified session
for the DSL of each of the ``--users`` largest schools (server-side, with the session store, as
``django_otp.login`` leaves it after a correct code), and has each DSL, on a thread of its own
with one keep-alive connection, go round the pages a DSL uses all day for ``--seconds``: the
dashboard, the incident list (first and second page), and records of their school. Every
answer but 200 is an error. gunicorn is stopped at the end whatever happens.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
WORKERS = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    index = fraction * (len(ordered) - 1)
    low = int(index)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def sessions_for(users: int) -> list[dict]:
    """A verified session and a few record references for the DSL of each of the largest schools."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from incidents.models import Incident, School, User

    schools = (
        School.objects.filter(slug__startswith="scale-")
        .annotate(n=Count("incidents"))
        .order_by("-n", "pk")[:users]
    )
    people = []
    for school in schools:
        user = User.objects.get(username=f"{school.reference_prefix.lower()}-dsl")
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
        store.create()
        references = list(
            Incident.objects.filter(school=school)
            .order_by("-created_at")
            .values_list("reference", flat=True)[:50]
        )
        people.append(
            {
                "cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}",
                "references": references,
            }
        )
    return people


def simulate(port, person, until, seed, results, lock):
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": person["cookie"], "Host": "localhost"}
    while time.monotonic() < until:
        page = rng.choice(("dashboard", "list", "list page 2", "record", "record"))
        path = {
            "dashboard": "/",
            "list": "/incidents/",
            "list page 2": "/incidents/?page=2",
        }.get(page) or f"/incidents/{rng.choice(person['references'])}/"
        t0 = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            # The session cookie is renewed on every request; keep the newest.
            cookie = response.getheader("Set-Cookie")
            if cookie and cookie.startswith(person["cookie"].split("=")[0] + "="):
                headers["Cookie"] = cookie.split(";")[0]
            error = None if status == 200 else f"{page} {path}: HTTP {status}"
        except (OSError, http.client.HTTPException) as exc:
            error = f"{page} {path}: {exc!r}"
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        elapsed = (time.perf_counter() - t0) * 1000
        with lock:
            results.append((page, elapsed, error))
    conn.close()


def wait_for(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode} before serving")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start listening in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--out", required=True)
    options = parser.parse_args()

    people = sessions_for(options.users)
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(  # noqa: S603 - our own server, loopback only
        [
            str(gunicorn),
            "safeguarding.wsgi:application",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        start_new_session=True,
    )
    results, lock = [], threading.Lock()
    try:
        wait_for(port, proc)
        started = time.monotonic()
        until = started + options.seconds
        threads = [
            threading.Thread(target=simulate, args=(port, person, until, i, results, lock))
            for i, person in enumerate(people)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        # Stop the whole process group (the arbiter and its workers), gently then firmly.
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass

    by_page = {}
    for page in ("dashboard", "list", "list page 2", "record"):
        times = [ms for name, ms, _ in results if name == page]
        by_page[page] = {
            "requests": len(times),
            "p50": statistics.median(times) if times else None,
            "p95": percentile(times, 0.95),
            "errors": sum(1 for name, _ms, error in results if name == page and error),
        }
    times = [ms for _name, ms, _error in results]
    errors = [error for _name, _ms, error in results if error]
    summary = {
        "workers": WORKERS,
        "users": len(people),
        "seconds": elapsed,
        "pages": list(by_page),
        "requests": len(results),
        "throughput": len(results) / elapsed,
        "p50": statistics.median(times) if times else None,
        "p95": percentile(times, 0.95),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:10],
        "by_page": by_page,
    }
    Path(options.out).write_text(json.dumps(summary, indent=1))
    print(
        f"   load: {summary['requests']} requests in {elapsed:.0f} s "
        f"({summary['throughput']:.1f}/s), p95 {summary['p95'] or 0:.0f} ms, "
        f"{summary['errors']} errors",
        flush=True,
    )


if __name__ == "__main__":
    main()
