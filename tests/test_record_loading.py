"""A record is loaded in as few round trips as it needs, and the school and roles in one.

The incident's query says which of the record's lists hold anything (an EXISTS each), so
``record.load`` fetches only those; a list known empty reads as empty with no query. The
request's school is read with the user's roles in it, afresh on every request, so a role
withdrawn is gone from the very next request.
"""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from incidents import access, record
from incidents.models import Incident, Membership, Role, School, User
from incidents.services.cover import grant_cover
from tests.conftest import client_login
from tests.factories import full_record, reported_concern


def loading_queries(incident: Incident) -> tuple[Incident, int]:
    with CaptureQueriesContext(connection) as ctx:
        loaded = record.load(record.incidents().get(pk=incident.pk))
    return loaded, len(ctx.captured_queries)


def test_a_record_with_empty_lists_is_loaded_in_fewer_round_trips(world):
    full = full_record(world.oak, world.oak_dsl)
    sparse = reported_concern(world.oak, world.oak_dsl)
    _loaded, full_count = loading_queries(full)
    loaded, sparse_count = loading_queries(sparse)
    # The concern alone holds its young person and its result at most: every other list is
    # known empty from the incident's own query.
    assert sparse_count <= full_count - 8, (sparse_count, full_count)
    with CaptureQueriesContext(connection) as ctx:
        assert list(loaded.referrals.all()) == []
        assert list(loaded.interviews.all()) == []
        assert list(loaded.signatures.all()) == []
        assert list(loaded.addenda.all()) == []
    assert ctx.captured_queries == []


def test_a_list_that_holds_rows_is_fetched_whole(world):
    full = full_record(world.oak, world.oak_dsl)
    loaded, _count = loading_queries(full)
    expected = set(full.referrals.values_list("pk", flat=True))
    assert expected
    with CaptureQueriesContext(connection) as ctx:
        assert {r.pk for r in loaded.referrals.all()} == expected
    assert ctx.captured_queries == []


def test_an_incident_read_without_the_flags_has_every_list_fetched(world):
    full = full_record(world.oak, world.oak_dsl)
    loaded = record.load(Incident.objects.get(pk=full.pk))
    assert {r.pk for r in loaded.referrals.all()} == set(
        full.referrals.values_list("pk", flat=True)
    )


def test_the_record_page_shows_what_its_lists_hold_and_nothing_of_the_empty_ones(client, world):
    sparse = reported_concern(world.oak, world.oak_dsl)
    full = full_record(world.oak, world.oak_dsl)
    client_login(client, world.oak_dsl)
    assert client.get(reverse("incident_detail", args=[sparse.reference])).status_code == 200
    page = client.get(reverse("incident_detail", args=[full.reference]))
    assert page.status_code == 200
    referral = full.referrals.first()
    assert referral is not None
    assert escape(referral.get_agency_display()) in page.content.decode()


def test_the_roles_are_read_with_the_school_in_one_query(client, world):
    client_login(client, world.oak_dsl)
    client.get(reverse("incident_list"))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("incident_list")).status_code == 200
    # The roles used to be a query of their own on the memberships.
    alone = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "incidents_membership"')
    ]
    assert alone == []
    school = [
        q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "incidents_school"')
    ]
    assert len(school) == 1 and "incidents_membership" in school[0]


def test_a_role_withdrawn_is_gone_from_the_next_request(client, world):
    client_login(client, world.oak_dsl)
    url = reverse("incident_list")
    assert client.get(url).status_code == 200
    Membership.objects.filter(user=world.oak_dsl, school=world.oak, role=Role.DSL).delete()
    assert client.get(url).status_code in (302, 403)


def test_the_roles_read_with_the_school_are_those_roles_in_gives(world):
    """Kept in step with ``access.roles_in``: a rule added there (a cover, an end date) and
    not to ``access.with_roles`` fails here."""
    pending = User.objects.create_user("pending-dsl", password="x")
    Membership.objects.create(user=pending, school=world.oak, role=Role.DSL)
    leaver = User.objects.create_user("leaver", password="x", is_active=False)
    Membership.objects.create(
        user=leaver, school=world.oak, role=Role.DSL, confirmed_at=timezone.now()
    )
    # A deputy in cover now (roles_in adds the cover to their roles), and one whose cover is
    # arranged for later (it adds nothing yet).
    covered = User.objects.create_user("covering-deputy", password="x")
    later = User.objects.create_user("later-deputy", password="x")
    for deputy in (covered, later):
        Membership.objects.create(
            user=deputy, school=world.oak, role=Role.DEPUTY_DSL, confirmed_at=timezone.now()
        )
    grant_cover(
        school=world.oak,
        granted_by=world.oak_dsl,
        deputy=covered,
        starts_at=None,
        ends_at=timezone.now() + timedelta(days=2),
        reason="The DSL is on a course.",
    )
    grant_cover(
        school=world.oak,
        granted_by=world.oak_dsl,
        deputy=later,
        starts_at=timezone.now() + timedelta(days=3),
        ends_at=timezone.now() + timedelta(days=5),
        reason="The DSL is away next week.",
    )
    assert access.COVER in access.roles_in(covered, world.oak)
    assert access.COVER not in access.roles_in(later, world.oak)
    people = [*User.objects.all()]
    assert len(people) > 10
    for school in (world.oak, world.riv, world.elm):
        for person in people:
            read = access.with_roles(School.objects.filter(pk=school.pk), person).get()
            assert access.roles_read_with(read, person) == access.roles_in(person, school), (
                person.username,
                school.slug,
            )
    lead = access.with_roles(School.objects.filter(pk=world.oak.pk), world.trust_lead).get()
    assert access.roles_read_with(lead, world.trust_lead) == {Role.TRUST_LEAD}
