"""Signing, approval, sending back, non-referral sign-off and addenda."""

import hashlib
import json

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from incidents import digest, keys, services
from incidents.access import GRANT_CODENAME
from incidents.models import (
    AuditEvent,
    DecisionOutcome,
    Disclosure,
    Role,
    Signature,
    SignatureKind,
    Status,
)
from incidents.services import ServiceError
from tests.conftest import client_login, fresh_totp_code, totp_device
from tests.factories import full_record


def code(user):
    return fresh_totp_code(totp_device(user))


def sign(incident, user, password):
    return services.sign_record(incident, user, password, code(user))


def approve(incident, user, password, **kwargs):
    return services.approve_record(incident, user, password, code(user), **kwargs)


@pytest.fixture
def record(world):
    return full_record(world.oak, world.oak_dsl, viewing_complete=True)


@pytest.fixture
def signed(world, record):
    sign(record, world.oak_dsl, world.password)
    record.refresh_from_db()
    return record


def test_it_signs_a_complete_record_with_who_role_time_meaning_and_digest(world, record):
    signature = sign(record, world.oak_dsl, world.password)
    record.refresh_from_db()
    assert record.status == Status.AWAITING_APPROVAL
    assert signature.kind == SignatureKind.SIGNED
    assert signature.signer == world.oak_dsl
    assert signature.signer_name == "Oak Dsl"
    assert signature.role == Role.DSL
    assert signature.meaning.startswith("I confirm this record is complete and accurate")
    assert signature.digest == digest.record_digest(record, keys.current_id())
    assert signature.signed_at.utcoffset().total_seconds() == 0
    event = AuditEvent.objects.filter(action="record.signed").get()
    assert event.incident == record and event.data["signature_id"] == signature.pk


def test_it_refuses_to_sign_a_record_with_missing_items(world):
    incomplete = full_record(world.oak, world.oak_dsl)
    incomplete.parent_contacts.all().delete()
    with pytest.raises(services.RecordIncomplete) as refused:
        sign(incomplete, world.oak_dsl, world.password)
    assert any("parents or carers not recorded" in item.message for item in refused.value.items)
    incomplete.refresh_from_db()
    assert incomplete.status == Status.UNDER_REVIEW
    assert not incomplete.signatures.exists()


def test_it_refuses_a_wrong_password_and_audits_it(world, record):
    with pytest.raises(services.WrongCredentials):
        sign(record, world.oak_dsl, "not-my-password")
    record.refresh_from_db()
    assert record.status == Status.UNDER_REVIEW
    assert not record.signatures.exists()
    event = AuditEvent.objects.filter(action="record.signing_refused").get()
    assert event.user == world.oak_dsl and event.incident == record
    assert event.data == {"transition": "sign", "reason": "credentials"}


def test_it_refuses_a_wrong_code(world, record):
    totp_device(world.oak_dsl)
    with pytest.raises(services.WrongCredentials):
        services.sign_record(record, world.oak_dsl, world.password, "000000")
    assert not record.signatures.exists()


def test_it_refuses_a_code_already_used(world, record):
    used = code(world.oak_dsl)
    services.sign_record(record, world.oak_dsl, world.password, used)
    other = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    with pytest.raises(services.WrongCredentials):
        services.sign_record(other, world.oak_dsl, world.password, used)


@pytest.mark.parametrize("who", ["oak_staff", "oak_deputy", "oak_head", "trust_lead", "riv_dsl"])
def test_it_lets_only_the_dsl_or_a_granted_deputy_sign(world, record, who):
    with pytest.raises(services.NotAllowed):
        sign(record, getattr(world, who), world.password)
    assert not record.signatures.exists()


def test_it_lets_a_granted_deputy_sign_as_deputy(world, record):
    from guardian.shortcuts import assign_perm

    assign_perm(GRANT_CODENAME, world.oak_deputy, record)
    signature = sign(record, world.oak_deputy, world.password)
    assert signature.role == Role.DEPUTY_DSL


def test_it_approves_and_locks_a_signed_record(world, signed):
    signature = approve(signed, world.oak_head, world.password)
    signed.refresh_from_db()
    assert signed.status == Status.APPROVED and signed.is_locked
    assert signature.kind == SignatureKind.APPROVED and signature.role == Role.HEADTEACHER
    assert signature.digest == digest.record_digest(signed, keys.current_id())
    assert AuditEvent.objects.filter(action="record.approved", incident=signed).exists()


def test_it_refuses_approval_by_the_signer(world):
    # A person who is both DSL and headteacher cannot approve their own signature.
    from incidents.models import Membership

    Membership.objects.create(
        user=world.oak_dsl, school=world.oak, role=Role.HEADTEACHER, confirmed_at=timezone.now()
    )
    record = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    sign(record, world.oak_dsl, world.password)
    with pytest.raises(services.SamePerson):
        approve(record, world.oak_dsl, world.password)
    record.refresh_from_db()
    assert record.status == Status.AWAITING_APPROVAL


