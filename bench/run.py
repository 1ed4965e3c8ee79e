"""`make bench`: the DSL's pages at one school and at a local authority's scale, beside baselines.

Run under ``pg_virtualenv`` with ``DATABASE_URL`` pointing at its throwaway server (the Makefile
does this). The script, as the parent process:

1. collects the static files (``DJANGO_DEBUG=false`` serves them from the manifest);
2. makes two databases on that server, ``bench_small`` and ``bench_large`` (the second a copy
   of the first, freshly migrated), and fills them with ``bench/seed_scale.py``: 1,000
   incidents in 30 schools and 100,000 incidents in 300 schools;
3. measures each in a child process of its own (``--measure``), so each figure of peak memory
   is that of the measuring process alone;
4. runs ``bench/load.py`` against the large database (gunicorn, concurrent DSLs);
5. prints the table and writes it, with the details, to ``bench/results.md``.

Measuring, in process through Django's test ``Client`` (the whole middleware stack, sessions,
the second factor, the audit write of every read): for each page, warm-up requests, then timed
requests, p50 and p95; then one request under ``CaptureQueriesContext`` for its queries, which
are also searched for an exact ``COUNT(`` over the whole incidents or audit tables. Beside
them, the baselines: bench-only views in ``bench/baseline.py`` that render the same rows of the
same tables bare, with no permission checks, and WeasyPrint alone on the same HTML as the PDF.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RESULTS = BASE_DIR / "bench" / "results.md"

# The pages the issue names; a page whose URL name does not exist yet is skipped with a note.
PAGES = (
    # key, label, URL name, who asks, limit on p95 in ms (None: no absolute limit)
    ("dashboard", "DSL dashboard", "home", "dsl", 100),
    ("list", "Incident list", "incident_list", "dsl", 100),
    ("record", "Record page", "incident_detail", "dsl", 100),
    ("check", "Check answers", "incident_step", "dsl", None),
    ("head_queue", "Headteacher's queue", "head_queue", "head", None),
    ("pdf", "Record PDF export", "incident_export_pdf", "dsl", None),
    ("pack", "Inspection pack (school year, PDF)", "inspection_pack", "dsl", None),
    (
        "overview",
        "Trust overview (the measured school's trust, with charts)",
        "trust_overview",
        "trust",
        None,
    ),
)
# Each page's baseline, and the ratio it must stay within.
BASELINES = {
    "list": ("bare_list", 1.2),
    "record": ("bare_record", 1.2),
    "dashboard": ("bare_dashboard", 1.2),
    "check": ("bare_record", None),
    "pdf": ("weasyprint_record", 1.25),
    "pack": ("weasyprint_pack", 1.25),
    # No ratio held: the page draws four charts the bare table does not (reported, not gated).
    "overview": ("bare_overview", None),
}
BASELINE_LABELS = {
    "bare_dashboard": "Bare dashboard view (same counts and lists, no checks)",
    "bare_list": "Bare list view (same 25 rows, no checks)",
    "bare_record": "Bare record view (same rows, no checks)",
    "bare_overview": "Bare overview table (same counts and medians, no charts, no checks)",
    "weasyprint_record": "WeasyPrint alone, record HTML",
    "weasyprint_pack": "WeasyPrint alone, pack HTML",
}
SIZES = {
    # label: (schools, incidents)
    "small": (30, 1_000),
    "large": (300, 100_000),
}
WHOLE_TABLES = ("incidents_incident", "incidents_auditevent")
# The pages whose SQL floor is measured (their necessary SQL replayed raw, and a minimal
# template), and the ratio to it each must stay within.
FLOOR_PAGES = {"dashboard": 2.0, "list": 2.0, "record": 2.0, "head_queue": None}
# Baselines that run no query at all.
BASELINE_LABELS_WEASY = ("weasyprint_record", "weasyprint_pack")


# ============================================================================================
# The parent: databases, seeding, children, the table.
# ============================================================================================


def database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_sql(*statements: str) -> None:
    import psycopg2

    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
    finally:
        conn.close()


def settle(name: str) -> float:
    """VACUUM ANALYZE the seeded database, then CHECKPOINT; return the seconds it took."""
    import psycopg2

    started = time.monotonic()
    conn = psycopg2.connect(database_url(name))
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
    finally:
        conn.close()
    return time.monotonic() - started


def server_settings() -> dict[str, str]:
    """The durability settings of the server the figures come from (fsync must be on)."""
    import psycopg2

    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    try:
        with conn.cursor() as cursor:
            found = {}
            for name in ("server_version", "fsync", "synchronous_commit", "full_page_writes"):
                cursor.execute(f"SHOW {name}")
                found[name] = cursor.fetchone()[0]
            return found
    finally:
        conn.close()


def machine() -> dict:
    """The machine's load as the figures are taken: a shared machine says so."""
    one, five, fifteen = os.getloadavg()
    return {"cpus": os.cpu_count(), "load": [one, five, fifteen]}


