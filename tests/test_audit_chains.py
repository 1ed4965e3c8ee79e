"""One hash chain per school, each under its own lock; the legacy chain sealed into them; the
anchor of every head; verification of one school or all, in parallel (PostgreSQL)."""

import json
import threading
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection, connections, transaction
from django.test import RequestFactory

from incidents import keys
from incidents.audit import (
    DEPLOYMENT,
    LEGACY,
    AuditAction,
    chain_name,
    first_link,
    genesis,
    log_action,
    log_reads,
    verify_chain,
)
from incidents.models import AuditEvent, AuditSeal
from tests.legacy_chain import rechain_as_legacy, seal


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.fail("The chains' locks exist on PostgreSQL only: run this file with make test")


def verify_audit(*args):
    out, err = StringIO(), StringIO()
    call_command("verify_audit", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def interleaved(world, rounds=3):
    """Events of Oak, Elm and of no school, taking turns, as a busy deployment writes them."""
    events = {"oak": [], "elm": [], "none": []}
    for i in range(rounds):
        events["oak"].append(log_action(AuditAction.SEARCHED, school=world.oak, data={"i": i}))
        events["elm"].append(log_action(AuditAction.SEARCHED, school=world.elm, data={"i": i}))
        events["none"].append(log_action(AuditAction.LOGIN_FAILED, username=f"nobody-{i}"))
    return events


def test_it_links_each_schools_events_in_their_own_chain(world):
    events = interleaved(world)
    for key, school_id in (("oak", world.oak.pk), ("elm", world.elm.pk), ("none", None)):
        chain = events[key]
        assert chain[0].previous_hash == first_link(school_id)
        for before, after in zip(chain, chain[1:], strict=False):
            assert after.previous_hash == before.hash
        assert all(event.key_id == keys.current_id() for event in chain)
    # Each chain's genesis is its own, so no chain's events pass for another's.
    assert len({first_link(world.oak.pk), first_link(world.elm.pk), first_link(None)}) == 3
    report = verify_chain()
    assert report.intact, report.problems
    heads = report.heads
    assert heads[chain_name(world.oak.pk)] == (3, events["oak"][-1].hash)
    assert heads[chain_name(world.elm.pk)] == (3, events["elm"][-1].hash)
    assert heads[DEPLOYMENT] == (3, events["none"][-1].hash)


def test_it_writes_a_pages_reads_into_the_schools_chain(world, incident):
    before = log_action(AuditAction.SEARCHED, school=world.elm)
    request = RequestFactory().get("/")
    request.user = world.oak_dsl
    log_reads(AuditAction.VIEWED, [incident, incident], request=request, school=world.oak, data={})
    oak = list(AuditEvent.objects.filter(school=world.oak).order_by("pk"))
    assert [e.previous_hash for e in oak[1:]] == [e.hash for e in oak[:-1]]
    assert before.hash not in {e.previous_hash for e in oak}
    assert verify_chain().intact


@pytest.mark.django_db(transaction=True)
def test_a_writer_in_one_school_does_not_wait_for_another_schools_lock(world):
    """Two connections: one holds Oak's chain lock in an open transaction; Elm's insert goes
    through at once, while a second Oak writer waits for the lock (and gives up after 2 s)."""
    holding, release = threading.Event(), threading.Event()
    failure = []

    def hold_oak():
        try:
            with transaction.atomic():
                log_action(AuditAction.SEARCHED, school=world.oak, data={"holder": True})
                holding.set()
                release.wait(30)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            failure.append(error)
        finally:
            holding.set()
            connections.close_all()

    holder = threading.Thread(target=hold_oak)
    holder.start()
    try:
        assert holding.wait(30) and not failure
        started = time.monotonic()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            elm = log_action(AuditAction.SEARCHED, school=world.elm)
        assert time.monotonic() - started < 2
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            log_action(AuditAction.SEARCHED, school=world.oak)
    finally:
        release.set()
        holder.join()
    assert not failure
    assert AuditEvent.objects.filter(pk=elm.pk).exists()
    # Once the holder committed, Oak's next writer follows the holder's event.
    after = log_action(AuditAction.SEARCHED, school=world.oak)
    holder_event = AuditEvent.objects.get(school=world.oak, data__holder=True)
    assert after.previous_hash == holder_event.hash
    assert verify_chain().intact


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_in_many_schools_keep_every_chain_whole(world):
    schools = [world.oak, world.elm, None]
    start = threading.Barrier(6)

    def writer(n):
        try:
            start.wait()
            for i in range(10):
                with transaction.atomic():
                    log_action(AuditAction.SEARCHED, school=schools[n % 3], data={"i": i})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = verify_chain(jobs=2)
    assert report.intact, report.problems
    assert report.heads[DEPLOYMENT][0] == 20
    assert report.heads[chain_name(world.oak.pk)][0] >= 20


@pytest.mark.django_db(transaction=True)
def test_tampering_in_one_school_is_found_for_that_school_and_all_not_another(
    world, owner_connection
):
    events = interleaved(world)
    with owner_connection():
        AuditEvent.objects.filter(pk=events["oak"][1].pk).update(username="someone-else")
    oak = verify_chain(school=world.oak)
    assert not oak.intact
    assert any(f"Event {events['oak'][1].pk}" in p and "changed" in p for p in oak.problems)
    assert verify_chain(school=world.elm).intact
    for jobs in (1, 2):
        assert not verify_chain(jobs=jobs).intact
    with pytest.raises(CommandError, match="NOT intact"):
        verify_audit("--school", world.oak.slug)
    out, _err = verify_audit("--school", str(world.elm.pk))
    assert "The audit log is intact." in out
    with pytest.raises(CommandError, match="NOT intact"):
        verify_audit("--jobs", "2")


@pytest.mark.django_db(transaction=True)
def test_a_removed_row_in_one_school_is_found_in_parallel(world, owner_connection):
    events = interleaved(world)
    with owner_connection():
        AuditEvent.objects.filter(pk=events["elm"][1].pk).delete()
    report = verify_chain(jobs=3)
    assert not report.intact
    assert any(f"Event {events['elm'][2].pk}" in p and "removed" in p for p in report.problems)
    assert verify_chain(school=world.oak, jobs=3).intact


@pytest.mark.django_db(transaction=True)
def test_the_legacy_chain_and_its_seal_verify_after_the_migration(world, owner_connection):
    # Before 0018: one keyed chain for the whole deployment, across schools.
    old = interleaved(world, rounds=2)
    legacy_head = rechain_as_legacy(owner_connection, keys.current_id())
    digest = seal(owner_connection)
    stored = AuditSeal.objects.get()
    assert stored.legacy_head == legacy_head
    assert stored.legacy_last_id == old["none"][-1].pk
    assert stored.legacy_count == AuditEvent.objects.count()
    # After: each school's first event covers the seal (and so the old head).
    oak = log_action(AuditAction.SEARCHED, school=world.oak)
    none = log_action(AuditAction.LOGIN_FAILED, username="nobody")
    assert oak.previous_hash == genesis(chain_name(world.oak.pk), digest)
    assert none.previous_hash == genesis(DEPLOYMENT, digest)
    report = verify_chain(jobs=2)
    assert report.intact, report.problems
    assert report.heads[LEGACY] == (stored.legacy_count, legacy_head)
    out, _err = verify_audit("--jobs", "2")
    assert "legacy chain of" in out and legacy_head in out
    assert "The audit log is intact." in out


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attack", ["change a legacy row", "cut the legacy end", "move the seal"])
def test_it_finds_the_legacy_chain_or_its_seal_changed(world, owner_connection, attack):
    old = interleaved(world, rounds=2)
    rechain_as_legacy(owner_connection, keys.current_id())
    seal(owner_connection)
    log_action(AuditAction.SEARCHED, school=world.oak)
    last = old["none"][-1]
    with owner_connection():
        if attack == "change a legacy row":
            AuditEvent.objects.filter(pk=old["elm"][0].pk).update(action="auth.logout")
        elif attack == "cut the legacy end":
            AuditEvent.objects.filter(pk=last.pk).delete()
        else:  # point the seal at an earlier event, as if the later ones never were
            before = AuditEvent.objects.filter(pk__lt=last.pk).order_by("-pk").first()
            AuditSeal.objects.update(
                legacy_last_id=before.pk,
                legacy_head=before.hash,
                legacy_count=AuditSeal.objects.get().legacy_count - 1,
            )
    report = verify_chain()
    assert not report.intact
    legacy = next(chain for chain in report.chains if chain.name == LEGACY)
    if attack == "move the seal":
        assert "The seal has been changed: its digest does not match it." in legacy.problems
    else:
        assert legacy.problems


def test_the_anchor_changes_when_any_head_changes(world):
    interleaved(world, rounds=1)
    anchors = {verify_chain().anchor}
    for school in (world.oak, world.elm, None):
        log_action(AuditAction.SEARCHED, school=school)
        anchor = verify_chain().anchor
        assert anchor not in anchors
        anchors.add(anchor)
    assert verify_chain().anchor == anchor  # and only then
    out, _err = verify_audit()
    assert f"Anchor (SHA-256 of every chain's head): {anchor}" in out


@pytest.mark.django_db(transaction=True)
def test_the_heads_kept_off_the_server_find_events_cut_from_any_chains_end(
    world, owner_connection, tmp_path
):
    events = interleaved(world)
    heads = tmp_path / "heads.json"
    out, _err = verify_audit("--write-heads", str(heads))
    document = json.loads(heads.read_text())
    assert f"Anchor (SHA-256 of every chain's head): {document['anchor']}" in out
    # Later events leave what was recorded in place.
    log_action(AuditAction.SEARCHED, school=world.elm)
    out, _err = verify_audit("--heads", str(heads))
    assert "The audit log is intact." in out
    # Cutting Oak's last event leaves a chain that is whole in itself...
    with owner_connection():
        AuditEvent.objects.filter(pk=events["oak"][-1].pk).delete()
    assert verify_chain().intact
    # ...but not the head recorded earlier.
    with pytest.raises(CommandError, match="NOT intact"):
        verify_audit("--heads", str(heads), "--jobs", "2")
    _out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", "--heads", str(heads), stdout=_out, stderr=err)
    assert f"The {chain_name(world.oak.pk)} chain holds 2 events; 3 were recorded" in (
        err.getvalue()
    )


def test_it_refuses_a_heads_file_changed_since_it_was_written(world, tmp_path):
    interleaved(world, rounds=1)
    heads = tmp_path / "heads.json"
    verify_audit("--write-heads", str(heads))
    document = json.loads(heads.read_text())
    document["chains"][DEPLOYMENT][0] = 0
    heads.write_text(json.dumps(document))
    with pytest.raises(CommandError, match="has been changed"):
        verify_audit("--heads", str(heads))


def test_it_names_an_unknown_school(world):
    with pytest.raises(CommandError, match="No school 'nowhere'"):
        verify_audit("--school", "nowhere")
