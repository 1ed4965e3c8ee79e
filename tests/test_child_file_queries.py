"""The child's file's pages answer in a fixed number of queries, however many records they
show (1 against 6), each under its ceiling."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import ReceivedFile, Transfer, YoungPerson
from tests.conftest import client_login, new_incident
from tests.test_child_file import make_pupil

CEILINGS = {
    # session, user, second factor, school, roles; the pupil and the reader's roles in its
    # school; the readable incidents, their results, the deletions, actions and transfers;
    # the audit events (the file's, and one per record shown, in one statement).
    "pupil_file": 21,
    "pupil_list": 10,
    "received_list": 7,
    "received_file": 11,
}


def add_incidents(world, pupil, count):
    for n in range(count):
        incident = new_incident(
            world.oak, world.oak_dsl, incident_date=date(2026, 9, 1) + timedelta(days=n)
        )
        YoungPerson.objects.create(
            incident=incident,
            pupil=pupil,
            name=pupil.name,
            date_of_birth=pupil.date_of_birth,
            sex="female",
            is_pictured=True,
            known_to_social_care="unknown",
            created_by=world.oak_dsl,
            updated_by=world.oak_dsl,
        )


def add_received(world, pupil, count):
    for _ in range(count):
        transfer = Transfer.objects.create(
            pupil=pupil,
            school=world.oak,
            destination_school=world.elm,
            destination_name=world.elm.name,
            place_confirmed_on=timezone.localdate(),
            due_on=timezone.localdate(),
            created_by=world.oak_dsl,
            sent_at=timezone.now(),
            sent_by=world.oak_dsl,
        )
        ReceivedFile.objects.create(
            transfer=transfer,
            school=world.elm,
            from_school_name=world.oak.name,
            pupil_name=pupil.name,
            upn=pupil.upn,
            date_of_birth=pupil.date_of_birth,
            content=[],
        )


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["pupil_file", "pupil_list"])
def test_the_sending_pages_do_not_grow_with_the_file(client, world, page):
    pupil = make_pupil(world.oak)
    client_login(client, world.oak_dsl)
    kwargs = {"pupil": pupil.pk} if page == "pupil_file" else {}
    url = reverse(page, kwargs=kwargs)
    add_incidents(world, pupil, 1)
    few = count(client, url)
    add_incidents(world, pupil, 5)
    many = count(client, url)
    assert few == many, (few, many)
    assert many <= CEILINGS[page]


def test_the_dashboard_does_not_grow_with_the_transfers(client, world):
    pupil = make_pupil(world.oak)
    client_login(client, world.oak_dsl)
    add_received(world, pupil, 1)
    few = count(client, reverse("home"))
    add_received(world, pupil, 5)
    assert count(client, reverse("home")) == few


@pytest.mark.parametrize("page", ["received_list", "received_file"])
def test_the_receiving_pages_do_not_grow(client, world, page):
    pupil = make_pupil(world.oak)
    client_login(client, world.elm_dsl)
    add_received(world, pupil, 1)
    first = ReceivedFile.objects.get()
    url = reverse(page, kwargs={"received": first.pk} if page == "received_file" else {})
    few = count(client, url)
    add_received(world, pupil, 5)
    many = count(client, url)
    assert few == many, (few, many)
    assert many <= CEILINGS[page]


def test_the_retention_page_does_not_grow_with_the_records(client, world):
    from tests.test_retention import child

    def old_record():
        incident = new_incident(world.oak, world.oak_staff, incident_date=date(1995, 5, 1))
        child(incident, world.oak_dsl, born=date(1981, 2, 1))

    client_login(client, world.oak_dsl)
    old_record()
    few = count(client, reverse("retention_list"))
    for _ in range(5):
        old_record()
    assert count(client, reverse("retention_list")) == few
    assert few <= 9