def run_child(args: list[str], *, db: str | None = None, label: str) -> tuple[float, int]:
    """Run a child to the end; return its wall time (s) and peak memory (KiB). Fail loudly."""
    env = dict(os.environ)
    if db is not None:
        env["DATABASE_URL"] = database_url(db)
    print(f"-- {label}", flush=True)
    started = time.monotonic()
    proc = subprocess.Popen(args, cwd=BASE_DIR, env=env)  # noqa: S603 - our own scripts
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"{label} failed with exit code {proc.returncode}")
    print(f"   {label}: {elapsed:.0f} s, peak memory {usage.ru_maxrss / 1024:.0f} MiB", flush=True)
    return elapsed, usage.ru_maxrss


def parent(options) -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("make bench runs on PostgreSQL: set DATABASE_URL (pg_virtualenv does).")
    started = time.monotonic()
    postgres = server_settings()
    if postgres["fsync"] != "on" and not options.allow_fsync_off:
        raise SystemExit(
            "fsync is off on this PostgreSQL: figures would understate every commit "
            "(the Makefile starts pg_virtualenv with -o fsync=on)."
        )
    manage = [PYTHON, "manage.py"]
    SIZES["large"] = (options.large_schools, options.large_incidents)
    run_child([*manage, "collectstatic", "--noinput", "-v0"], label="collectstatic")
    sizes = {k: v for k, v in SIZES.items() if k in options.sizes}
    admin_sql(*(f"DROP DATABASE IF EXISTS bench_{label}" for label in sizes))
    first = None
    for label in sizes:
        if first is None:
            admin_sql(f"CREATE DATABASE bench_{label}")
            run_child(
                [*manage, "migrate", "--noinput", "-v0"],
                db=f"bench_{label}",
                label=f"migrate bench_{label}",
            )
            first = label
        else:
            # A copy of a freshly migrated database: the migrations run once.
            admin_sql(f"CREATE DATABASE bench_{label} TEMPLATE bench_{first}")
    # The template must be copied before it is filled, so every copy is made first.
    results = {"sizes": {}, "seed": {}, "postgres": postgres, "machine_start": machine()}
    for label, (schools, incidents) in sizes.items():
        seconds, rss = run_child(
            [
                PYTHON,
                "-m",
                "bench.seed_scale",
                "--schools",
                str(schools),
                "--incidents",
                str(incidents),
                "--throwaway-database",
                "-v2",
            ],
            db=f"bench_{label}",
            label=f"seed_scale {incidents} incidents in {schools} schools",
        )
        # Timing starts on a settled database: vacuumed and analysed (autovacuum would
        # otherwise still be at work on the seeded tables), and checkpointed, so the flush of
        # what the seed wrote falls before the timing, not in it.
        vacuum_seconds = settle(f"bench_{label}")
        print(f"   VACUUM ANALYZE and CHECKPOINT: {vacuum_seconds:.0f} s", flush=True)
        results["seed"][label] = {
            "seconds": seconds,
            "peak_kib": rss,
            "schools": schools,
            "incidents": incidents,
        }
        out = BASE_DIR / "bench" / f".results-{label}.json"
        seconds, rss = run_child(
            [
                PYTHON,
                "bench/run.py",
                "--measure",
                "--out",
                str(out),
                "--runs",
                str(options.runs),
                "--warmups",
                str(options.warmups),
                "--slow-runs",
                str(options.slow_runs),
                "--pack-runs",
                str(options.pack_runs),
            ],
            db=f"bench_{label}",
            label=f"measure {label}",
        )
        data = json.loads(out.read_text())
        # Every page's SQL stays beside the report for whoever digs into a figure.
        out.replace(Path(tempfile.gettempdir()) / f"bench-{label}.json")
        data["measure_seconds"] = seconds
        results["sizes"][label] = data
    load = None
    if not options.no_load:
        largest = list(sizes)[-1]
        out = BASE_DIR / "bench" / ".results-scaleout.json"
        run_child(
            [
                PYTHON,
                "bench/scaleout.py",
                "--out",
                str(out),
                "--users",
                str(options.users),
                "--seconds",
                str(options.seconds),
                "--packs",
                str(options.packs),
            ],
            db=f"bench_{largest}",
            label=f"scale-out run on bench_{largest}",
        )
        load = json.loads(out.read_text())
        out.unlink()
    results["load"] = load
    results["machine_end"] = machine()
    results["total_seconds"] = time.monotonic() - started
    report = render_report(results)
    print()
    print(report)
    RESULTS.write_text(report)
    print(f"Written to {RESULTS.relative_to(BASE_DIR)}")


