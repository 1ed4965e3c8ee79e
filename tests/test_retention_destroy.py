"""Destroying a record at the end of its retention (PostgreSQL, two database roles).

The record is approved, signed, with an addendum: its rows are locked against the application's
role. The one path past the locks is ``incidents_destroy_record``, a ``SECURITY DEFINER``
function the owner role owns, called by ``services.retention.destroy_record``; it checks the
authorisation and the legal holds again itself. What stays is the tombstone.
"""

from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.audit import AuditAction, verify_chain
from incidents.export.pack import build_pack
from incidents.models import (
    AuditEvent,
    Incident,
    LegalHold,
    RetentionReview,
    Status,
    Tombstone,
    YoungPerson,
)
from incidents.services import ServiceError
from incidents.services.retention import destroy_record
from incidents.services.signing import add_addendum
from tests.conftest import client_login, fresh_totp_code, new_incident, totp_device
from tests.factories import DEFAULT_NAMES, full_record
from tests.test_retention import child

pytestmark = pytest.mark.django_db

# Rows that name the incident and stay: the audit log, the retention decisions, legal holds,
# the tombstone.
KEPT_TABLES = {
    "incidents_auditevent",
    "incidents_retentionreview",
    "incidents_legalhold",
    "incidents_tombstone",
}
ADDENDUM = "The MASH confirmed no further action for Amelia Hart."


@pytest.fixture(autouse=True)
def two_roles():
    if connection.vendor != "postgresql" or settings.DATABASE_MIGRATE is None:
        pytest.fail("Destruction runs on PostgreSQL with two roles: run this file with make test")


@pytest.fixture
def old(world):
    """An approved record of 2006 (the children were 14 and 15: review due in 2017), signed,
    approved, with a signed addendum."""
    incident = full_record(
        world.oak,
        world.oak_dsl,
        status=Status.APPROVED,
        viewing_complete=True,
        incident_date=date(2006, 5, 1),
        disclosed_at=datetime(2006, 5, 2, 9, 0, tzinfo=UTC),
    )
    add_addendum(
        incident,
        world.oak_dsl,
        ADDENDUM,
        world.password,
        fresh_totp_code(totp_device(world.oak_dsl)),
    )
    incident.refresh_from_db()
    assert incident.status == Status.APPROVED
    return incident


def authorised(incident, world):
    """Destruction proposed by the DSL and authorised by the headteacher, through the views."""
    url = reverse("retention_authorise", args=[incident.reference])
    for user, reason in ((world.oak_dsl, "Past review; nothing open"), (world.oak_head, "")):
        client = Client()
        client_login(client, user)
        client.post(url, {"authorise": "1", "reason": reason})
    review = RetentionReview.objects.get(incident=incident)
    assert review.authorised
    return review


def rows_naming(incident_id):
    """(table, count) of every table of the schema with rows of this incident."""
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND column_name = 'incident_id' AND table_name LIKE 'incidents%%'"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT count(*) FROM "{table}" WHERE incident_id = %s', [incident_id])
            (count,) = cursor.fetchone()
            if count:
                found[table] = count
        cursor.execute(
            "SELECT count(*) FROM incidents_historicalincident WHERE id = %s", [incident_id]
        )
        (count,) = cursor.fetchone()
        if count:
            found["incidents_historicalincident"] = count
    return found


def rows_mentioning(text):
    """Tables of the schema any of whose rows, as text, contains ``text``."""
    hits = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_type = 'BASE TABLE'"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(
                f'SELECT count(*) FROM "{table}" t WHERE t::text ILIKE %s', [f"%{text}%"]
            )
            if cursor.fetchone()[0]:
                hits.append(table)
    return hits