@pytest.mark.parametrize("who", ["oak_dsl", "oak_deputy", "trust_lead", "riv_head"])
def test_it_lets_only_the_schools_headteacher_approve(world, signed, who):
    with pytest.raises(services.NotAllowed):
        approve(signed, getattr(world, who), world.password)


def test_it_refuses_to_approve_an_unsigned_record(world, record):
    with pytest.raises(services.WrongStatus):
        approve(record, world.oak_head, world.password)


def test_it_refuses_approval_with_a_wrong_password(world, signed):
    with pytest.raises(services.WrongCredentials):
        approve(signed, world.oak_head, "wrong-password-1234")
    signed.refresh_from_db()
    assert signed.status == Status.AWAITING_APPROVAL
    assert AuditEvent.objects.filter(
        action="record.signing_refused", data__transition="approve"
    ).exists()


def test_it_refuses_approval_when_the_record_changed_after_signing(world, signed):
    Disclosure.objects.filter(incident=signed).update(account="Changed after services.")
    with pytest.raises(services.ChangedSinceSigned):
        approve(signed, world.oak_head, world.password)


def test_it_sends_a_record_back_with_a_reason(world, signed):
    signature = services.send_back(signed, world.oak_head, "The parents section is thin.")
    signed.refresh_from_db()
    assert signed.status == Status.UNDER_REVIEW
    assert signature.kind == SignatureKind.SENT_BACK
    assert signature.reason == "The parents section is thin."
    assert AuditEvent.objects.filter(action="record.sent_back").exists()
    # ...and the DSL can sign it again.
    sign(signed, world.oak_dsl, world.password)
    signed.refresh_from_db()
    assert signed.status == Status.AWAITING_APPROVAL


def test_it_needs_a_reason_to_send_back(world, signed):
    with pytest.raises(ServiceError, match="Say why"):
        services.send_back(signed, world.oak_head, "   ")


