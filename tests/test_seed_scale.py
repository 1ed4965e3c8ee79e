"""`bench/seed_scale.py`: realistic scale data, a verifiable audit chain, never twice."""

import pytest
from django.core.management import get_commands
from django.db import connection, transaction

from bench import seed_scale
from bench.seed_scale import SeedError
from incidents import rules
from incidents.audit import GENESIS_HASH, event_hash, hashed_fields, log_action
from incidents.models import (
    AssessmentResult,
    AuditEvent,
    Decision,
    Disclosure,
    Incident,
    Membership,
    Role,
    School,
    Signature,
    SignatureKind,
    Status,
    YoungPerson,
)

pytestmark = pytest.mark.django_db


def seed(**options):
    args = {"schools": 2, "incidents": 100, "throwaway_database": True, "seed": 7}
    args.update(options)
    seed_scale.run(**args)
    if connection.vendor == "postgresql":
        # Foreign keys are checked at commit; the test never commits, so check them now.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def chain_breaks() -> list[int]:
    previous, broken = GENESIS_HASH, []
    for event in AuditEvent.objects.order_by("pk"):
        expected = event_hash(previous, hashed_fields(event))
        if event.previous_hash != previous or event.hash != expected:
            broken.append(event.pk)
        previous = event.hash
    return broken


def test_it_fills_schools_people_and_records():
    seed()
    schools = School.objects.filter(slug__startswith="scale-")
    assert schools.count() == 2
    for school in schools:
        roles = set(Membership.objects.filter(school=school).values_list("role", flat=True))
        assert {Role.DSL, Role.HEADTEACHER, Role.DEPUTY_DSL, Role.STAFF} <= roles
    assert Incident.objects.count() == 100
    assert Disclosure.objects.count() == 100
    assert YoungPerson.objects.exists()
    assert YoungPerson.objects.filter(date_of_birth__isnull=False).exists()
    assert set(Incident.objects.values_list("status", flat=True)) >= {
        Status.APPROVED,
        Status.UNDER_REVIEW,
    }
    approved = Incident.objects.filter(status=Status.APPROVED)
    assert Signature.objects.filter(kind=SignatureKind.APPROVED).count() == approved.count()
    assert Decision.objects.filter(incident__in=approved).count() == approved.count()
    references = list(Incident.objects.values_list("reference", flat=True))
    assert len(set(references)) == len(references)


def test_it_writes_about_twenty_audit_events_per_incident():
    seed()
    per_incident = AuditEvent.objects.filter(incident__isnull=False).count() / 100
    assert 12 <= per_incident <= 28


def test_it_stores_what_the_rules_give_for_the_stored_facts():
    seed()
    for result in AssessmentResult.objects.select_related("incident__school")[:25]:
        facts = rules.Facts(
            ages=tuple(result.facts["ages"]),
            **{name: result.facts[name] for name in rules.ANSWER_FIELDS},
        )
        expected = rules.assess(facts, policy=result.incident.school.policy_profile)
        assert (result.category, result.subtype, result.police) == (
            expected.category,
            expected.subtype,
            expected.police,
        )


def test_it_chains_the_audit_log_so_it_verifies():
    log_action("auth.login_succeeded")  # an event before the seed: the chain continues from it
    seed()
    assert chain_breaks() == []
    # And the application's own writer carries on from the seeded chain.
    event = log_action("auth.login_succeeded")
    assert event.previous_hash == AuditEvent.objects.exclude(pk=event.pk).order_by("-pk")[0].hash
    assert chain_breaks() == []


def fingerprint():
    return list(
        Incident.objects.order_by("reference").values_list(
            "reference", "status", "incident_date", "disclosed_at"
        )
    )


class Undo(Exception):
    pass


def test_it_is_the_same_data_for_the_same_seed():
    try:
        with transaction.atomic():
            seed()
            first = fingerprint()
            raise Undo
    except Undo:
        pass
    assert not Incident.objects.exists()
    seed()
    assert len(first) == 100
    assert fingerprint() == first


def test_it_refuses_to_run_twice_on_one_database():
    seed()
    with pytest.raises(SeedError, match="already loaded"):
        seed()
    assert Incident.objects.count() == 100


def test_it_refuses_to_invent_records_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(SeedError, match="invents children"):
        seed_scale.run(schools=1, incidents=1)
    assert not School.objects.exists()


def test_its_command_line_refuses_without_the_throwaway_flag(settings, capsys):
    settings.DEBUG = False
    assert seed_scale.main(["--schools", "1", "--incidents", "1"]) == 2
    assert "invents children" in capsys.readouterr().err
    assert not School.objects.exists()


def test_it_is_not_among_the_applications_commands():
    assert "seed_scale" not in get_commands()