# ============================================================================================
# The report.
# ============================================================================================


def ms(value) -> str:
    return "–" if value is None else f"{value:.1f}"


def render_report(results: dict) -> str:
    sizes = results["sizes"]
    large = sizes.get("large") or next(iter(sizes.values()))
    small = sizes.get("small")
    lines = []
    add = lines.append
    seeded = " and ".join(f"{seed['incidents']:,}" for seed in results["seed"].values())
    add("# Benchmarks: `make bench`")
    add("")
    add(
        f"Generated {date.today().isoformat()} on PostgreSQL, in process through Django's test "
        f"client, `DJANGO_DEBUG=false`. Each figure: {large['runs']} timed requests after "
        f"{large['warmups']} warm-ups ({large['slow_runs']} for a record's PDF and "
        f"{large['pack_runs']} for the pack, after one), in milliseconds. "
        f"Query counts at {seeded} incidents. The bare baselines "
        "(`bench/baseline.py`) are requested by the same signed-in DSL through the same "
        "middleware, and render the same rows as the page in a plain template with no "
        "permission checks and no audit write (what each shows: `bench/README.md`); the "
        "check-answers page, which shows the whole record, is set beside the bare record "
        "without a target."
    )
    add("")
    pg = results.get("postgres", {})
    add(
        f"PostgreSQL {pg.get('server_version', '?')}, fsync **{pg.get('fsync', '?')}**, "
        f"synchronous_commit {pg.get('synchronous_commit', '?')}, full_page_writes "
        f"{pg.get('full_page_writes', '?')}; each database `VACUUM ANALYZE`d and checkpointed "
        "after seeding, before any timing."
    )
    add("")
    start, end = results.get("machine_start"), results.get("machine_end")
    if start:
        add(
            f"Machine: {start['cpus']} CPUs; load average (1, 5, 15 min) at the start "
            f"{', '.join(f'{x:.2f}' for x in start['load'])}, at the end "
            f"{', '.join(f'{x:.2f}' for x in end['load'])}."
        )
        for label, data in sizes.items():
            m = data.get("machine")
            if m:
                add(
                    f"- while measuring {label}: load {m['before']['load'][0]:.2f} before, "
                    f"{m['after']['load'][0]:.2f} after (1-minute average)"
                )
        add("")
    for label, seed in results["seed"].items():
        data = sizes[label]
        add(
            f"- **{label}**: {seed['incidents']:,} incidents in {seed['schools']} schools "
            f"(seeded in {seed['seconds']:.0f} s, {data['audit_events']:,} audit events); the "
            f"measured school is {data['school']} with {data['school_incidents']:,} incidents."
        )
    add("")
    add(
        "| Page | p50 | p95 | Baseline | Baseline p50 | Baseline p95 | Ratio (p50) | "
        "Queries small | Queries large | Target | Met |"
    )
    add("|---|---:|---:|---|---:|---:|---:|---:|---:|---|---|")
    misses = []
    for key, label, _name, _who, p95_limit in PAGES:
        page = large["pages"].get(key)
        if page is None or page.get("skipped"):
            note = (page or {}).get("skipped", "not measured")
            add(f"| {label} | – | – | – | – | – | – | – | – | – | skipped: {note} |")
            misses.append(f"{label}: skipped ({note})")
            continue
        base_key, limit = BASELINES.get(key, (None, None))
        base = large["baselines"].get(base_key) if base_key else None
        ratio = page["p50"] / base["p50"] if base else None
        q_small = (small or {}).get("pages", {}).get(key, {}).get("queries")
        q_large = page["queries"]
        checks, target = [], []
        if limit:
            target.append(f"≤ {limit}× baseline")
            checks.append(ratio is not None and ratio <= limit)
        if p95_limit:
            target.append(f"p95 < {p95_limit} ms")
            checks.append(page["p95"] < p95_limit)
        if small is not None:
            target.append("same queries")
            checks.append(q_small == q_large)
        if page.get("whole_table_counts"):
            target.append("no whole-table COUNT")
            checks.append(False)
        met = "yes" if all(checks) else "**no**"
        if not all(checks):
            misses.append(label)
        add(
            f"| {label} | {ms(page['p50'])} | {ms(page['p95'])} | "
            f"{BASELINE_LABELS.get(base_key, '–')} | {ms(base and base['p50'])} | "
            f"{ms(base and base['p95'])} | {'–' if ratio is None else f'{ratio:.2f}×'} | "
            f"{'–' if q_small is None else q_small} | {q_large} | {'; '.join(target)} | {met} |"
        )
    add("")
    add("### Against the SQL floor and the bare baseline, in one run")
    add("")
    add(
        "The floor is the page's own SQL (captured from one request) replayed raw through the "
        "driver's cursor, every row fetched, plus a minimal template over the rows; no "
        "middleware, no ORM. Timed interleaved with the page and its bare baseline."
    )
    add("")
    add(
        "| Page | p50 | SQL floor p50 | × floor | Bare p50 | × bare | Statements (writes) | "
        "Target | Met |"
    )
    add("|---|---:|---:|---:|---:|---:|---:|---|---|")
    for key, floor_limit in FLOOR_PAGES.items():
        page = large["pages"].get(key)
        floor = large.get("floors", {}).get(key)
        if not page or page.get("skipped") or not floor:
            continue
        base_key, base_limit = BASELINES.get(key, (None, None))
        base = large["baselines"].get(base_key) if base_key else None
        x_floor = page["p50"] / floor["p50"]
        x_bare = page["p50"] / base["p50"] if base else None
        checks, target = [], []
        if floor_limit:
            target.append(f"≤ {floor_limit}× floor")
            checks.append(x_floor <= floor_limit)
        if base_limit:
            target.append(f"≤ {base_limit}× bare")
            checks.append(x_bare is not None and x_bare <= base_limit)
        met = "yes" if all(checks) else "**no**"
        if not all(checks):
            misses.append(f"{key}: {x_floor:.2f}× floor, {ms(x_bare)}× bare")
        add(
            f"| {page['label']} | {ms(page['p50'])} | {ms(floor['p50'])} | {x_floor:.2f}× | "
            f"{ms(base and base['p50'])} | {'–' if x_bare is None else f'{x_bare:.2f}×'} | "
            f"{floor['statements']} ({floor['writes']}) | {'; '.join(target) or '–'} | {met} |"
        )
        for refusal in floor.get("refused", []):
            add(f"|  | refused on replay (rolled back): `{refusal}` | | | | | | | |")
    add("")
    add("Baselines alone:")
    add("")
    add("| Baseline | p50 | p95 | Queries small | Queries large |")
    add("|---|---:|---:|---:|---:|")
    for key, base in large["baselines"].items():
        q_small = (small or {}).get("baselines", {}).get(key, {}).get("queries")
        add(
            f"| {BASELINE_LABELS[key]} | {ms(base['p50'])} | {ms(base['p95'])} | "
            f"{'–' if q_small is None else q_small} | {base.get('queries', '–')} |"
        )
    add("")
    add("Peak memory (maximum resident set):")
    add("")
    for label, data in sizes.items():
        add(f"- measuring process, {label}: {data['peak_kib'] / 1024:.0f} MiB")
    for label, seed in results["seed"].items():
        add(f"- seeding process, {label}: {seed['peak_kib'] / 1024:.0f} MiB")
    add("")
    add("## Exact counts")
    add("")
    found = False
    for label, data in sizes.items():
        for key, page in data["pages"].items():
            for sql in page.get("counts", []):
                found = True
                whole = sql in page.get("whole_table_counts", [])
                kind = "**over a whole table**" if whole else "bounded by a filter"
                add(f"- {label}, {key}: {kind}: `{sql[:300]}`")
    if not found:
        add("No page runs `COUNT(` at all.")
    add("")
    if results.get("load"):
        load = results["load"]
        add("## Scale-out run")
        add("")
        first = load["phases"][0]
        add(
            f"On the largest data set: {first['users']} concurrent DSLs (each at their own "
            f"school, an OTP-verified session, spread over the servers round-robin) for "
            f"{first['seconds']:.0f} s over the dashboard, the list (two pages) and records; "
            f"each app server is gunicorn with {first['gunicorn_workers']} workers on loopback; "
            f"{first['task_workers']} task workers (`manage.py db_worker`) on the same "
            f"PostgreSQL; meanwhile {len(first['packs'])} inspection packs asked for through the "
            "servers (the form, the POST, the progress page; the first over five years), "
            f"waited for and downloaded through the other server. {load['cpus']} CPUs."
        )
        add("")
        add(
            "| App servers | Requests | Throughput (req/s) | p50 ms | p95 ms | Errors | Packs "
            "| Tasks run once | Task workers used | Longest task s | Load (1 min) |"
        )
        add("|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|")
        for p in load["phases"]:
            t = p["tasks"]
            add(
                f"| {p['servers']} | {p['requests']} | {p['throughput']:.1f} | {ms(p['p50'])} | "
                f"{ms(p['p95'])} | {p['errors']} | {t['jobs']} | "
                f"{'yes' if t['exactly_once'] else '**no**'} ({t['tasks']} tasks, "
                f"{'/'.join(t['statuses'])}, claims {t['claims']}, {t['logged']} logged) | "
                f"{', '.join(t['workers'])} | {ms(t['task_seconds_max'])} | {p['load'][0]:.2f} |"
            )
            if p["errors"] or not t["exactly_once"]:
                misses.append(f"scale-out with {p['servers']} server(s)")
            for sample in p.get("error_samples", []):
                add(f"|  | {sample} | | | | | | | | | |")
        one, two = load["phases"][0], load["phases"][-1]
        add("")
        add(
            f"Two app servers against one: **{two['throughput'] / one['throughput']:.2f}×** "
            "the throughput on this machine (both share its CPUs with PostgreSQL and the "
            "workers, so the second server adds processes, not cores: on two machines each "
            "brings its own)."
        )
        add("")
    add("## Slowest queries (large data set)")
    add("")
    for key, page in large["pages"].items():
        for q in page.get("slowest", []):
            add(f"- {key}: {q['ms']:.1f} ms: `{q['sql'][:240]}`")
    add("")
    add("## Targets missed")
    add("")
    if misses:
        for miss in misses:
            add(f"- {miss}")
    else:
        add("None: every page meets its targets.")
    add("")
    add(f"The whole run took {results['total_seconds'] / 60:.1f} minutes.")
    add("")
    return "\n".join(lines)


