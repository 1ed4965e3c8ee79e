"""The demo data: second factors enrolled with the printed secret, records really signed."""

from base64 import b32decode
from io import StringIO

import pytest
from django.core.management import call_command
from django_otp.oath import totp

from incidents.digest import verify
from incidents.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from incidents.models import Incident, Status


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_prints_the_demo_secret(demo):
    assert DEMO_TOTP_SECRET in demo


def test_it_lets_a_newcomer_sign_in_with_the_printed_secret(client, demo):
    client.post("/accounts/login/", {"username": "oakfield-dsl", "password": DEMO_PASSWORD})
    code = f"{totp(b32decode(DEMO_TOTP_SECRET)):06d}"
    response = client.post("/accounts/two-factor/", {"otp_token": code, "next": "/"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_it_signs_and_approves_the_demo_records_meant_to_be_approved(demo):
    approved = Incident.objects.filter(status=Status.APPROVED)
    assert approved.exists()
    for incident in approved:
        kinds = list(incident.signatures.order_by("pk").values_list("kind", flat=True))
        assert kinds == ["signed", "non_referral_signoff", "approved"]
        assert verify(incident).intact is True
