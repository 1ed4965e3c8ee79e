"""The headteacher's queue at /headteacher/."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import AuditEvent, Signature, SignatureKind, Status
from tests.conftest import client_login
from tests.factories import full_record

pytestmark = pytest.mark.django_db

URL = "/headteacher/"


def sign(incident, dsl):
    Signature.objects.create(
        incident=incident,
        kind=SignatureKind.SIGNED,
        signer=dsl,
        signer_name="Oak Dsl",
        role="dsl",
        meaning="I confirm this record is complete and accurate.",
        digest="a" * 64,
    )


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["oak_staff", "oak_deputy", "oak_dsl"])
def test_it_refuses_every_other_role_of_the_school(client, world, who):
    client_login(client, getattr(world, who))
    assert client.get(URL).status_code == 403


def test_it_refuses_the_trust_lead(client, world):
    client_login(client, world.trust_lead)
    client.post(reverse("choose_school"), {"school": world.oak.pk})
    assert client.get(URL).status_code == 403


def test_it_lists_signed_records_and_non_referral_decisions_with_reasons(client, world):
    signed = full_record(world.oak, world.oak_dsl, status=Status.AWAITING_APPROVAL)
    sign(signed, world.oak_dsl)
    not_referred = full_record(world.oak, world.oak_dsl, outcome="handled_in_school")
    full_record(world.oak, world.oak_dsl, outcome="handled_in_school", signed_off_by=world.oak_head)
    full_record(world.oak, world.oak_dsl)  # referred: nothing to sign off
    full_record(world.riv, world.riv_dsl, outcome="handled_in_school")  # another school
    client_login(client, world.oak_head)
    response = client.get(URL)
    assert response.status_code == 200
    assert [i.pk for i in response.context["awaiting_approval"]] == [signed.pk]
    assert [d.incident_id for d in response.context["awaiting_signoff"]] == [not_referred.pk]
    body = response.content.decode()
    assert f'href="/incidents/{signed.reference}/"' in body
    assert "Signed by Oak Dsl" in body
    assert "Experimental, romantic; no adult" in body  # the DSL's written reasons
    assert "Police referral at the school&#x27;s discretion" in body  # the rules' result


def test_it_warns_when_the_rules_called_for_a_referral(client, world):
    full_record(
        world.oak,
        world.oak_dsl,
        outcome="handled_in_school",
        with_adult=True,
        facts={"romantic_relationship": "no"},
        # An adult is involved: the decision step asks why each required referral is not made.
        unmet_reasons={
            "immediate_referral": "The family asked for a day first; reviewed tomorrow.",
            "police": "Not yet: the family first.",
        },
    )
    client_login(client, world.oak_head)
    response = client.get(URL)
    assert len(response.context["awaiting_signoff"]) == 1
    assert "The policy calls for an immediate referral to the MASH" in response.content.decode()


def test_it_shows_an_empty_queue(client, world):
    client_login(client, world.oak_head)
    body = client.get(URL).content.decode()
    assert "No signed record is waiting for your approval." in body
    assert "No decision not to refer is waiting for your sign-off." in body


def test_it_runs_the_same_queries_with_5_and_50_incidents(client, world, django_assert_num_queries):
    def add(count):
        for index in range(count):
            incident = full_record(
                world.oak,
                world.oak_dsl,
                outcome="handled_in_school",
                status=Status.AWAITING_APPROVAL if index % 2 else Status.UNDER_REVIEW,
            )
            if index % 2:
                sign(incident, world.oak_dsl)

    add(5)
    client_login(client, world.oak_head)
    client.get(URL)
    with CaptureQueriesContext(connection) as at_five:
        assert client.get(URL).status_code == 200
    at_five = len(at_five)  # counted now: the next request empties the connection's query log
    add(45)
    # Writing 45 records takes over a minute, after which the next request renews the session
    # (a write made once a minute): make that request first, then count.
    client.get(URL)
    with django_assert_num_queries(at_five):
        response = client.get(URL)
    assert len(response.context["awaiting_signoff"]) == 50


def test_it_sends_no_cache_headers(client, world):
    client_login(client, world.oak_head)
    assert "no-store" in client.get(URL)["Cache-Control"]


def test_reading_the_queue_is_audited_with_the_records_it_lists(client, world):
    signed = full_record(world.oak, world.oak_dsl, status=Status.AWAITING_APPROVAL)
    sign(signed, world.oak_dsl)
    client_login(client, world.oak_head)
    assert client.get(URL).status_code == 200
    event = AuditEvent.objects.get(action="school.head_queue_viewed")
    assert event.user == world.oak_head and event.school == world.oak
    assert signed.pk in event.data["awaiting_approval"]