def refused(sql, params, match="locked|append-only|permission denied"):
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def test_the_whole_flow_destroys_the_content_and_keeps_a_tombstone(client, world, old):
    # Before: the record's content is in the database, under its names.
    assert rows_mentioning(DEFAULT_NAMES[0])
    before = set(rows_naming(old.pk))
    assert {"incidents_disclosure", "incidents_signature", "incidents_addendum"} <= before
    review = authorised(old, world)
    client_login(client, world.oak_dsl)
    page = client.get(reverse("retention_list")).text
    assert reverse("retention_destroy", args=[old.reference]) in page

    response = client.post(
        reverse("retention_destroy", args=[old.reference]), {"destroy": old.reference}
    )
    assert response.status_code == 302

    old.refresh_from_db()
    assert old.destroyed_at is not None and old.status == Status.APPROVED
    tombstone = Tombstone.objects.get(incident=old)
    assert tombstone.review == review and tombstone.destroyed_by == world.oak_dsl
    assert tombstone.approved_at is not None
    # Nothing of the record is left but the rows that name it and stay.
    assert set(rows_naming(old.pk)) <= KEPT_TABLES
    # Not its children's names, anywhere in the database, nor the addendum's text.
    for name in DEFAULT_NAMES:
        assert rows_mentioning(name) == []
    assert rows_mentioning("MASH confirmed") == []
    # The audit log keeps every event and still verifies; the destruction is in it, no content.
    event = AuditEvent.objects.get(action=AuditAction.RECORD_DESTROYED)
    assert event.incident_id == old.pk and event.user == world.oak_dsl
    assert set(event.data) == {"review", "tombstone"}
    assert verify_chain().intact
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "The audit log is intact." in out.getvalue()

    # The retention page shows it as a tombstone; it is no longer among the records to review.
    page = client.get(reverse("retention_list")).text
    assert f'data-testid="tombstone-{old.reference}"' in page
    assert f'data-testid="retention-{old.reference}"' not in page
    assert "Past review; nothing open" in page
    for name in DEFAULT_NAMES:
        assert name not in page
    # The incident's pages answer with the tombstone.
    response = client.get(reverse("incident_detail", args=[old.reference]))
    assert response.status_code == 410
    assert f'data-testid="tombstone-{old.reference}"' in response.text
    assert DEFAULT_NAMES[0] not in response.text
    # The lists and the search skip it.
    assert old.reference not in client.get(reverse("incident_list")).text
    # Destroying it again: the tombstone answers, nothing changes.
    again = client.post(
        reverse("retention_destroy", args=[old.reference]), {"destroy": old.reference}
    )
    assert again.status_code == 410
    assert Tombstone.objects.count() == 1


def test_the_tombstone_is_404_outside_the_school_and_403_to_its_staff(client, world, old):
    authorised(old, world)
    destroy_record(incident=old, user=world.oak_head)
    url = reverse("incident_detail", args=[old.reference])
    client_login(client, world.elm_dsl)
    assert client.get(url).status_code == 404
    client_login(client, world.oak_staff)
    assert client.get(url).status_code == 403
    client_login(client, world.oak_head)
    assert client.get(url).status_code == 410


def test_the_pack_counts_a_destroyed_record_apart(world, old):
    authorised(old, world)
    destroy_record(incident=old, user=world.oak_dsl)
    pack = build_pack(world.oak, date(2006, 1, 1), date(2006, 12, 31))
    assert pack.rows == [] and pack.destroyed == 1
    assert pack.totals["destroyed"] == 1


def test_the_application_role_cannot_delete_an_approved_record_directly(world, old):
    authorised(old, world)
    for table in ("incidents_disclosure", "incidents_youngperson", "incidents_decision"):
        refused(f"DELETE FROM {table} WHERE incident_id = %s", [old.pk])
    refused("DELETE FROM incidents_signature WHERE incident_id = %s", [old.pk])
    refused("DELETE FROM incidents_historicaldisclosure WHERE incident_id = %s", [old.pk])
    refused("UPDATE incidents_incident SET destroyed_at = now() WHERE id = %s", [old.pk])
    refused("DELETE FROM incidents_incident WHERE id = %s", [old.pk])
    assert YoungPerson.objects.filter(incident=old).count() == 2


def test_the_function_refuses_a_record_whose_destruction_is_only_proposed(client, world, old):
    client_login(client, world.oak_dsl)
    client.post(
        reverse("retention_authorise", args=[old.reference]), {"authorise": "1", "reason": "Due"}
    )
    proposal = RetentionReview.objects.get()
    assert not proposal.authorised
    call = "SELECT incidents_destroy_record(%s, %s, %s)"
    refused(call, [old.pk, proposal.pk, world.oak_dsl.pk], match="not authorised")
    with pytest.raises(ServiceError, match="not authorised"):
        destroy_record(incident=old, user=world.oak_dsl)
    # A review forged by the application's role as "countersigned" by the proposer: refused.
    RetentionReview.objects.filter(pk=proposal.pk).update(countersigned_at=proposal.decided_at)
    refused(call, [old.pk, proposal.pk, world.oak_dsl.pk], match="not authorised")
    assert Incident.objects.get(pk=old.pk).destroyed_at is None
    assert YoungPerson.objects.filter(incident=old).count() == 2


