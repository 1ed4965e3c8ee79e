"""The trust overview and the charts (issue 18)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents import charts, stats
from incidents.models import (
    DecisionOutcome,
    Incident,
    InitialReview,
    Membership,
    Role,
    School,
    Transfer,
)
from tests.conftest import client_login
from tests.factories import full_record
from tests.test_child_file import child_file_objects

pytestmark = pytest.mark.django_db

URL = "/overview/"


def test_the_trust_lead_sees_a_row_per_school_of_the_trust(client, world):
    full_record(world.oak, world.oak_dsl, deletion_overdue=True)
    full_record(world.riv, world.riv_dsl, outcome=DecisionOutcome.HANDLED_IN_SCHOOL)
    full_record(world.elm, world.elm_dsl)
    client_login(client, world.trust_lead)
    response = client.get(URL)
    assert response.status_code == 200
    rows = {item["row"].school.slug: item["row"] for item in response.context["table"]}
    assert set(rows) == {"oakfield", "riverside"}
    assert rows["oakfield"].overdue == 1 and rows["oakfield"].signoffs == 0
    assert rows["riverside"].signoffs == 1 and rows["riverside"].overdue == 0
    body = response.content.decode()
    assert "Elm High" not in body
    assert "/incidents/?school=riverside&amp;signoff=1" in body
    assert "/incidents/?school=oakfield&amp;overdue=1" in body


def test_a_dsl_sees_only_their_own_school(client, world):
    full_record(world.oak, world.oak_dsl)
    full_record(world.riv, world.riv_dsl)
    client_login(client, world.oak_dsl)
    response = client.get(URL)
    assert [item["row"].school for item in response.context["table"]] == [world.oak]
    assert "/incidents/?stage=under_review" in response.content.decode()


def test_it_counts_the_childrens_files_sent_without_receipt(client, world):
    record = full_record(world.oak, world.oak_dsl)
    objects = child_file_objects(world, record)
    client_login(client, world.trust_lead)
    rows = {item["row"].school.slug: item["row"] for item in client.get(URL).context["table"]}
    assert rows["oakfield"].transfers == 1 and rows["riverside"].transfers == 0
    Transfer.objects.filter(pk=objects["transfer"]).update(receipt_confirmed_at=timezone.now())
    rows = {item["row"].school.slug: item["row"] for item in client.get(URL).context["table"]}
    assert rows["oakfield"].transfers == 0


@pytest.mark.parametrize("who", ["oak_deputy", "oak_staff"])
def test_it_refuses_those_who_do_not_read_every_record(client, world, who):
    client_login(client, getattr(world, who))
    assert client.get(URL).status_code == 403
    assert client.get(reverse("chart_svg", args=["incidents-by-month"])).status_code == 403


def test_it_sorts_by_the_slowest_review_first(client, world):
    now = timezone.now()
    full_record(world.oak, world.oak_dsl, disclosed_at=now - timedelta(days=30))
    slow = full_record(world.riv, world.riv_dsl, disclosed_at=now - timedelta(days=30))
    # Riverside met ten days after the disclosure (the record was first saved later still).
    met = timezone.localdate(slow.disclosed_at) + timedelta(days=10)
    InitialReview.objects.filter(incident=slow).update(meeting_date=met)
    client_login(client, world.trust_lead)
    slugs = [
        item["row"].school.slug
        for item in client.get(URL, {"sort": "to_review", "dir": "desc"}).context["table"]
    ]
    assert slugs == ["riverside", "oakfield"]
    slugs = [
        item["row"].school.slug
        for item in client.get(URL, {"sort": "to_review", "dir": "asc"}).context["table"]
    ]
    assert slugs == ["oakfield", "riverside"]
    # Nonsense sorts by school, never a 500.
    assert client.get(URL, {"sort": "__class__", "dir": "x"}).status_code == 200


def test_the_overview_medians_are_those_of_the_records(world):
    now = timezone.now()
    made = [
        full_record(world.oak, world.oak_dsl, disclosed_at=now - timedelta(days=d))
        for d in (2, 5, 9)
    ]
    rows = stats.overview([world.oak], timezone.localdate(), (now - timedelta(days=60)).date())
    timing = rows[0].timing
    assert timing.count == 3
    expected = []
    for incident in made:
        decided = incident.decision.decided_at
        expected.append((decided - incident.disclosed_at).total_seconds() / 3600)
    assert timing.median["to_decision"] == pytest.approx(stats.percentile(expected, 0.5))
    assert timing.slowest_quarter["to_decision"] == pytest.approx(stats.percentile(expected, 0.75))


def test_the_python_fallback_gives_what_percentile_cont_gives(world, monkeypatch, is_postgres):
    """SQLite (make run) works the percentiles out in Python: on the same records, the same
    figures as PostgreSQL's percentile_cont, for every measure and every term."""
    assert is_postgres, "the suite runs on PostgreSQL"
    now = timezone.now()
    for days in (2, 5, 9, 40, 130):
        full_record(world.oak, world.oak_dsl, disclosed_at=now - timedelta(days=days))
    full_record(world.oak, world.oak_dsl, outcome=DecisionOutcome.HANDLED_IN_SCHOOL)
    terms = stats.terms_until(timezone.localdate(), 3)
    incidents = Incident.objects.filter(school=world.oak)
    in_sql = stats.by_term(incidents, terms)
    monkeypatch.setattr(stats, "uses_percentile_cont", lambda: False)
    in_python = stats.by_term(incidents, terms)
    assert set(in_sql) == set(in_python)
    for key, timing in in_sql.items():
        other = in_python[key]
        assert (timing.count, timing.reached) == (other.count, other.reached)
        for measure in stats.MEASURES:
            for which in ("median", "slowest_quarter"):
                mine, theirs = getattr(timing, which)[measure], getattr(other, which)[measure]
                assert (mine is None) == (theirs is None), (key, measure, which)
                if mine is not None:
                    assert mine == pytest.approx(theirs, abs=1e-6), (key, measure, which)


