"""Logging in and out, and choosing the school to work in."""

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Membership, Role
from tests.conftest import client_login

pytestmark = pytest.mark.django_db


def test_it_shows_the_login_page(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_it_sends_anonymous_users_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_refuses_a_wrong_password_and_keeps_the_username(client, world):
    response = client.post(reverse("login"), {"username": "oak-dsl", "password": "wrong"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b'value="oak-dsl"' in response.content
    assert "_auth_user_id" not in client.session


def test_it_logs_out_on_post(client, world):
    client_login(client, world.oak_staff)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_it_shows_the_current_school_in_the_header(client, world):
    client_login(client, world.oak_staff)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"Oakfield Academy" in response.content


def test_it_asks_a_user_in_two_schools_to_choose(client, world):
    Membership.objects.create(
        user=world.oak_dsl, school=world.riv, role=Role.STAFF, confirmed_at=timezone.now()
    )
    client_login(client, world.oak_dsl)
    assert client.get(reverse("home")).url == reverse("choose_school")
    response = client.post(reverse("choose_school"), {"school": world.riv.pk})
    assert response.status_code == 302
    assert b"Riverside Primary" in client.get(reverse("home")).content


def test_it_refuses_a_school_the_user_has_no_role_in(client, world):
    Membership.objects.create(
        user=world.oak_dsl, school=world.riv, role=Role.STAFF, confirmed_at=timezone.now()
    )
    client_login(client, world.oak_dsl)
    response = client.post(reverse("choose_school"), {"school": world.elm.pk})
    assert response.status_code == 200
    assert b"There is a problem" in response.content


def test_it_lets_a_trust_lead_choose_among_the_trust_schools(client, world):
    client_login(client, world.trust_lead)
    response = client.get(reverse("choose_school"))
    assert b"Oakfield Academy" in response.content
    assert b"Riverside Primary" in response.content
    assert b"Elm High" not in response.content


def test_it_tells_a_system_administrator_they_see_no_records(client, world):
    client_login(client, world.sysadmin)
    response = client.get(reverse("home"))
    assert b"cannot see incident records" in response.content
