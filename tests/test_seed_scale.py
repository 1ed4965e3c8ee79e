"""`bench/seed_scale.py`: realistic scale data, a verifiable audit chain, never twice.

The seeded records are what the product would have written: the same audit actions with the
same data, signatures whose digests verify in the current format, decisions as the decision
step saves them (reasons for what no referral meets, the sign-off ``requirements.of`` asks),
viewings and searches as their forms accept them, and nothing missing from a record it signed.
"""

from collections import defaultdict
from datetime import date, datetime

import pytest
from django.conf import settings
from django.core.management import get_commands
from django.db import connection, transaction
from django.urls import reverse

from bench import seed_scale
from bench.seed_scale import SeedError
from incidents import digest, keys, record, requirements, rules, services
from incidents.audit import (
    AuditAction,
    event_hash,
    first_link,
    hashed_fields,
    log_action,
    verify_chain,
)
from incidents.dbroles import as_owner
from incidents.export.pdf import export_record
from incidents.forms.steps import DecisionForm, ReferralForm
from incidents.models import (
    ActionKind,
    AdviceSought,
    AnswerChoice,
    AssessmentResult,
    AuditEvent,
    ChildAction,
    Decision,
    DecisionOutcome,
    DeviceSearch,
    DisclosedBy,
    Disclosure,
    ImageKind,
    ImageryLocation,
    ImageryViewing,
    Incident,
    Membership,
    Role,
    School,
    Signature,
    SignatureKind,
    Status,
    ViewingGround,
    YoungPerson,
)
from incidents.services.records import staff_support_description
from tests.conftest import LONDON, fresh_totp_code, totp_device
from tests.factories import full_record

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def seeder_may_move_sequences(django_db_setup, django_db_blocker):
    """The seeder writes its own ids and moves the sequences past them (``setval``), which needs
    UPDATE on the sequences: a benchmark tool's privilege (``make bench`` runs as one role), not
    the application's. For this module only, the owner grants it to the application's role,
    and takes it back after."""
    if connection.vendor != "postgresql" or settings.DATABASE_MIGRATE is None:
        yield
        return
    app_role = connection.ops.quote_name(connection.settings_dict["USER"])

    def as_the_owner(verb: str) -> None:
        with django_db_blocker.unblock(), as_owner(), connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            schema = connection.ops.quote_name(cursor.fetchone()[0])
            direction = "TO" if verb == "GRANT" else "FROM"
            cursor.execute(
                f"{verb} UPDATE ON ALL SEQUENCES IN SCHEMA {schema} {direction} {app_role}"
            )

    as_the_owner("GRANT")
    yield
    as_the_owner("REVOKE")


def seed(**options):
    args = {"schools": 2, "incidents": 100, "throwaway_database": True, "seed": 7}
    args.update(options)
    seed_scale.run(**args)
    if connection.vendor == "postgresql":
        # Foreign keys are checked at commit; the test never commits, so check them now.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def chain_breaks() -> list[int]:
    """Events that do not follow the one before them in their school's chain (or the chain of
    events of no school), each chain from its genesis."""
    previous: dict[int | None, str] = {}
    broken = []
    for event in AuditEvent.objects.order_by("pk"):
        before = previous.get(event.school_id) or first_link(event.school_id)
        expected = event_hash(before, hashed_fields(event), event.key_id)
        if event.previous_hash != before or event.hash != expected:
            broken.append(event.pk)
        previous[event.school_id] = event.hash
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
    assert verify_chain().intact  # what manage.py verify_audit reports
    # And the application's own writer carries on from the seeded chain.
    event = log_action("auth.login_succeeded")
    same_chain = AuditEvent.objects.filter(school=None).exclude(pk=event.pk).order_by("-pk")
    assert event.previous_hash == same_chain[0].hash
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


# What the product would have written ---------------------------------------------------------

SIGNED_STATUSES = (Status.AWAITING_APPROVAL, Status.APPROVED)


def data_keys(events) -> dict[str, set[frozenset[str]]]:
    """For each action, the sets of data keys its events carry."""
    found = defaultdict(set)
    for action, data in events.values_list("action", "data"):
        found[action].add(frozenset(data))
    return found


def code(user):
    return fresh_totp_code(totp_device(user))