def test_percentile_interpolates_as_percentile_cont():
    assert stats.percentile([1, 2, 3, 4], 0.5) == 2.5
    assert stats.percentile([1, 2, 3, 4], 0.75) == 3.25
    assert stats.percentile([], 0.5) is None


def overview_queries(client):
    client.get(URL)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx)


def test_its_queries_do_not_grow_with_records_or_schools(client, world):
    client_login(client, world.trust_lead)
    full_record(world.oak, world.oak_dsl, deletion_overdue=True)
    at_one = overview_queries(client)
    for index in range(4):
        school = School.objects.create(
            trust=world.trust,
            name=f"School {index}",
            slug=f"s{index}",
            reference_prefix=f"SC{'ABCD'[index]}",
        )
        Membership.objects.create(
            user=world.oak_dsl, school=school, role=Role.DSL, confirmed_at=timezone.now()
        )
        full_record(school, world.oak_dsl, action_overdue=True)
    for _ in range(3):
        full_record(world.riv, world.riv_dsl, outcome=DecisionOutcome.HANDLED_IN_SCHOOL)
    assert Incident.objects.count() == 8
    assert overview_queries(client) == at_one


def test_each_chart_is_an_svg_with_its_own_policy(client, world):
    full_record(world.oak, world.oak_dsl, deletion_overdue=True)
    client_login(client, world.oak_dsl)
    for name in charts.NAMES:
        response = client.get(reverse("chart_svg", args=[name]))
        assert response.status_code == 200, name
        assert response["Content-Type"] == "image/svg+xml"
        policy = response["Content-Security-Policy"]
        assert "script-src 'none'" in policy and "default-src 'none'" in policy
        body = response.content.decode()
        assert "<script" not in body and 'role="img"' in body
    assert client.get(reverse("chart_svg", args=["nonsense"])).status_code == 404
    # The page itself keeps the strict policy, and shows each chart with its table.
    page = client.get(URL)
    assert "style-src 'self'" in page["Content-Security-Policy"]
    assert page.content.decode().count('class="chart-image"') == len(charts.NAMES)


def test_the_trust_charts_cover_the_trust_only_for_the_lead(client, world):
    full_record(world.riv, world.riv_dsl)
    url = reverse("chart_svg", args=["referrals-by-agency"]) + "?scope=trust"
    client_login(client, world.trust_lead)
    assert "MASH" in client.get(url).content.decode()
    client.logout()
    client_login(client, world.oak_dsl)
    # Not a trust lead: the scope falls back to their own school, which made no referral.
    assert "MASH" not in client.get(url).content.decode()


def test_the_inspection_pack_draws_the_charts_with_their_tables(world):
    import io
    from datetime import date

    from pypdf import PdfReader

    from incidents.export import export_inspection_pack

    full_record(world.oak, world.oak_dsl, deletion_overdue=True)
    today = timezone.localdate()
    _, _, content = export_inspection_pack(world.oak, date(today.year - 1, 1, 1), today, "pdf")
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split()
    )
    for title in (
        "Incidents disclosed each month, by category",
        "Hours from disclosure to DSL review and to decision, by term",
        "Referrals by agency",
        "Deletions and actions overdue, at the end of each month",
    ):
        assert title in text
    assert "MASH / children's social care referral" in text
