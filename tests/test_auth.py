"""Signing in: audited, the second factor for readers of records, no replayed codes (issue 5)."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.models import AuditEvent
from tests.conftest import client_login, fresh_totp_code, totp_device

LOGIN = "/accounts/login/"
VERIFY = "/accounts/two-factor/"
ENROL = "/accounts/two-factor/set-up/"


def sign_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def actions():
    return list(AuditEvent.objects.order_by("pk").values_list("action", "username"))


def test_it_logs_a_successful_sign_in(client, world):
    response = sign_in(client, "oak-staff", world.password)
    assert response.status_code == 302
    assert actions()[-1] == ("auth.login_succeeded", "oak-staff")


def test_it_logs_a_failed_sign_in_with_the_name_tried(client, world):
    response = sign_in(client, "no-such-person", "wrong-password-123")
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()
    assert actions()[-1] == ("auth.login_failed", "no-such-person")


def test_it_lets_staff_in_without_a_second_factor(client, world):
    sign_in(client, "oak-staff", world.password)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "username", ["oak-dsl", "oak-deputy", "oak-head", "trust-lead", "sysadmin"]
)
def test_it_sends_readers_of_records_to_set_up_a_second_factor(client, world, username):
    sign_in(client, username, world.password)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(ENROL)


def test_it_asks_for_the_code_when_an_authenticator_is_set_up(client, world):
    totp_device(world.oak_dsl)
    sign_in(client, "oak-dsl", world.password)
    response = client.get("/school/")
    assert response.status_code == 302
    assert response.url == VERIFY + "?next=%2Fschool%2F"


def test_it_lets_a_reader_in_after_a_correct_code(client, world):
    device = totp_device(world.oak_dsl)
    sign_in(client, "oak-dsl", world.password)
    response = client.post(VERIFY, {"otp_token": fresh_totp_code(device), "next": "/"})
    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200
    assert actions()[-1] == ("auth.second_factor_verified", "oak-dsl")


def test_it_refuses_a_code_used_twice(client, world):
    device = totp_device(world.oak_dsl)
    code = fresh_totp_code(device)
    sign_in(client, "oak-dsl", world.password)
    assert client.post(VERIFY, {"otp_token": code}).status_code == 302
    client.post(reverse("logout"))

    sign_in(client, "oak-dsl", world.password)
    response = client.post(VERIFY, {"otp_token": code})
    assert response.status_code == 200
    assert "already been used" in response.content.decode()
    assert client.get("/").status_code == 302
    assert actions()[-1] == ("auth.second_factor_failed", "oak-dsl")


def test_it_refuses_a_wrong_code_next_to_the_field(client, world):
    totp_device(world.oak_dsl)
    sign_in(client, "oak-dsl", world.password)
    response = client.post(VERIFY, {"otp_token": "12"})
    assert response.status_code == 200
    assert "Enter the 6-digit code" in response.content.decode()
    assert 'id="error-summary"' in response.content.decode()


def test_it_never_sets_up_an_authenticator_with_the_password_alone(client, world):
    # Issue 13: whoever first signed in with the password used to bind their own authenticator.
    sign_in(client, "oak-head", world.password)
    response = client.get(ENROL)
    body = response.content.decode()
    assert response.status_code == 200
    assert "invitation" in body and "<svg" not in body
    assert client.post(ENROL, {"otp_token": "123456"}).status_code == 200
    assert not TOTPDevice.objects.filter(user=world.oak_head).exists()
    assert client.get("/").status_code == 302


def test_it_does_not_offer_a_second_enrolment_once_set_up(client, world):
    totp_device(world.oak_head)
    sign_in(client, "oak-head", world.password)
    assert client.get(ENROL).url == VERIFY


def test_it_ignores_an_offsite_next_address(client, world):
    device = totp_device(world.oak_dsl)
    sign_in(client, "oak-dsl", world.password)
    response = client.post(
        VERIFY, {"otp_token": fresh_totp_code(device), "next": "https://evil.example/"}
    )
    assert response.url == "/"


def test_it_logs_signing_out(client, world):
    client_login(client, world.oak_dsl)
    client.post(reverse("logout"))
    assert actions()[-1] == ("auth.logout", "oak-dsl")


def test_it_sends_the_admin_sign_in_to_the_audited_one(client, world):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/admin/"


def test_it_keeps_the_test_login_helper_fully_verified(client, world):
    client_login(client, world.oak_dsl)
    assert client.get("/").status_code == 200


def test_it_slows_down_guessing_codes(client, world):
    totp_device(world.oak_dsl)
    sign_in(client, "oak-dsl", world.password)
    client.post(VERIFY, {"otp_token": "000000"})
    response = client.post(VERIFY, {"otp_token": "000001"})
    assert "A wrong code was entered a moment ago" in response.content.decode()
