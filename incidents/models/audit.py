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
        indexes = [
            models.Index(fields=["incident", "at"], name="audit_incident_at"),
            # A chain's head: the last event of one school (or of none, the deployment chain)
            # after the cut-over, read under that chain's lock (``audit.log_action``).
            models.Index(fields=["school", "id"], name="audit_chain_head"),
        ]

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


class AuditSeal(models.Model):
    """Where the one deployment-wide chain ended and the chains per school began (migration
    0018). One row, written by the migration as the owner, never changed.

    Events up to ``legacy_last_id`` form the legacy chain, verified as it always was; its head
    (``legacy_head``, with ``legacy_count`` events) is sealed by ``digest``, an HMAC with the
    key ``key_id`` (``audit.seal_digest``), and every new chain's first link covers that digest
    (``audit.genesis``), so the legacy chain cannot be rewritten without breaking them all.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    sealed_at = models.DateTimeField()
    legacy_last_id = models.BigIntegerField(null=True, blank=True)
    legacy_count = models.BigIntegerField()
    legacy_head = models.CharField(max_length=64)
    key_id = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)

    class Meta:
        triggers = [append_only("audit_seal_append_only"), no_truncate("audit_seal_no_truncate")]
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_seal_one_row")]

    def __str__(self) -> str:
        return f"Audit chains per school from {self.sealed_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("The audit seal is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("The audit seal is never deleted.")
