"""Lockout after repeated failures, per username AND address (django-axes; issue 5)."""

from django.conf import settings

from incidents.models import AuditEvent

LOGIN = "/accounts/login/"


def attempt(client, username, password, ip="10.0.0.1", **headers):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **headers
    )


def fail_until_locked(client, username, ip="10.0.0.1", **headers):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, username, "not-the-password", ip, **headers)


def test_it_locks_out_a_username_after_repeated_failures(client, world):
    fail_until_locked(client, "oak-staff")
    response = attempt(client, "oak-staff", world.password)
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login_locked_out", username="oak-staff").exists()


def test_it_lets_a_colleague_sign_in_from_the_same_address(client, world):
    fail_until_locked(client, "oak-staff")
    response = attempt(client, "oak-dsl", world.password)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.oak_dsl.pk)


def test_it_is_not_fooled_by_a_forged_forwarded_for_header(client, world):
    fail_until_locked(client, "oak-staff")
    response = attempt(client, "oak-staff", world.password, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 429


def test_it_does_not_count_forged_addresses_as_other_people(client, world):
    # Failures spread over forged X-Forwarded-For values still come from one address.
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "oak-staff", "nope", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert attempt(client, "oak-staff", world.password).status_code == 429


def test_it_does_not_lock_the_account_out_everywhere(client, world):
    fail_until_locked(client, "oak-staff", ip="10.0.0.1")
    response = attempt(client, "oak-staff", world.password, ip="10.0.0.2")
    assert response.status_code == 302


def test_it_locks_a_username_out_everywhere_after_failures_from_many_addresses(client, world):
    # Below the pair's limit at each address, past the username's limit in all.
    per_address = settings.AXES_FAILURE_LIMIT - 1
    addresses = -(-settings.AXES_USERNAME_FAILURE_LIMIT // per_address)
    for n in range(addresses):
        for _ in range(per_address):
            attempt(client, "oak-staff", "nope", ip=f"10.1.0.{n}")
    assert attempt(client, "oak-staff", world.password, ip="10.2.0.1").status_code == 429
    # A colleague is not affected.
    assert attempt(client, "oak-dsl", world.password, ip="10.2.0.1").status_code == 302


def test_failures_spread_below_the_username_limit_lock_nothing(client, world):
    for n in range(settings.AXES_USERNAME_FAILURE_LIMIT - 1):
        attempt(client, "oak-staff", "nope", ip=f"10.1.0.{n}")
    assert attempt(client, "oak-staff", world.password, ip="10.2.0.1").status_code == 302
