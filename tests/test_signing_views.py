"""The signing pages: sign, approve, send back, non-referral sign-off, addendum, verify."""

import pytest
from django.urls import reverse

from incidents import services
from incidents.models import AuditEvent, DecisionOutcome, Disclosure, Status
from tests.conftest import client_login, fresh_totp_code, totp_device
from tests.factories import full_record


def url(name, incident):
    return reverse(name, args=[incident.reference])


def creds(user, password):
    return {"password": password, "otp_token": fresh_totp_code(totp_device(user))}


@pytest.fixture
def record(world):
    return full_record(world.oak, world.oak_dsl, viewing_complete=True)


@pytest.fixture
def signed(world, record):
    services.sign_record(record, world.oak_dsl, world.password, **_code(world.oak_dsl))
    record.refresh_from_db()
    return record


def _code(user):
    return {"otp_token": fresh_totp_code(totp_device(user))}


def test_it_shows_the_meaning_of_the_signature_before_signing(client, world, record):
    client_login(client, world.oak_dsl)
    response = client.get(url("incident_sign", record))
    body = response.content.decode()
    assert response.status_code == 200
    assert "I confirm this record is complete and accurate" in body
    assert "OFFICIAL-SENSITIVE" in body


def test_it_lists_what_is_missing_instead_of_the_form(client, world):
    incomplete = full_record(world.oak, world.oak_dsl)
    incomplete.parent_contacts.all().delete()
    client_login(client, world.oak_dsl)
    body = client.get(url("incident_sign", incomplete)).content.decode()
    assert "cannot be signed yet" in body
    assert "parents or carers not recorded" in body
    assert "Sign the record</button>" not in body


def test_it_signs_from_the_page(client, world, record):
    client_login(client, world.oak_dsl)
    response = client.post(url("incident_sign", record), creds(world.oak_dsl, world.password))
    assert response.status_code == 302
    assert response.url == url("incident_detail", record)
    record.refresh_from_db()
    assert record.status == Status.AWAITING_APPROVAL


