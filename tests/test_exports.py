"""Exports prepared by a task worker: the status page, the download, who may see them, and a
run through the database backend with a real worker process."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from incidents.models import AuditEvent, ExportJob, ExportState, Membership, Role
from incidents.security import SESSION_SEEN_AT
from incidents.services import exports
from tests.conftest import client_login, run_export
from tests.factories import full_record

ROOT = Path(__file__).resolve().parent.parent
PACK = reverse("inspection_pack")


def pack_data():
    today = timezone.localdate()
    return {"start": f"{today - timedelta(days=30)}", "end": f"{today}", "format": "csv"}


def queued_pack(world, user=None):
    """A pack asked for by the DSL, its task not run (no commit in a test's transaction)."""
    today = timezone.localdate()
    return exports.request_inspection_pack(
        None, user or world.oak_dsl, world.oak, today - timedelta(days=30), today, "pdf"
    )


def status_url(job):
    return reverse("export_status", kwargs={"job": job.pk})


def download_url(job):
    return reverse("export_download", kwargs={"job": job.pk})


def test_it_queues_the_pack_and_shows_its_progress_until_a_worker_runs_it(client, world):
    full_record(world.oak, world.oak_dsl)
    client_login(client, world.oak_dsl)
    response = client.post(PACK, pack_data())
    job = ExportJob.objects.get()
    assert response["Location"] == status_url(job)
    assert (job.state, job.requester, job.school, job.size) == (
        "queued",
        world.oak_dsl,
        world.oak,
        1,
    )
    page = client.get(status_url(job)).content.decode()
    # Without JavaScript the page refreshes itself; with it, htmx replaces the status only.
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert f'hx-get="{status_url(job)}"' in page
    assert "<progress" in page
    fragment = client.get(status_url(job), headers={"HX-Request": "true"}).content.decode()
    assert 'id="export-status"' in fragment
    assert "<html" not in fragment
    asked = AuditEvent.objects.get(action="export.requested")
    assert asked.user == world.oak_dsl and asked.data["incidents"] == 1
    # Not ready: no file to download.
    assert client.get(download_url(job)).status_code == 302


def test_it_runs_the_task_and_audits_every_download(
    client, world, django_capture_on_commit_callbacks
):
    record = full_record(world.oak, world.oak_dsl)
    client_login(client, world.oak_dsl)
    first = run_export(client, PACK, pack_data(), django_capture_on_commit_callbacks)
    assert first.status_code == 200
    assert record.reference in first.content.decode("utf-8-sig")
    job = ExportJob.objects.get()
    assert job.state == ExportState.READY and job.progress == 100
    assert job.expires_at - job.finished_at == timedelta(hours=24)
    second = client.get(download_url(job))
    assert second.content == first.content
    downloads = AuditEvent.objects.filter(action="export.downloaded")
    assert downloads.count() == 2
    assert {e.user for e in downloads} == {world.oak_dsl}
    assert AuditEvent.objects.filter(action="school.inspection_pack_exported").count() == 1
    page = client.get(status_url(job)).content.decode()
    assert "hx-get" not in page and "refresh" not in page


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("oak_head", 404),  # the same school, the same rights: still not theirs
        ("oak_staff", 404),
        ("elm_dsl", 404),
        ("sysadmin", 404),
    ],
)
def test_it_shows_an_export_to_its_requester_only(client, world, username, status):
    job = queued_pack(world)
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportState.READY, content=b"x", filename="x.pdf", content_type="application/pdf"
    )
    client_login(client, getattr(world, username))
    assert client.get(status_url(job)).status_code == status
    assert client.get(download_url(job)).status_code == status
    assert not AuditEvent.objects.filter(action="export.downloaded").exists()


def test_it_withdraws_the_file_when_the_requester_loses_the_role(client, world):
    job = queued_pack(world)
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.READY, content=b"x")
    Membership.objects.filter(user=world.oak_dsl, role=Role.DSL).update(role=Role.STAFF)
    client_login(client, world.oak_dsl)
    assert client.get(download_url(job)).status_code == 403


