"""The append-only audit log. Written only through ``incidents.audit.log_action``."""

from typing import TYPE_CHECKING, Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

from incidents.models.locking import append_only, no_truncate


class AuditEvent(models.Model):
    """Who did what, when and from where. Never any record content (names, accounts).

    ``hash`` chains each row to the one before it, so a changed or removed row is found by
    ``manage.py verify_audit``; the database also refuses UPDATE, DELETE and TRUNCATE.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    school = models.ForeignKey(
        "incidents.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # The key the hash was chained with (HMAC-SHA256, ``incidents.keys``); null for events
    # chained before the log was keyed (plain SHA-256).
    key_id = models.CharField(max_length=32, null=True, blank=True)

    class Meta:
        triggers = [append_only("audit_append_only"), no_truncate("audit_no_truncate")]
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["incident", "at"], name="audit_incident_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}"

    if TYPE_CHECKING:
        # Not a field: the words for ``action``, set by ``audit.access_history`` for display.
        label: str

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Audit events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("Audit events are never deleted.")
