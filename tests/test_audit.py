"""The audit log: append-only in the database, hash-chained, verifiable."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from incidents import keys
from incidents.audit import (
    GENESIS_HASH,
    AuditAction,
    UnknownAction,
    access_history,
    event_hash,
    first_link,
    hashed_fields,
    log_action,
    verify_chain,
)
from incidents.models import AuditEvent
from tests.conftest import client_login
from tests.legacy_chain import rechain_as_legacy, seal

# The application's role holds only SELECT and INSERT on the log; the triggers behind that are
# tested in tests/test_db_roles.py.
NOT_GRANTED = "permission denied for table incidents_auditevent"


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.fail("The audit triggers exist on PostgreSQL only: run this file with make test")


@pytest.fixture
def events(world, incident):
    return [
        log_action(AuditAction.VIEWED, user=world.oak_dsl, incident=incident, data={"step": "one"}),
        log_action(AuditAction.EXPORTED, user=world.oak_head, incident=incident),
        log_action(AuditAction.SCHOOL_SWITCHED, user=world.oak_dsl, school=world.oak),
    ]


def verify_audit(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("verify_audit", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_chains_each_event_to_the_one_before(events):
    # One chain per school: the school's first event follows the chain's genesis.
    first = AuditEvent.objects.order_by("pk").first()
    assert first.previous_hash == first_link(first.school_id)
    assert events[1].previous_hash == events[0].hash
    assert events[2].previous_hash == events[1].hash


def test_it_finds_an_intact_log_intact(events):
    out, _err = verify_audit()
    assert "The audit log is intact." in out
    assert events[-1].hash in out


def test_it_refuses_an_update_in_the_database(events):
    with pytest.raises(DatabaseError, match=NOT_GRANTED), transaction.atomic():
        AuditEvent.objects.filter(pk=events[0].pk).update(action="test.hidden")


def test_it_refuses_a_delete_in_the_database(events):
    with (
        pytest.raises(DatabaseError, match=NOT_GRANTED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM incidents_auditevent WHERE id = %s", [events[0].pk])


def test_it_refuses_truncate_in_the_database(events):
    with (
        pytest.raises(DatabaseError, match=NOT_GRANTED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # Check the deferred foreign keys first, or PostgreSQL refuses TRUNCATE for that.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE incidents_auditevent CASCADE")
    assert AuditEvent.objects.count() >= 3


def test_it_refuses_changing_or_deleting_an_event_through_the_model(events):
    with pytest.raises(PermissionError):
        events[0].save()
    with pytest.raises(PermissionError):
        events[0].delete()


def test_it_finds_a_tampered_row(events, owner_connection):
    with owner_connection():
        AuditEvent.objects.filter(pk=events[1].pk).update(username="someone-else")
    with pytest.raises(CommandError, match="NOT intact"):
        verify_audit()
    report = verify_chain()
    assert any(f"Event {events[1].pk}" in p and "changed" in p for p in report.problems)


def test_it_finds_a_removed_row(events, owner_connection):
    with owner_connection():
        AuditEvent.objects.filter(pk=events[1].pk).delete()
    report = verify_chain()
    assert not report.intact
    assert any(f"Event {events[2].pk}" in p and "removed" in p for p in report.problems)


def test_it_finds_rows_removed_from_the_end_against_an_anchor(events, owner_connection):
    anchor = events[-1].hash
    with owner_connection():
        AuditEvent.objects.filter(pk=events[-1].pk).delete()
    assert verify_chain().intact  # the chain alone cannot see a cut end...
    with pytest.raises(CommandError):  # ...the head recorded earlier can
        verify_audit("--anchor", anchor)


def rehash_from(owner, pk, key_id):
    """What an attacker holding the owner's database role (``owner``, the ``owner_connection``
    fixture) can do: recompute every hash from ``pk`` on, with plain SHA-256 (``key_id`` None)
    or a key they guess."""
    previous = AuditEvent.objects.filter(pk__lt=pk).order_by("-pk").values_list("hash", flat=True)
    head = previous.first() or GENESIS_HASH
    with owner():
        for event in AuditEvent.objects.filter(pk__gte=pk).order_by("pk"):
            new = event_hash(head, hashed_fields(event), key_id)
            AuditEvent.objects.filter(pk=event.pk).update(
                previous_hash=head, hash=new, key_id=key_id
            )
            head = new


def test_it_keys_the_chain_with_the_current_key(events):
    for event in events:
        assert event.key_id == keys.current_id()
        assert event.hash != event_hash(event.previous_hash, hashed_fields(event), None)


@pytest.mark.parametrize("mode", ["plain, key id kept", "plain, key id removed"])
def test_it_finds_a_removed_row_when_the_chain_is_rehashed_with_plain_sha256(
    events, mode, owner_connection
):
    with owner_connection():
        AuditEvent.objects.filter(pk=events[1].pk).delete()
    if mode == "plain, key id kept":
        # Plain SHA-256 under the row's own key id: the HMAC the key id asks for fails.
        head = events[0].hash
        with owner_connection():
            for event in AuditEvent.objects.filter(pk__gte=events[2].pk).order_by("pk"):
                new = event_hash(head, hashed_fields(event), None)
                AuditEvent.objects.filter(pk=event.pk).update(previous_hash=head, hash=new)
                head = new
    else:
        rehash_from(owner_connection, events[2].pk, None)
    with pytest.raises(CommandError, match="NOT intact"):
        verify_audit()
    report = verify_chain()
    assert any(f"Event {events[2].pk}" in p for p in report.problems)


def test_it_finds_a_rehash_with_a_key_it_does_not_hold(events, owner_connection):
    with owner_connection():
        AuditEvent.objects.filter(pk=events[1].pk).delete()
    with override_settings(SAFEGUARDING_DIGEST_KEYS={"guess": b"g" * 32}):
        rehash_from(owner_connection, events[2].pk, "guess")
    report = verify_chain()
    assert not report.intact
    assert any("does not hold" in p for p in report.problems)


def test_it_says_events_chained_before_keying_are_weaker(world, incident, owner_connection):
    # The log as it stood before keying: one chain, plain SHA-256 throughout, no key ids;
    # then sealed (migration 0018) and carried on in the school's own chain.
    before = [
        log_action(AuditAction.VIEWED, user=world.oak_dsl, incident=incident),
        log_action(AuditAction.EXPORTED, user=world.oak_head, incident=incident),
    ]
    rechain_as_legacy(owner_connection, None)
    seal(owner_connection)
    after = log_action(AuditAction.VIEWED, user=world.oak_dsl, incident=incident)
    assert after.key_id == keys.current_id()
    out, _err = verify_audit()
    assert "The audit log is intact." in out
    assert "chained before the log was keyed" in out and "weaker" in out
    assert verify_chain().unkeyed >= len(before)


def test_it_verifies_each_event_with_the_key_it_names_after_rotation(events, settings):
    old = dict(settings.SAFEGUARDING_DIGEST_KEYS)
    settings.SAFEGUARDING_DIGEST_KEYS = {"next": b"n" * 32, **old}
    later = log_action(AuditAction.VIEWED, user=events[0].user)
    assert later.key_id == "next"
    report = verify_chain()
    assert report.intact
    assert report.keys_used == [*old, "next"]


def test_it_masks_secrets_in_data(world):
    event = log_action(
        AuditAction.SECOND_FACTOR_FAILED,
        user=world.oak_dsl,
        data={"password": "hunter2", "nested": {"code": "1"}},
    )
    event.refresh_from_db()
    assert event.data == {"password": "********", "nested": {"code": "********"}}


def test_it_records_the_address_from_remote_addr_only(client, world):
    client.post(
        "/accounts/login/",
        {"username": "oak-staff", "password": "nope"},
        REMOTE_ADDR="192.0.2.7",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert AuditEvent.objects.get(action="auth.login_failed").ip_address == "192.0.2.7"


def test_it_logs_refused_access_to_another_schools_record(client, world, incident):
    client_login(client, world.elm_dsl)
    response = client.get(f"/incidents/{incident.reference}/")
    assert response.status_code == 404
    event = AuditEvent.objects.get(action="incident.access_refused")
    assert event.user == world.elm_dsl and event.incident == incident
    assert event.data == {"need": "read", "status": 404, "reference": incident.reference}


def test_it_logs_refused_access_within_the_school(client, world, incident):
    client_login(client, world.oak_staff)
    assert client.get(f"/incidents/{incident.reference}/").status_code == 403
    assert AuditEvent.objects.get(action="incident.access_refused").data["status"] == 403


def test_it_gives_a_records_access_history_newest_first(events, incident):
    history = access_history(incident)
    assert [e.action for e in history] == [
        "incident.exported",
        "incident.viewed",
        "incident.opened",
    ]
    assert history[0].label == "Exported the record"


@pytest.mark.parametrize("who", ["oak_dsl", "oak_head"])
def test_it_shows_the_access_history_on_the_record_page(client, world, incident, who):
    client_login(client, getattr(world, who))
    body = client.get(f"/incidents/{incident.reference}/").content.decode()
    assert 'data-testid="access-history"' in body
    assert "Read the record" in body and "Opened the record" in body


@pytest.mark.parametrize("who", ["trust_lead"])
def test_it_keeps_the_access_history_from_other_readers(client, world, incident, who):
    client_login(client, getattr(world, who))
    response = client.get(f"/incidents/{incident.reference}/")
    assert response.status_code == 200
    assert 'data-testid="access-history"' not in response.content.decode()


def test_it_verifies_a_record_from_the_command_line(world):
    from io import StringIO

    from incidents.models import Disclosure, Status
    from tests.factories import full_record

    record = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    from incidents.digest import record_digest
    from incidents.models import Signature

    Signature.objects.create(
        incident=record,
        kind="signed",
        signer=world.oak_dsl,
        signer_name="Oak Dsl",
        role="dsl",
        meaning="I confirm.",
        digest=record_digest(record, keys.current_id()),
        digest_key_id=keys.current_id(),
    )
    out = StringIO()
    call_command("verify_record", record.reference, stdout=out)
    assert "Intact" in out.getvalue()
    assert record.status != Status.APPROVED
    Disclosure.objects.filter(incident=record).update(platforms="Snapchat!")
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("verify_record", record.reference, stdout=StringIO())
    assert AuditEvent.objects.filter(action="record.verified").count() == 2


@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_chain_when_people_act_at_the_same_moment():
    import threading

    from django.db import connections

    start = threading.Barrier(4)

    def writer(n):
        try:
            start.wait()
            for i in range(15):
                with transaction.atomic():
                    log_action(AuditAction.SEARCHED, data={"writer": n, "i": i})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = verify_chain()
    assert report.count == 60
    assert report.intact, report.problems


def test_it_refuses_an_action_the_product_does_not_define(world):
    with pytest.raises(UnknownAction, match="incident.signed"):
        log_action("incident.signed", user=world.oak_dsl)
    assert not AuditEvent.objects.exists()


def test_it_labels_every_action_in_words():
    for action in AuditAction:
        assert action.label and action.label != action.value