def test_it_keeps_the_file_24_hours_then_deletes_it(client, world):
    job = queued_pack(world)
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportState.READY, content=b"x", expires_at=timezone.now() - timedelta(seconds=1)
    )
    client_login(client, world.oak_dsl)
    response = client.get(download_url(job), follow=True)
    assert "no longer kept" in response.content.decode()
    assert not AuditEvent.objects.filter(action="export.downloaded").exists()
    # The next export asked for deletes what is past its time, bytes and all.
    queued_pack(world)
    assert not ExportJob.objects.filter(pk=job.pk).exists()


def test_its_polling_never_keeps_the_session_alive(client, world):
    job = queued_pack(world)
    client_login(client, world.oak_dsl)
    session = client.session
    seen = time.time() - 20 * 60
    session[SESSION_SEEN_AT] = seen
    session.save()
    for _ in range(3):
        assert client.get(status_url(job)).status_code == 200
        assert client.get(status_url(job), headers={"HX-Request": "true"}).status_code == 200
    assert client.session[SESSION_SEEN_AT] == seen
    # Any other page is activity.
    client.get(reverse("home"))
    assert client.session[SESSION_SEEN_AT] > seen


def test_an_open_progress_page_still_ends_the_session_after_30_idle_minutes(client, world):
    job = queued_pack(world)
    client_login(client, world.oak_dsl)
    session = client.session
    session[SESSION_SEEN_AT] = time.time() - 31 * 60
    session.save()
    response = client.get(status_url(job))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_record_pdf_is_asked_for_by_post_only(client, world):
    record = full_record(world.oak, world.oak_dsl)
    client_login(client, world.oak_dsl)
    url = reverse("incident_export_pdf", args=[record.reference])
    assert client.get(url).status_code == 405
    assert not ExportJob.objects.exists()


def test_the_form_says_how_long_a_long_range_takes(client, world):
    client_login(client, world.oak_dsl)
    page = client.get(PACK).content.decode()
    seconds = exports.pack_estimate_seconds(1000)
    assert f"about {seconds} seconds for every 1,000 incidents" in page


# A real worker ------------------------------------------------------------------------------


def worker_environment():
    """The worker process's settings: the test database, as the application's role."""
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_MIGRATE_URL"}
    if db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    env.update(SAFEGUARDING_TASK_BACKEND="database", DJANGO_DEBUG="true")
    return env


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_runs_the_pack_from_the_database_queue(world, settings):
    if connection.vendor != "postgresql":
        pytest.fail("The queue is PostgreSQL: run this test with make test")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    full_record(world.oak, world.oak_dsl)
    job = queued_pack(world)  # commits: enqueued in django_tasks_db's table
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "incidents.services.exports.run_export"
    assert queued.args_kwargs == {"args": [str(job.pk)], "kwargs": {}}
    assert ExportJob.objects.get(pk=job.pk).state == ExportState.QUEUED
    worker = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env=worker_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr
    job.refresh_from_db()
    assert job.state == ExportState.READY, worker.stderr
    assert bytes(job.content).startswith(b"%PDF-")
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    event = AuditEvent.objects.get(action="school.inspection_pack_exported")
    assert event.user == world.oak_dsl and event.data["incidents"] == 1
    # Run again (a task delivered twice): the job is not rebuilt.
    assert exports.run_export.call(str(job.pk)) == ExportState.READY
    assert AuditEvent.objects.filter(action="school.inspection_pack_exported").count() == 1


def test_a_failed_export_keeps_nothing_and_says_so(client, world):
    job = queued_pack(world)
    ExportJob.objects.filter(pk=job.pk).update(params={**job.params, "format": "docx"})
    with pytest.raises(ValueError, match="unknown format"):
        exports.run_export.call(str(job.pk))
    job.refresh_from_db()
    assert job.state == ExportState.FAILED and job.content is None
    assert not AuditEvent.objects.filter(action="school.inspection_pack_exported").exists()
    client_login(client, world.oak_dsl)
    page = client.get(status_url(job)).content.decode()
    assert "The export failed." in page and "hx-get" not in page
    assert client.get(download_url(job)).status_code == 302
