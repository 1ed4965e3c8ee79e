"""The audit log as it stood before the chains per school: one chain for the whole deployment,
then sealed by migration 0018's own function (tests/test_audit_chains.py, tests/test_audit.py)."""

import importlib

from django.db import connection

from incidents.audit import GENESIS_HASH, event_hash, hashed_fields
from incidents.models import AuditEvent, AuditSeal

migration = importlib.import_module("incidents.migrations.0018_chain_per_school")


def rechain_as_legacy(owner, key_id: str | None) -> str:
    """As the owner (the ``owner_connection`` fixture): chain every event there is into one
    deployment-wide chain in id order, as ``log_action`` chained them before migration 0018
    (plain SHA-256 when ``key_id`` is None, as before keying), and drop any seal. Returns the
    head."""
    head = GENESIS_HASH
    with owner():
        AuditSeal.objects.all().delete()
        for event in AuditEvent.objects.order_by("pk"):
            new = event_hash(head, hashed_fields(event), key_id)
            AuditEvent.objects.filter(pk=event.pk).update(
                previous_hash=head, hash=new, key_id=key_id
            )
            head = new
    return head


def seal(owner) -> str:
    """Run migration 0018's sealing step as the owner, as ``migrate`` runs it."""
    with owner():
        digest: str = migration.seal_legacy_chain(connection)
    return digest
