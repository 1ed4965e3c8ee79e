"""Exports prepared off the request: the inspection pack over any range, and a record's PDF.

``request_*`` runs in the request: it writes the ``ExportJob`` (queued), logs that it was asked
for, and enqueues ``run_export`` once the transaction commits (``incidents.taskqueue``). A task
worker (``manage.py db_worker``) then builds the file, writing its progress to the job as it
goes, logs the export itself (``INSPECTION_PACK_EXPORTED`` or ``EXPORTED``, as the synchronous
commands do) and keeps the bytes in the job for its requester only, for
settings.EXPORT_KEEP_SECONDS. Each download is logged (``EXPORT_DOWNLOADED``).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from incidents.audit import AuditAction, log_action
from incidents.export import export_inspection_pack, export_record, pack_size
from incidents.models import ExportJob, ExportKind, ExportState, Incident, School, User
from incidents.services.errors import ServiceError
from incidents.taskqueue import enqueue_on_commit, task

logger = logging.getLogger(__name__)

# What one pack costs the worker, measured (docs/architecture.md#exports-as-tasks): the
# estimate shown while it is prepared, and on the form for a long range.
PACK_FIXED_SECONDS = 1.0
PACK_SECONDS_PER_INCIDENT = 0.004


def pack_estimate_seconds(incidents: int) -> int:
    return max(1, round(PACK_FIXED_SECONDS + PACK_SECONDS_PER_INCIDENT * incidents))


class ExportGone(ServiceError):
    """The file was kept for 24 hours and is no longer held."""

    def __init__(self) -> None:
        super().__init__("This export is no longer kept: ask for it again.")


def purge_expired(now: Any = None) -> int:
    """Delete the exports (and their bytes) kept past their time; the number deleted."""
    deleted, _ = ExportJob.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def _new_job(user: User, school: School, kind: str, **fields: Any) -> ExportJob:
    now = timezone.now()
    purge_expired(now)
    return ExportJob.objects.create(
        kind=kind,
        requester=user,
        school=school,
        created_at=now,
        # Until it finishes, a job that no worker ever picks up is still purged in time.
        expires_at=now + timedelta(seconds=settings.EXPORT_KEEP_SECONDS),
        **fields,
    )


@transaction.atomic
def request_inspection_pack(
    request: HttpRequest | None,
    user: User,
    school: School,
    start: date,
    end: date,
    fmt: str,
) -> ExportJob:
    """Queue the school's pack over ``start``..``end``. Authorise before calling."""
    size = pack_size(school, start, end)
    job = _new_job(
        user,
        school,
        ExportKind.INSPECTION_PACK,
        params={"start": start.isoformat(), "end": end.isoformat(), "format": fmt},
        size=size,
        estimate_seconds=pack_estimate_seconds(size),
        stage="Waiting for a worker",
    )
    log_action(
        AuditAction.EXPORT_REQUESTED,
        request=request,
        user=user,
        school=school,
        data={"export": str(job.pk), "kind": job.kind, **job.params, "incidents": size},
    )
    enqueue_on_commit(run_export, str(job.pk))
    return job


@transaction.atomic
def request_record_pdf(request: HttpRequest | None, user: User, incident: Incident) -> ExportJob:
    """Queue the record's PDF. Authorise before calling (``access.get_incident_for_user``)."""
    job = _new_job(
        user,
        incident.school,
        ExportKind.RECORD_PDF,
        incident=incident,
        size=1,
        estimate_seconds=1,
        stage="Waiting for a worker",
    )
    log_action(
        AuditAction.EXPORT_REQUESTED,
        request=request,
        user=user,
        incident=incident,
        data={"export": str(job.pk), "kind": job.kind},
    )
    enqueue_on_commit(run_export, str(job.pk))
    return job


def _progress(job_id: Any, percent: int, stage: str) -> None:
    ExportJob.objects.filter(pk=job_id).update(progress=min(percent, 99), stage=stage[:100])


@task()
def run_export(job_id: str) -> str:
    """The worker's side: build the file, keep its bytes in the job. Returns the job's state."""
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update(of=("self",))
            .select_related("requester", "school", "incident")
            .defer("content")
            .filter(pk=job_id)
            .first()
        )
        # Already run (a task delivered twice), or purged: nothing to do.
        if job is None or job.state != ExportState.QUEUED:
            return job.state if job is not None else "gone"
        job.state = ExportState.RUNNING
        job.stage = "Started"
        job.save(update_fields=["state", "stage"])
    try:

        def progress(percent: int, stage: str) -> None:
            _progress(job.pk, percent, stage)

        if job.kind == ExportKind.INSPECTION_PACK:
            params = job.params
            filename, content_type, content = export_inspection_pack(
                job.school,
                date.fromisoformat(params["start"]),
                date.fromisoformat(params["end"]),
                params["format"],
                user=job.requester,
                progress=progress,
            )
        else:
            assert job.incident is not None
            progress(10, "Laying out the record")
            filename, content_type, content = export_record(job.incident, user=job.requester)
    except Exception:
        logger.exception("Export %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportState.FAILED, stage="Failed", finished_at=timezone.now()
        )
        raise
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportState.READY,
        progress=100,
        stage="Ready",
        filename=filename,
        content_type=content_type,
        content=content,
        finished_at=now,
        expires_at=now + timedelta(seconds=settings.EXPORT_KEEP_SECONDS),
    )
    return ExportState.READY


def download(request: HttpRequest, job: ExportJob) -> tuple[str, str, bytes]:
    """The finished file, with the audit event of this download. Authorise before calling."""
    if job.state != ExportState.READY or job.is_expired() or job.content is None:
        raise ExportGone()
    log_action(
        AuditAction.EXPORT_DOWNLOADED,
        request=request,
        school=job.school,
        incident=job.incident,
        data={"export": str(job.pk), "kind": job.kind, "filename": job.filename, **job.params},
    )
    return job.filename, job.content_type, bytes(job.content)
