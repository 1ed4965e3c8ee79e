"""Signatures, approvals and addenda."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from incidents.models.choices import Role, SignatureKind
from incidents.models.incident import Incident
from incidents.models.locking import append_only


class Signature(models.Model):
    """An attestation on the record: who, in what role, when, meaning what, over which digest.

    Rows are only ever added; a sent-back record keeps its earlier signature and the reason.
    """

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="signatures")
    kind = models.CharField(max_length=30, choices=SignatureKind.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=300)
    role = models.CharField(max_length=20, choices=Role.choices)
    signed_at = models.DateTimeField(default=timezone.now)
    meaning = models.TextField(help_text="What the signer declares, in words.")
    digest = models.CharField(
        max_length=64,
        help_text="HMAC-SHA256 of the record's canonical content (plain SHA-256 before keying).",
    )
    reason = models.TextField(blank=True, help_text="Why the record was sent back.")
    # The layout of the canonical content the digest was taken over (``incidents.digest``):
    # signatures made before a format existed keep the one they were made in. The default is
    # the current format (``digest.FORMAT``: 4 since December 2026).
    content_format = models.CharField(
        max_length=40, default="safeguarding-record/4", db_default="safeguarding-record/1"
    )
    # The key of the HMAC (``incidents.keys``): the key itself lives outside the database. Null
    # for signatures made before digests were keyed: a plain SHA-256, weaker evidence.
    digest_key_id = models.CharField(max_length=32, null=True, blank=True)

    class Meta:
        triggers = [append_only("signatures_append_only")]
        ordering = ["signed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SignatureKind.values), name="signature_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(digest__regex=r"^[0-9a-f]{64}$"), name="signature_digest_sha256"
            ),
            models.CheckConstraint(
                condition=~Q(kind=SignatureKind.SENT_BACK) | ~Q(reason=""),
                name="signature_sent_back_has_reason",
            ),
        ]


class Addendum(models.Model):
    """A later fact added to an approved record, signed by its author."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The author's name and role as they were when the addendum was written.
    author_name = models.CharField(max_length=300, blank=True, default="")
    author_role = models.CharField(max_length=20, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    signature = models.OneToOneField(
        Signature, null=True, blank=True, on_delete=models.PROTECT, related_name="addendum"
    )

    class Meta:
        triggers = [append_only("addenda_append_only")]
        ordering = ["created_at", "pk"]