def test_it_needs_the_non_referral_sign_off_to_approve_a_non_referral(world):
    record = full_record(
        world.oak, world.oak_dsl, viewing_complete=True, outcome=DecisionOutcome.HANDLED_IN_SCHOOL
    )
    sign(record, world.oak_dsl, world.password)
    with pytest.raises(services.NonReferralSignOffNeeded):
        approve(record, world.oak_head, world.password)
    record.refresh_from_db()
    assert record.status == Status.AWAITING_APPROVAL

    approve(record, world.oak_head, world.password, sign_off_non_referral=True)
    record.refresh_from_db()
    assert record.status == Status.APPROVED
    assert record.decision.headteacher_signoff_by == world.oak_head
    kinds = list(record.signatures.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["signed", "non_referral_signoff", "approved"]


def test_it_signs_off_a_non_referral_before_approval(world):
    record = full_record(
        world.oak, world.oak_dsl, viewing_complete=True, outcome=DecisionOutcome.HANDLED_IN_SCHOOL
    )
    signature = services.sign_off_non_referral(
        record, world.oak_head, world.password, code(world.oak_head)
    )
    assert signature.kind == SignatureKind.NON_REFERRAL_SIGNOFF
    record.decision.refresh_from_db()
    assert record.decision.headteacher_signoff_at is not None
    assert not services.needs_non_referral_signoff(record)
    sign(record, world.oak_dsl, world.password)
    approve(record, world.oak_head, world.password)
    record.refresh_from_db()
    assert record.status == Status.APPROVED


def test_it_refuses_a_non_referral_sign_off_when_the_decision_is_to_refer(world, record):
    with pytest.raises(services.WrongStatus):
        services.sign_off_non_referral(record, world.oak_head, world.password, code(world.oak_head))


def test_it_adds_a_signed_addendum_to_an_approved_record(world, signed):
    approve(signed, world.oak_head, world.password)
    addendum = services.add_addendum(
        signed,
        world.oak_dsl,
        "The police confirmed no further action on 3 November.",
        world.password,
        code(world.oak_dsl),
    )
    assert addendum.signature.kind == SignatureKind.ADDENDUM
    assert addendum.signature.digest == digest.record_digest(signed, keys.current_id())
    assert digest.verify(signed).intact is True
    assert AuditEvent.objects.filter(action="record.addendum_added").exists()


def test_it_refuses_an_addendum_before_approval(world, signed):
    with pytest.raises(services.WrongStatus):
        services.add_addendum(signed, world.oak_dsl, "Later.", world.password, code(world.oak_dsl))


def test_it_serialises_the_record_as_sorted_compact_json_with_utc_times(world, record):
    data = digest.canonical_content(record)
    parsed = json.loads(data)
    assert (
        data
        == json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    assert parsed["format"] == digest.FORMAT == "safeguarding-record/4"
    assert parsed["incident"]["disclosed_at"].endswith("+00:00")
    assert "status" not in parsed["incident"]
    assert [p["name"] for p in parsed["young_people"]] == ["Amelia Hart", "Ben Cole"]
    assert parsed["disclosure"]["account"].startswith("She said")


def test_it_gives_the_same_digest_for_the_same_content(world, record):
    assert digest.record_digest(record, keys.current_id()) == digest.record_digest(
        record, keys.current_id()
    )
    assert len(digest.record_digest(record, keys.current_id())) == 64


def test_it_detects_a_one_byte_change_to_signed_content(world, signed):
    assert digest.verify(signed).intact is True
    account = Disclosure.objects.get(incident=signed).account
    Disclosure.objects.filter(incident=signed).update(account=account[:-1] + "!")
    result = digest.verify(signed)
    assert result.intact is False
    assert "NOT intact" in result.message


def test_it_says_an_unsigned_record_has_nothing_to_verify(world, record):
    assert digest.verify(record).intact is None


def test_it_expects_changes_to_a_record_sent_back(world, signed):
    services.send_back(signed, world.oak_head, "Add the second parent contact.")
    signed.refresh_from_db()
    Disclosure.objects.filter(incident=signed).update(platforms="Snapchat and WhatsApp")
    result = digest.verify(signed)
    assert result.intact is False
    assert "being written again" in result.message


# Keyed digests: someone who can change the database cannot recompute a signature's digest.


@pytest.fixture
def approved(world, signed):
    if connection.vendor != "postgresql":
        pytest.fail("The locking triggers exist on PostgreSQL only: run this file with make test")
    approve(signed, world.oak_head, world.password)
    signed.refresh_from_db()
    return signed


def plain_sha256(incident, signature):
    return hashlib.sha256(digest.canonical_content(incident, signature.content_format)).hexdigest()


def test_it_keys_each_signature_with_the_current_key(world, signed):
    signature = digest.latest_signature(signed)
    assert signature.digest_key_id == keys.current_id()
    assert signature.digest != plain_sha256(signed, signature)
    assert digest.verify(signed).keyed


def test_it_is_not_fooled_by_a_plain_sha256_recomputed_after_a_change(
    world, approved, owner_connection
):
    signature = digest.latest_signature(approved)
    with owner_connection():
        Disclosure.objects.filter(incident=approved).update(platforms="Nowhere at all")
        forged = plain_sha256(approved, signature)
        Signature.objects.filter(pk=signature.pk).update(digest=forged)
    result = digest.verify(approved)
    assert result.intact is False
    assert "NOT intact" in result.message


def test_it_is_not_fooled_by_a_signature_passed_off_as_unkeyed(world, approved, owner_connection):
    # The attacker also removes the key id, so the forged plain digest would verify as one made
    # before keying: the keyed event logged at signing says the signature was keyed.
    signature = digest.latest_signature(approved)
    with owner_connection():
        Disclosure.objects.filter(incident=approved).update(platforms="Nowhere at all")
        forged = plain_sha256(approved, signature)
        Signature.objects.filter(pk=signature.pk).update(digest=forged, digest_key_id=None)
    result = digest.verify(approved)
    assert result.intact is False
    assert "NOT intact" in result.message


def test_it_says_a_signature_made_before_keying_is_weaker(world, approved, owner_connection):
    signature = digest.latest_signature(approved)
    with owner_connection():
        # A signature from before keying: a plain SHA-256, no key id, no keyed signing event.
        AuditEvent.objects.filter(data__signature_id=signature.pk).update(key_id=None)
        Signature.objects.filter(pk=signature.pk).update(
            digest=plain_sha256(approved, signature), digest_key_id=None
        )
    result = digest.verify(approved)
    assert result.intact is True
    assert not result.keyed
    assert "unkeyed" in result.message and "weaker" in result.message


def test_it_verifies_with_the_key_the_signature_names_after_rotation(world, approved, settings):
    old = dict(settings.SAFEGUARDING_DIGEST_KEYS)
    settings.SAFEGUARDING_DIGEST_KEYS = {"next": b"n" * 32, **old}
    assert keys.current_id() == "next"
    assert digest.verify(approved).intact is True
    settings.SAFEGUARDING_DIGEST_KEYS = {"next": b"n" * 32}
    result = digest.verify(approved)
    assert result.intact is False
    assert result.missing_key == digest.latest_signature(approved).digest_key_id
    assert "does not hold" in result.message


def test_its_verify_page_catches_a_recomputed_plain_digest(
    client, world, approved, owner_connection
):
    signature = digest.latest_signature(approved)
    with owner_connection():
        Disclosure.objects.filter(incident=approved).update(platforms="Nowhere at all")
        Signature.objects.filter(pk=signature.pk).update(digest=plain_sha256(approved, signature))
    client_login(client, world.oak_dsl)
    response = client.get(reverse("incident_verify", args=[approved.reference]))
    assert b"NOT intact" in response.content