def log_a_record_through_the_product(client, world, capture_on_commit):
    """A concern reported; a record written, granted to the deputy, signed off, signed, sent
    back, signed again, approved, given an addendum, exported and read after signing in: each
    through the product's own services and pages, which log it."""
    for user in (world.oak_dsl, world.oak_deputy):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    with capture_on_commit(execute=True):
        reported = services.report_concern(
            school=world.oak,
            reporter=world.oak_staff,
            disclosure=Disclosure(
                disclosed_by=DisclosedBy.FRIEND,
                disclosed_to="Form tutor",
                child_action=ChildAction.NOT_APPLICABLE,
                account="A friend said a picture was going round.",
                image_kind=ImageKind.NOT_KNOWN,
                imagery_location=ImageryLocation.NOT_KNOWN,
                needs_immediate_support=AnswerChoice.NO,
            ),
            incident_date=date(2026, 10, 1),
            disclosed_at=datetime(2026, 10, 2, 9, 30, tzinfo=LONDON),
        )
    services.save_step(
        incident=reported,
        user=world.oak_dsl,
        step="disclosure",
        expected_version=reported.version,
        changes=services.StepChanges(fields=["platforms"]),
    )
    dsl, deputy, head, password = world.oak_dsl, world.oak_deputy, world.oak_head, world.password
    incident = full_record(
        world.oak, dsl, viewing_complete=True, outcome=DecisionOutcome.HANDLED_IN_SCHOOL
    )
    services.confirm_assessment(
        incident=incident, user=dsl, expected_version=incident.version, overridden=False
    )
    services.grant_access(incident, dsl, deputy)
    services.sign_off_non_referral(incident, head, password, code(head))
    services.sign_record(incident, dsl, password, code(dsl))
    services.send_back(incident, head, "Add the second parent contact.")
    services.sign_record(incident, deputy, password, code(deputy))
    services.approve_record(incident, head, password, code(head))
    services.add_addendum(incident, dsl, "No further action.", password, code(dsl))
    export_record(incident, user=dsl)
    client.post("/accounts/login/", {"username": deputy.username, "password": password})
    client.post("/accounts/two-factor/", {"otp_token": code(deputy), "next": "/"})
    response = client.get(reverse("incident_detail", kwargs={"reference": incident.reference}))
    assert response.status_code == 200


def test_it_writes_only_the_products_audit_actions():
    seed()
    assert set(AuditEvent.objects.values_list("action", flat=True)) <= set(AuditAction.values)


def test_it_logs_a_record_as_the_products_services_and_pages_log_one(
    client, world, django_capture_on_commit_callbacks
):
    log_a_record_through_the_product(client, world, django_capture_on_commit_callbacks)
    product = data_keys(AuditEvent.objects.all())
    last = AuditEvent.objects.order_by("-pk")[0].pk
    seed(incidents=200)
    seeded = data_keys(AuditEvent.objects.filter(pk__gt=last))
    # Every signing transition and the grant occur in the seeded data, so each is compared.
    assert {
        AuditAction.SIGNED,
        AuditAction.SENT_BACK,
        AuditAction.APPROVED,
        AuditAction.NON_REFERRAL_SIGNED_OFF,
        AuditAction.ADDENDUM_ADDED,
        AuditAction.ACCESS_GRANTED,
    } <= seeded.keys()
    for action, names in seeded.items():
        assert names <= product[action], (action, names, product[action])

    # One signed record from report to approval: the same actions, with the same data keys.
    one = (
        Incident.objects.filter(school__slug__startswith="scale-", status=Status.APPROVED)
        .filter(signatures__kind=SignatureKind.NON_REFERRAL_SIGNOFF)
        .order_by("pk")
        .first()
    )
    ours = data_keys(AuditEvent.objects.filter(incident=one))
    assert {
        AuditAction.OPENED,
        AuditAction.CONCERN_REPORTED,
        AuditAction.ALERT_SENT,
        AuditAction.REVIEW_STARTED,
        AuditAction.STEP_SAVED,
        AuditAction.NON_REFERRAL_SIGNED_OFF,
        AuditAction.SIGNED,
        AuditAction.APPROVED,
        AuditAction.VIEWED,
    } <= ours.keys()
    theirs = data_keys(AuditEvent.objects.filter(pk__lte=last, incident__isnull=False))
    for action in ours:
        assert ours[action] == theirs[action], action
    # Each signing event names the record's signature and the digest it stores.
    for event in AuditEvent.objects.filter(
        incident=one, action__in=[AuditAction.SIGNED, AuditAction.APPROVED]
    ):
        signature = Signature.objects.get(pk=event.data["signature_id"])
        assert (signature.incident_id, signature.digest) == (one.pk, event.data["digest"])


def test_every_record_it_signed_still_matches_its_signature():
    seed()
    signed = Incident.objects.filter(status__in=SIGNED_STATUSES)
    assert signed.count() > 50
    for incident in signed:
        assert digest.verify(incident).intact is True, incident.reference
    for signature in Signature.objects.all():
        assert signature.meaning == services.MEANINGS[signature.kind]
        # New signatures are made in the current format, as the signing service makes them.
        assert signature.content_format == digest.FORMAT
        assert signature.digest_key_id == keys.current_id()


def test_a_record_it_signed_lacks_nothing_the_product_asks_before_signing():
    seed()
    for incident in record.incidents().filter(status__in=SIGNED_STATUSES):
        loaded = record.load(incident)
        assert requirements.missing_items(loaded) == [], incident.reference
        asked = requirements.of(loaded)
        assert loaded.decision.signoff_required == asked.signoff_needed, incident.reference
        assert not asked.signoff_pending, incident.reference