def test_the_function_refuses_another_records_authorisation_and_a_record_not_due(world, old):
    review = authorised(old, world)
    recent = full_record(world.oak, world.oak_dsl, status=Status.APPROVED, viewing_complete=True)
    call = "SELECT incidents_destroy_record(%s, %s, %s)"
    refused(call, [recent.pk, review.pk, world.oak_dsl.pk], match="not authorised")
    # Authorised through rows the application's role wrote itself, skipping the service.
    forged = RetentionReview.objects.create(
        incident=recent,
        outcome="destroy",
        reason="x",
        decided_by=world.oak_dsl,
        countersigned_by=world.oak_head,
        countersigned_at=review.countersigned_at,
    )
    refused(call, [recent.pk, forged.pk, world.oak_dsl.pk], match="not yet due")
    # Someone outside the school's DSL and headteacher.
    refused(call, [old.pk, review.pk, world.elm_dsl.pk], match="DSL or headteacher")
    assert not Incident.objects.filter(destroyed_at__isnull=False).exists()


@pytest.mark.parametrize("on_record", [True, False])
def test_a_legal_hold_placed_after_authorisation_blocks_destruction(client, world, old, on_record):
    review = authorised(old, world)
    LegalHold.objects.create(
        school=world.oak, incident=old if on_record else None, reason="Inquiry instruction"
    )
    client_login(client, world.oak_head)
    page = client.get(reverse("retention_list")).text
    assert reverse("retention_destroy", args=[old.reference]) not in page
    client.post(reverse("retention_destroy", args=[old.reference]), {"destroy": old.reference})
    assert Incident.objects.get(pk=old.pk).destroyed_at is None
    # The database function refuses it too.
    refused(
        "SELECT incidents_destroy_record(%s, %s, %s)",
        [old.pk, review.pk, world.oak_head.pk],
        match="legal hold",
    )
    assert not AuditEvent.objects.filter(action=AuditAction.RECORD_DESTROYED).exists()


def test_only_the_application_role_and_the_owner_may_call_the_function(world):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.prosecdef, pg_get_userbyid(p.proowner), p.proconfig, "
            "has_function_privilege('public', p.oid, 'EXECUTE') "
            "FROM pg_proc p WHERE p.proname = 'incidents_destroy_record'"
        )
        definer, owner, config, public = cursor.fetchone()
    assert definer and owner != connection.settings_dict["USER"]
    assert any(c.startswith("search_path=") and c.endswith("pg_temp") for c in config)
    assert not public


def test_the_retention_page_does_not_grow_with_the_tombstones(client, world):
    def destroyed():
        incident = new_incident(world.oak, world.oak_staff, incident_date=date(1995, 5, 1))
        child(incident, world.oak_dsl, born=date(1981, 2, 1))
        RetentionReview.objects.create(
            incident=incident,
            outcome="destroy",
            reason="Past review",
            decided_by=world.oak_dsl,
            countersigned_by=world.oak_head,
            countersigned_at=timezone.now(),
        )
        destroy_record(incident=incident, user=world.oak_head)

    client_login(client, world.oak_dsl)
    destroyed()
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("retention_list")).status_code == 200
    for _ in range(3):
        destroyed()
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("retention_list")).text
    assert page.count('data-testid="tombstone-') == 4
    assert len(many) == len(few) <= 10


@pytest.mark.parametrize("command", ["export_record", "verify_record"])
def test_the_record_commands_refuse_a_destroyed_record(world, old, command, tmp_path):
    authorised(old, world)
    destroy_record(incident=old, user=world.oak_dsl)
    extra = ["-o", str(tmp_path / "r.pdf")] if command == "export_record" else []
    with pytest.raises(CommandError, match="only its tombstone is left"):
        call_command(command, old.reference, *extra)