def test_it_shows_a_wrong_password_in_the_error_summary(client, world, record):
    client_login(client, world.oak_dsl)
    response = client.post(
        url("incident_sign", record), creds(world.oak_dsl, "wrong-password-0000")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="error-summary"' in body
    assert "password or the code" in body
    record.refresh_from_db()
    assert record.status == Status.UNDER_REVIEW
    assert AuditEvent.objects.filter(action="record.signing_refused").exists()


def test_it_asks_for_the_fields_it_needs(client, world, record):
    client_login(client, world.oak_dsl)
    body = client.post(url("incident_sign", record), {}).content.decode()
    assert "Enter your password." in body
    assert "This field is required" not in body
    assert "error-summary" in body


def test_it_approves_from_the_page(client, world, signed):
    client_login(client, world.oak_head)
    response = client.get(url("incident_approve", signed))
    assert "Approve and lock the record" in response.content.decode()
    response = client.post(url("incident_approve", signed), creds(world.oak_head, world.password))
    assert response.status_code == 302
    signed.refresh_from_db()
    assert signed.status == Status.APPROVED


def test_it_asks_the_headteacher_to_sign_off_a_non_referral_with_approval(client, world):
    record = full_record(
        world.oak, world.oak_dsl, viewing_complete=True, outcome=DecisionOutcome.HANDLED_IN_SCHOOL
    )
    services.sign_record(record, world.oak_dsl, world.password, **_code(world.oak_dsl))
    client_login(client, world.oak_head)
    response = client.post(url("incident_approve", record), creds(world.oak_head, world.password))
    assert "tick this box to give it with your approval" in response.content.decode()
    record.refresh_from_db()
    assert record.status == Status.AWAITING_APPROVAL
    response = client.post(
        url("incident_approve", record),
        creds(world.oak_head, world.password) | {"sign_off_non_referral": "on"},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == Status.APPROVED


def test_it_sends_back_from_the_page_with_a_reason(client, world, signed):
    client_login(client, world.oak_head)
    assert (
        "Answer “Why are you sending the record back?”"
        in client.post(url("incident_send_back", signed), {"reason": ""}).content.decode()
    )
    response = client.post(url("incident_send_back", signed), {"reason": "Check the dates."})
    assert response.status_code == 302
    signed.refresh_from_db()
    assert signed.status == Status.UNDER_REVIEW


def test_it_signs_off_a_non_referral_from_its_page(client, world):
    record = full_record(
        world.oak, world.oak_dsl, viewing_complete=True, outcome=DecisionOutcome.HANDLED_IN_SCHOOL
    )
    client_login(client, world.oak_head)
    body = client.get(url("incident_non_referral_signoff", record)).content.decode()
    assert "Experimental, romantic" in body
    response = client.post(
        url("incident_non_referral_signoff", record), creds(world.oak_head, world.password)
    )
    assert response.status_code == 302
    record.decision.refresh_from_db()
    assert record.decision.headteacher_signoff_by == world.oak_head


def test_it_adds_an_addendum_from_the_page(client, world, signed):
    services.approve_record(signed, world.oak_head, world.password, **_code(world.oak_head))
    client_login(client, world.oak_dsl)
    response = client.post(
        url("incident_addendum", signed),
        creds(world.oak_dsl, world.password) | {"text": "Police: no further action."},
    )
    assert response.status_code == 302
    assert signed.addenda.get().text == "Police: no further action."


def test_it_says_an_intact_record_is_intact_and_audits_the_check(client, world, signed):
    client_login(client, world.trust_lead)
    body = client.get(url("incident_verify", signed)).content.decode()
    assert "Intact: the record" in body
    event = AuditEvent.objects.filter(action="record.verified").get()
    assert event.user == world.trust_lead and event.data["intact"] is True


def test_it_says_a_changed_record_is_not_intact(client, world, signed):
    Disclosure.objects.filter(incident=signed).update(platforms="Snapchat.")
    client_login(client, world.oak_dsl)
    body = client.get(url("incident_verify", signed)).content.decode()
    assert "NOT intact" in body


def test_it_keeps_the_approve_page_from_the_dsl(client, world, signed):
    client_login(client, world.oak_dsl)
    assert client.get(url("incident_approve", signed)).status_code == 403


def test_it_hides_the_sign_page_from_another_school(client, world, record):
    client_login(client, world.elm_dsl)
    assert client.get(url("incident_sign", record)).status_code == 404


def test_it_never_offers_a_spent_code_back(client, world, record):
    client_login(client, world.oak_dsl)
    data = creds(world.oak_dsl, "wrong-password-0000")
    body = client.post(url("incident_sign", record), data).content.decode()
    assert f'value="{data["otp_token"]}"' not in body


@pytest.mark.parametrize(
    "name,who",
    [
        ("incident_sign", "oak_dsl"),
        ("incident_approve", "oak_head"),
        ("incident_send_back", "oak_head"),
        ("incident_non_referral_signoff", "oak_head"),
        ("incident_addendum", "oak_dsl"),
    ],
)
def test_it_audits_opening_a_signing_page_as_a_read(client, world, record, name, who):
    client_login(client, getattr(world, who))
    client.get(url(name, record))
    event = AuditEvent.objects.filter(action="incident.viewed").get()
    assert event.incident == record and event.user == getattr(world, who)


def test_an_addendum_sent_twice_is_stored_once(client, world, signed):
    services.approve_record(signed, world.oak_head, world.password, **_code(world.oak_head))
    client_login(client, world.oak_dsl)
    data = creds(world.oak_dsl, world.password) | {"text": "Police: no further action."}
    first = client.post(url("incident_addendum", signed), data)
    # The same form again, its code already spent (a double click), then with a fresh code.
    again = client.post(url("incident_addendum", signed), data)
    fresh = creds(world.oak_dsl, world.password) | {"text": "Police: no further action."}
    third = client.post(url("incident_addendum", signed), fresh)
    assert first.status_code == again.status_code == third.status_code == 302
    assert signed.addenda.count() == 1
    assert AuditEvent.objects.filter(action="record.addendum_added").count() == 1
    # A different later fact is a new addendum.
    other = creds(world.oak_dsl, world.password) | {"text": "Parents informed of the outcome."}
    assert client.post(url("incident_addendum", signed), other).status_code == 302
    assert signed.addenda.count() == 2
