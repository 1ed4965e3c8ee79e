"""The dashboard at / and the search behind it (issue 4, part B)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from incidents.models import (
    Action,
    AuditEvent,
    Decision,
    DeletionRequest,
    Signature,
    SignatureKind,
    Status,
)
from tests.conftest import client_login, new_incident
from tests.factories import full_record

pytestmark = pytest.mark.django_db


def fill(world, count):
    """``count`` incidents of Oakfield at every stage, some with overdue items."""
    stages = [Status.REPORTED, Status.UNDER_REVIEW, Status.AWAITING_APPROVAL, Status.APPROVED]
    for index in range(count):
        # A record the DSL has written is under review at least: a reported one is a concern.
        if index % 5 == 1 and stages[index % 4] != Status.REPORTED:
            full_record(
                world.oak,
                world.oak_dsl,
                deletion_overdue=True,
                action_overdue=True,
                outcome="handled_in_school",
                status=stages[index % 4],
            )
        else:
            incident = new_incident(world.oak, world.oak_staff)
            incident.status = stages[index % 4]
            incident.save(update_fields=["status"])


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_shows_staff_how_to_report_and_no_record_data(client, world):
    incident = full_record(world.oak, world.oak_dsl)
    client_login(client, world.oak_staff)
    response = client.get("/")
    assert response.status_code == 200
    assert response.templates[0].name == "incidents/dashboard_staff.html"
    body = response.content.decode()
    assert "Report a concern" in body or "Tell your Designated Safeguarding Lead" in body
    assert incident.reference not in body
    assert "Amelia" not in body
    assert 'href="/incidents/"' not in body


def test_it_counts_the_schools_incidents_by_stage(client, world):
    fill(world, 8)
    new_incident(world.riv, world.riv_staff)  # another school: never counted
    client_login(client, world.oak_dsl)
    response = client.get("/")
    assert response.status_code == 200
    stages = {value: count for value, _label, count in response.context["stages"]}
    assert stages == {
        Status.REPORTED: 2,
        Status.UNDER_REVIEW: 2,
        Status.AWAITING_APPROVAL: 2,
        Status.APPROVED: 2,
    }
    assert response.context["total"] == 8
    assert f'href="/incidents/?stage={Status.AWAITING_APPROVAL}"' in response.content.decode()


def test_it_lists_overdue_deletions_and_actions_with_links(client, world):
    late = full_record(world.oak, world.oak_dsl, deletion_overdue=True, action_overdue=True)
    full_record(world.oak, world.oak_dsl)  # on time: not listed
    client_login(client, world.oak_dsl)
    response = client.get("/")
    body = response.content.decode()
    assert [d["incident__reference"] for d in response.context["overdue_deletions"]] == [
        late.reference
    ]
    assert {a.incident_id for a in response.context["overdue_actions"]} == {late.pk}
    assert f'href="/incidents/{late.reference}/"' in body
    assert "2 deletions not confirmed" in body  # one line for both young people


def test_it_lists_records_awaiting_approval_and_signoff(client, world):
    signed = full_record(world.oak, world.oak_dsl, status=Status.AWAITING_APPROVAL)
    not_referred = full_record(world.oak, world.oak_dsl, outcome="handled_in_school")
    signed_off = full_record(
        world.oak, world.oak_dsl, outcome="handled_in_school", signed_off_by=world.oak_head
    )
    client_login(client, world.oak_dsl)
    response = client.get("/")
    assert [i.pk for i in response.context["awaiting_approval"]] == [signed.pk]
    assert [d.incident_id for d in response.context["awaiting_signoff"]] == [not_referred.pk]
    assert signed_off.pk not in [d.incident_id for d in response.context["awaiting_signoff"]]


def test_it_shows_a_deputy_only_the_incidents_granted_to_them(client, world):
    granted = full_record(world.oak, world.oak_dsl, deletion_overdue=True)
    full_record(world.oak, world.oak_dsl, deletion_overdue=True)
    assign_perm("incidents.change_incident", world.oak_deputy, granted)
    client_login(client, world.oak_deputy)
    response = client.get("/")
    assert response.context["total"] == 1
    assert [d["incident__reference"] for d in response.context["overdue_deletions"]] == [
        granted.reference
    ]


def test_it_runs_the_same_queries_with_5_and_50_incidents(client, world, django_assert_num_queries):
    fill(world, 5)
    client_login(client, world.oak_dsl)
    client.get("/")  # warm the session
    with CaptureQueriesContext(connection) as at_five:
        assert client.get("/").status_code == 200
    fill(world, 45)
    with django_assert_num_queries(len(at_five)):
        assert client.get("/").status_code == 200


def test_it_sends_no_cache_headers(client, world):
    client_login(client, world.oak_dsl)
    assert "no-store" in client.get("/")["Cache-Control"]


# Search ------------------------------------------------------------------------------------


def test_it_finds_an_incident_by_its_reference_and_opens_it(client, world):
    incident = full_record(world.oak, world.oak_dsl)
    client_login(client, world.oak_dsl)
    response = client.post(reverse("incident_search"), {"q": incident.reference.lower()})
    assert response.status_code == 302
    assert response.url == reverse("incident_detail", args=[incident.reference])


def test_it_finds_an_incident_by_a_young_persons_name_without_putting_it_in_a_url(client, world):
    incident = full_record(world.oak, world.oak_dsl, names=("Zara Quinton", "Ben Cole"))
    full_record(world.oak, world.oak_dsl)
    client_login(client, world.oak_dsl)
    response = client.post(reverse("incident_search"), {"q": "quint"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == []
    assert [i.pk for i in response.context["results"]] == [incident.pk]
    body = response.content.decode()
    assert "Zara Quinton" in body
    # The name never travels in a URL: not in this request, nor in any link or form target.
    assert "quint" not in response.request["PATH_INFO"].lower()
    assert "quint" not in response.request.get("QUERY_STRING", "").lower()
    for attribute in ('href="', 'action="'):
        for chunk in body.split(attribute)[1:]:
            assert "quint" not in chunk.split('"', 1)[0].lower()
    # The dashboard's form posts; it has no GET form a browser would put in the address bar.
    home = client.get("/").content.decode()
    assert 'method="post" action="/incidents/search/"' in home


def test_it_ignores_a_name_sent_in_the_query_string(client, world):
    full_record(world.oak, world.oak_dsl, names=("Zara Quinton", "Ben Cole"))
    client_login(client, world.oak_dsl)
    response = client.get(reverse("incident_search") + "?q=Zara")
    assert response.status_code == 200
    assert "Zara Quinton" not in response.content.decode()


def test_it_searches_only_the_current_schools_readable_incidents(client, world):
    full_record(world.riv, world.riv_dsl, names=("Zara Quinton", "Ben Cole"))
    other_school = full_record(world.elm, world.elm_dsl)
    client_login(client, world.oak_dsl)
    response = client.post(reverse("incident_search"), {"q": "Zara"})
    assert response.context["results"] == []
    response = client.post(reverse("incident_search"), {"q": other_school.reference})
    assert response.status_code == 200
    assert response.context["results"] == []


def test_it_audits_a_search_without_the_search_term(client, world):
    full_record(world.oak, world.oak_dsl, names=("Zara Quinton", "Ben Cole"))
    client_login(client, world.oak_dsl)
    client.post(reverse("incident_search"), {"q": "Zara"})
    event = AuditEvent.objects.filter(action="incident.searched").get()
    assert event.data == {"results": 1}
    assert "Zara" not in str(event.data)


def test_it_explains_an_empty_search(client, world):
    client_login(client, world.oak_dsl)
    response = client.post(reverse("incident_search"), {"q": " "})
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Enter an incident reference or a young person" in body


def test_it_refuses_search_to_staff(client, world):
    client_login(client, world.oak_staff)
    assert client.post(reverse("incident_search"), {"q": "Zara"}).status_code == 403


def test_it_marks_a_record_the_headteacher_sent_back(client, world):
    record = full_record(world.oak, world.oak_dsl)
    for kind, reason in (
        (SignatureKind.SIGNED, ""),
        (SignatureKind.SENT_BACK, "Add the MASH advice."),
    ):
        Signature.objects.create(
            incident=record,
            kind=kind,
            signer=world.oak_dsl,
            signer_name="Someone",
            role="dsl",
            meaning="Meaning.",
            digest="f" * 64,
            reason=reason,
        )
    client_login(client, world.oak_dsl)
    response = client.get("/")
    assert [i.last_signature for i in response.context["in_progress"]] == ["sent_back"]
    assert "Sent back" in response.content.decode()
    assert "Sent back" in client.get("/incidents/").content.decode()


def test_it_asks_a_member_of_several_schools_to_choose_one(client, world):
    client_login(client, world.trust_lead)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("choose_school")


def test_it_shows_an_administrator_no_record_data(client, world):
    full_record(world.oak, world.oak_dsl)
    client_login(client, world.sysadmin)
    response = client.get("/")
    assert response.status_code == 200
    assert response.templates[0].name == "incidents/no_school.html"


def test_it_reads_actions_deletions_and_decisions_by_their_own_school_column(client, world):
    late = full_record(
        world.oak,
        world.oak_dsl,
        deletion_overdue=True,
        action_overdue=True,
        outcome="handled_in_school",
    )
    other = full_record(
        world.elm,
        world.elm_dsl,
        deletion_overdue=True,
        action_overdue=True,
        outcome="handled_in_school",
    )
    # The service that writes each row keeps its incident's school on it.
    for model in (Action, DeletionRequest, Decision):
        for record in (late, other):
            schools = set(model.objects.filter(incident=record).values_list("school", flat=True))
            assert schools == {record.school_id}, model
    client_login(client, world.oak_dsl)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert {a.incident_id for a in response.context["overdue_actions"]} == {late.pk}
    assert [d.incident_id for d in response.context["awaiting_signoff"]] == [late.pk]
    for table in ("incidents_action", "incidents_deletionrequest", "incidents_decision"):
        sql = [q["sql"] for q in ctx.captured_queries if f'FROM "{table}"' in q["sql"]]
        assert sql, table
        for statement in sql:
            where = statement.split(" WHERE ", 1)[1]
            # Filtered on the row's own school, not through a join to the incident's.
            own = f'"{table}"."school_id"'
            assert f"{own} = {world.oak.pk}" in where or f"{own} IN ({world.oak.pk})" in where, (
                statement
            )
            assert '"incidents_incident"."school_id"' not in where, statement