# ============================================================================================
# The child: measuring one database.
# ============================================================================================


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    index = fraction * (len(ordered) - 1)
    low = int(index)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


COUNT_RE = re.compile(r"\bCOUNT\(", re.IGNORECASE)


def count_queries(sqls: list[str]) -> tuple[list[str], list[str]]:
    """The queries with COUNT(, and those of them counting a whole incidents or audit table.

    A count is over a whole table when that table is in its FROM with no WHERE at all.
    """
    counts, whole = [], []
    for sql in sqls:
        if not COUNT_RE.search(sql):
            continue
        counts.append(sql)
        flat = " ".join(sql.split())
        for table in WHOLE_TABLES:
            if re.search(rf'FROM "?{table}"?(\s|$)', flat) and " WHERE " not in flat.upper():
                whole.append(sql)
                break
    return counts, whole


def measure(options) -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings")
    import django

    django.setup()
    machine_before = machine()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.template import engines
    from django.template.loader import render_to_string
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from incidents.models import AuditEvent, Incident, School, Status, User

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    override = override_settings(ROOT_URLCONF="bench.baseline")
    override.enable()

    # The school with the most incidents: the worst case a DSL meets.
    school = (
        School.objects.filter(slug__startswith="scale-")
        .annotate(n=Count("incidents"))
        .order_by("-n", "pk")
        .first()
    )
    prefix = school.reference_prefix.lower()

    def client_for(short: str) -> Client:
        """Logged in as ``tests.conftest.client_login`` does: the session verified by OTP."""
        user = User.objects.get(username=f"{prefix}-{short}")
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(
            user=user, confirmed=True
        ).persistent_id
        session.save()
        return client

    clients = {"dsl": client_for("dsl"), "head": client_for("head")}
    # The trust overview is the lead's of the measured school's trust (a school outside any
    # trust: the largest trust's).
    from incidents.models import Trust

    trust = school.trust or Trust.objects.annotate(n=Count("schools")).order_by("-n").first()
    lead = User.objects.get(username=f"{trust.slug}-lead")
    lead_client = Client()
    lead_client.force_login(lead, backend="django.contrib.auth.backends.ModelBackend")
    lead_session = lead_client.session
    lead_session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(
        user=lead, confirmed=True
    ).persistent_id
    lead_session.save()
    clients["trust"] = lead_client
    incidents = Incident.objects.filter(school=school)
    # The record: the newest approved incident with the fullest record (referrals and actions).
    record = (
        incidents.filter(status=Status.APPROVED)
        .annotate(rows=Count("referrals", distinct=True) + Count("actions", distinct=True))
        .order_by("-rows", "-created_at")
        .first()
    )
    # The check-answers page is of a record still being written: the fullest of them, so the
    # two data sets show records of the same shape.
    editable = (
        incidents.filter(status=Status.UNDER_REVIEW)
        .annotate(
            rows=Count("referrals", distinct=True)
            + Count("actions", distinct=True)
            + Count("deletions", distinct=True)
            + Count("decision", distinct=True)
        )
        .order_by("-rows", "-created_at")
        .first()
    )
    today = date.today()
    year_start = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    last_year = (date(year_start.year - 1, 9, 1), year_start - timedelta(days=1))

    def url(name: str, **kwargs):
        try:
            return reverse(name, kwargs=kwargs or None)
        except NoReverseMatch as exc:
            return exc

    requests = {
        "dashboard": ("get", url("home"), None),
        "list": ("get", url("incident_list"), None),
        "record": ("get", url("incident_detail", reference=record.reference), None),
        "check": (
            "get",
            url("incident_step", reference=editable.reference, step="check")
            if editable
            else NoReverseMatch("no incident under review at the measured school"),
            None,
        ),
        "head_queue": ("get", url("head_queue"), None),
        "overview": ("get", url("trust_overview"), None),
        # A record's PDF and the pack are made by a task worker (the page only queues the
        # export): what is timed is the worker's work, the export function itself, in process.
        "pdf": ("worker", "export_record", None),
        "pack": ("worker", "export_inspection_pack", None),
    }
    slow = {"pdf", "pack"}

    def summary(samples: list[float]) -> dict:
        return {
            "p50": statistics.median(samples),
            "p95": percentile(samples, 0.95),
            "min": min(samples),
            "max": max(samples),
        }

    def captured(call) -> tuple[int, list[dict]]:
        with CaptureQueriesContext(connection) as ctx:
            call()
        return len(ctx.captured_queries), ctx.captured_queries

    # Every page and its baseline are timed in interleaved rounds (A, B, A, B...), so a change
    # in the machine's load during the run falls on both sides of a ratio alike.
    calls, info, skipped = {}, {}, {}
    for key, label, name, who, _limit in PAGES:
        method, target, data = requests[key]
        if isinstance(target, Exception):
            skipped[key] = f"{name}: {target}"
            continue
        client = clients[who]
        if method == "worker":
            from incidents.export.pack import export_inspection_pack
            from incidents.export.pdf import export_record

            requester = User.objects.get(username=f"{prefix}-{who}")
            work = {
                "export_record": lambda requester=requester: export_record(
                    Incident.objects.get(pk=record.pk), user=requester, via="task"
                ),
                "export_inspection_pack": lambda requester=requester: export_inspection_pack(
                    school, *last_year, "pdf", user=requester, via="task"
                ),
            }[target]
            _name, _type, content = work()
            calls[key] = work
            info[key] = {"url": f"{target}() in a worker", "bytes": len(content), "label": label}
            continue

        def call(client=client, method=method, target=target, data=data):
            if method == "post":
                return client.post(target, data, secure=True)
            return client.get(target, secure=True)

        response = call()
        if response.status_code != 200:
            skipped[key] = f"{target} answered {response.status_code}"
            continue
        calls[key] = call
        info[key] = {"url": target, "bytes": len(response.content), "label": label}
    for key, reason in skipped.items():
        print(f"   skip {key}: {reason}", flush=True)

    # Signed in as the same DSL: the baseline pays for the session, the account and the second
    # factor like the page, and for nothing else of the application.
    bare = client_for("dsl")
    for key, target in (
        ("bare_dashboard", reverse("bench_bare_dashboard", kwargs={"school_id": school.pk})),
        ("bare_list", reverse("bench_bare_list", kwargs={"school_id": school.pk})),
        ("bare_overview", reverse("bench_bare_overview", kwargs={"trust_id": trust.pk})),
        ("bare_record", reverse("bench_bare_record", kwargs={"reference": record.reference})),
    ):
        calls[key] = lambda target=target: bare.get(target, secure=True)
        assert calls[key]().status_code == 200, target  # noqa: S101
    # WeasyPrint alone on the same HTML as the page's last export: the record's access history
    # grows with every read and export the benchmark makes, so the HTML is rendered again,
    # untimed, before each baseline run.
    prepare, html = {}, {}
    try:
        from incidents.export.pdf import record_context, renderer
        from incidents.record import load_reference
    except ImportError as exc:
        print(f"   skip WeasyPrint baselines: {exc}", flush=True)
    else:
        pdf = renderer()
        dsl = User.objects.get(username=f"{prefix}-dsl")

        def record_html():
            html["record"] = render_to_string(
                "export/record.html",
                record_context(load_reference(record.reference), exported_by=dsl),
            )

        prepare["weasyprint_record"] = record_html
        calls["weasyprint_record"] = lambda: pdf.render(html["record"])
        try:
            from incidents.export.pack import build_pack, pack_context

            def pack_html():
                html["pack"] = render_to_string(
                    "export/inspection_pack.html", pack_context(build_pack(school, *last_year))
                )

            prepare["weasyprint_pack"] = pack_html
            calls["weasyprint_pack"] = lambda: pdf.render(html["pack"])
        except ImportError as exc:
            print(f"   skip WeasyPrint pack baseline: {exc}", flush=True)

    # Each page's SQL floor: the statements the page ran (captured from one request), replayed
    # raw through the database driver's own cursor with every row fetched, and a minimal
    # template over all the rows. No middleware, no ORM, no model instances, no layout: what
    # the page cannot do without. Its writes (the audit event of the read, the session now and
    # then) are replayed too, inside a transaction rolled back at the end; a write the database
    # refuses on replay (the audit chain has moved on) is rolled back to its savepoint and
    # counted, so its cost is still paid up to the refusal.
    from django.db import transaction

    floor_template = engines["django"].from_string(
        "{% for rows in results %}{% for row in rows %}<p>{% for cell in row %}{{ cell }} "
        "{% endfor %}</p>{% endfor %}{% endfor %}"
    )
    floor_info = {}

    def floor_for(key: str):
        calls[key]()  # a warm-up, then the request whose SQL is replayed
        _n, queries = captured(calls[key])
        statements = [q["sql"] for q in queries]
        reads = ("SELECT", "SAVEPOINT", "RELEASE")
        writes = [not sql.lstrip().upper().startswith(reads) for sql in statements]
        refused = []

        def floor():
            connection.ensure_connection()
            results = []
            with transaction.atomic():
                raw = connection.connection
                with raw.cursor() as cursor:
                    for sql, write in zip(statements, writes, strict=True):
                        if write:
                            cursor.execute("SAVEPOINT bench_floor")
                        try:
                            cursor.execute(sql)
                        except Exception as exc:  # noqa: BLE001 - counted and reported
                            cursor.execute("ROLLBACK TO SAVEPOINT bench_floor")
                            refused.append(f"{type(exc).__name__}: {sql[:120]}")
                            continue
                        results.append(cursor.fetchall() if cursor.description else ())
                transaction.set_rollback(True)
            return floor_template.render({"results": results})

        floor()
        floor_info[key] = {
            "statements": len(statements),
            "writes": sum(writes),
            "refused": sorted(set(refused))[:5],
        }
        return floor

    for key in FLOOR_PAGES:
        if key in calls:
            calls[f"floor_{key}"] = floor_for(key)

    samples = {key: [] for key in calls}
    captured_sql = {}

    def rounds(keys: list[str], runs: int, warmups: int) -> None:
        for _ in range(warmups):
            for key in keys:
                if key in prepare:
                    prepare[key]()
                calls[key]()
        for index in range(runs):
            # Rotate the order too, so no key always runs straight after another.
            for key in keys[index % len(keys) :] + keys[: index % len(keys)]:
                if key in prepare:
                    prepare[key]()
                if (
                    key not in captured_sql
                    and key not in BASELINE_LABELS_WEASY
                    and not key.startswith("floor_")
                ):
                    # The first timed run also counts the queries: capturing costs
                    # microseconds, and a PDF takes seconds.
                    t0 = time.perf_counter()
                    _n, captured_sql[key] = captured(calls[key])
                else:
                    t0 = time.perf_counter()
                    calls[key]()
                samples[key].append((time.perf_counter() - t0) * 1000)

    fast = [k for k in calls if k not in slow and not k.startswith("weasyprint")]
    rounds(fast, options.runs, options.warmups)
    if "pdf" in calls or "weasyprint_record" in calls:
        rounds([k for k in ("pdf", "weasyprint_record") if k in calls], options.slow_runs, 0)
    if "pack" in calls or "weasyprint_pack" in calls:
        rounds([k for k in ("pack", "weasyprint_pack") if k in calls], options.pack_runs, 0)

    pages = {key: {"skipped": reason} for key, reason in skipped.items()}
    baselines, floors = {}, {}
    for key in calls:
        figures = summary(samples[key])
        queries = captured_sql.get(key, [])
        figures["queries"] = len(queries)
        if key.startswith("floor_"):
            floors[key.removeprefix("floor_")] = {
                **figures,
                **floor_info[key.removeprefix("floor_")],
            }
        elif key in info:
            counts, whole = count_queries([q["sql"] for q in queries])
            slowest = sorted(queries, key=lambda q: float(q["time"]), reverse=True)[:3]
            pages[key] = {
                **figures,
                **info[key],
                "counts": counts,
                "whole_table_counts": whole,
                "slowest": [{"ms": float(q["time"]) * 1000, "sql": q["sql"]} for q in slowest],
                "sql": [q["sql"][:300] for q in queries],
            }
        else:
            baselines[key] = figures
        print(
            f"   {key}: p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms, "
            f"{figures['queries']} queries",
            flush=True,
        )

    override.disable()
    result = {
        "school": school.name,
        "school_incidents": incidents.count(),
        "audit_events": AuditEvent.objects.order_by().count(),
        "record": record.reference,
        "editable": editable.reference if editable else None,
        "runs": options.runs,
        "warmups": options.warmups,
        "slow_runs": options.slow_runs,
        "pack_runs": options.pack_runs,
        "pages": pages,
        "baselines": baselines,
        "floors": floors,
        "machine": {"before": machine_before, "after": machine()},
        "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    Path(options.out).write_text(json.dumps(result, indent=1, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", action="store_true", help="measure the configured database")
    parser.add_argument("--out", help="where --measure writes its figures (JSON)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--slow-runs", type=int, default=10, help="timed runs of a record's PDF")
    parser.add_argument("--pack-runs", type=int, default=3, help="timed runs of the pack")
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--users", type=int, default=8, help="concurrent DSLs in the load run")
    parser.add_argument("--seconds", type=float, default=20, help="length of the load run")
    parser.add_argument("--no-load", action="store_true", help="no scale-out run")
    parser.add_argument("--packs", type=int, default=4, help="packs asked for per scale-out phase")
    parser.add_argument(
        "--large-incidents", type=int, default=100_000, help="incidents in the large data set"
    )
    parser.add_argument("--large-schools", type=int, default=300, help="its schools")
    parser.add_argument(
        "--allow-fsync-off", action="store_true", help="measure on a server with fsync off"
    )
    options = parser.parse_args()
    if options.measure:
        measure(options)
    else:
        parent(options)


if __name__ == "__main__":
    main()
