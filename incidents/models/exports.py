"""An export prepared by a task worker: the inspection pack or a record's PDF.

The finished file's bytes are kept in the row (never a FileField, never on disk) for its
requester only, until ``expires_at`` (settings.EXPORT_KEEP_SECONDS, 24 hours), then deleted
(``incidents.services.exports.purge_expired``). The row's id is a random UUID: the status and
download pages are addressed by it, and answer only the person who asked (404 to anyone else).
"""

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from incidents.models.incident import Incident
from incidents.models.schools import School


class ExportKind(models.TextChoices):
    INSPECTION_PACK = "inspection_pack", "Inspection pack"
    RECORD_PDF = "record_pdf", "Record PDF"


class ExportState(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Being prepared"
    READY = "ready", "Ready to download"
    FAILED = "failed", "Failed"


class ExportJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=ExportKind.choices)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="export_jobs")
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, null=True, blank=True, related_name="export_jobs"
    )
    # The pack's range and format: {"start": "2026-09-01", "end": "2027-07-31", "format": "pdf"}.
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=ExportState.choices, default=ExportState.QUEUED)
    # 0..100, and what the worker is doing, in words ("Reading 351 incidents").
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=100, blank=True)
    # Incidents in the pack, counted when it was asked for: the estimate shown while it runs.
    size = models.PositiveIntegerField(default=0)
    estimate_seconds = models.PositiveIntegerField(default=0)
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["requester", "-created_at"], name="export_requester_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.requester_id} ({self.state})"

    def get_absolute_download_url(self) -> str:
        return reverse("export_download", kwargs={"job": self.pk})

    @property
    def finished(self) -> bool:
        return self.state in (ExportState.READY, ExportState.FAILED)

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at