def test_its_decisions_are_what_the_decision_step_saves():
    seed(incidents=300)
    decisions = Decision.objects.all()
    assert decisions.count() > 150
    kinds = set()
    for incident in record.incidents().filter(decision__isnull=False):
        loaded = record.load(incident)
        decision = loaded.decision
        asked = requirements.of(loaded)
        where = incident.reference
        assert decision.reasons.strip(), where
        # The flag the dashboard and the headteacher's queue read is requirements.of's answer.
        assert decision.signoff_required == asked.signoff_needed, where
        assert not [r.code for r in asked if r.reasons_missing], where
        # Reasons are kept by requirement code, each for a requirement the form asks them for.
        assert set(decision.unmet_reasons) <= {r.code for r in asked.asking_reasons}, where
        assert all(text.strip() for text in decision.unmet_reasons.values()), where
        # A sign-off is a signature of the headteacher's, given only where it is needed.
        signoffs = incident.signatures.filter(kind=SignatureKind.NON_REFERRAL_SIGNOFF)
        assert signoffs.count() == (decision.headteacher_signoff_at is not None), where
        if decision.headteacher_signoff_at is not None:
            assert decision.signoff_required, where
            signoff = signoffs.get()
            assert signoff.signed_at == decision.headteacher_signoff_at, where
            assert signoff.signer_id == decision.headteacher_signoff_by_id, where
            assert decision.headteacher_signoff_by.memberships.filter(
                school=incident.school, role=Role.HEADTEACHER
            ).exists(), where
        kinds.add((decision.outcome, decision.signoff_required))
        # What saving the decision logged: fields of the decision step's forms, the reasons
        # boxes among them as the step builds them (for the requirements with no referral).
        form = DecisionForm(incident=loaded, requirements=requirements.of(loaded, agencies=set()))
        known = set(form.fields) | set(ReferralForm.base_fields)
        saves = AuditEvent.objects.filter(
            incident=incident, action=AuditAction.STEP_SAVED, data__step="decision"
        )
        logged = {name for event in saves for name in event.data["fields"]}
        assert logged <= known, (where, logged - known)
        assert {f"reason_{code}" for code in decision.unmet_reasons} <= logged, where
    # Handled in school (signed off), referred, and referred with an advised referral left to
    # the MASH (signed off too) all occur.
    assert {
        (DecisionOutcome.HANDLED_IN_SCHOOL, True),
        (DecisionOutcome.REFERRED, False),
        (DecisionOutcome.REFERRED, True),
    } <= kinds


def test_a_disclosure_is_checked_when_the_dsl_starts_the_review():
    seed()
    for incident in Incident.objects.select_related("disclosure"):
        started = AuditEvent.objects.filter(
            incident=incident, action=AuditAction.STEP_SAVED, data__step="disclosure"
        ).first()
        if incident.status == Status.REPORTED:
            assert incident.disclosure.checked_at is None, incident.reference
            assert started is None, incident.reference
        else:
            # The disclosure step stamps checked_at when the DSL saves it.
            assert incident.disclosure.checked_at == started.at, incident.reference
            assert incident.disclosure.updated_at == started.at, incident.reference
            assert incident.disclosure.updated_by_id == started.user_id, incident.reference


def test_its_viewings_searches_and_advice_are_as_their_forms_take_them():
    seed(schools=3, incidents=600)
    viewings = list(ImageryViewing.objects.all())
    grounds = {v.ground for v in viewings}
    assert ViewingGround.UNAVOIDABLE in grounds and len(grounds) > 1
    explained = 0
    for viewing in viewings:
        if viewing.missing_safeguards():
            # The viewing form requires the reason a safeguard could not be kept.
            assert viewing.safeguards_explanation.strip(), viewing.pk
            explained += 1
        if not viewing.is_deliberate:
            assert viewing.how_it_came_about.strip(), viewing.pk
            assert viewing.device_action.strip(), viewing.pk
            assert viewing.not_copied_or_shared, viewing.pk
            # Saving it offers the member of staff support (services.records).
            assert viewing.incident.actions.filter(
                kind=ActionKind.STAFF_SUPPORT, description=staff_support_description(viewing)
            ).exists(), viewing.pk
    assert explained
    searches = list(DeviceSearch.objects.all())
    assert any(s.missing_safeguards() for s in searches)
    for search in searches:
        if search.missing_safeguards():
            assert search.safeguards_explanation.strip(), search.pk
    # Advice is recorded as advice before the decision, on the advice step, never as a referral.
    advice = list(AdviceSought.objects.select_related("incident__decision"))
    assert advice
    for sought in advice:
        incident = sought.incident
        assert incident.disclosed_at <= sought.sought_at <= incident.decision.decided_at
        assert AuditEvent.objects.filter(
            incident=incident, action=AuditAction.STEP_SAVED, data__step="advice"
        ).exists()
