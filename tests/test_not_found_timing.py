"""A record of another school and a reference that does not exist: the same work, the same 404.

How long the answer takes must not tell an outsider whether a reference exists
(incidents.access.get_incident_for_user): both take the same queries, of the same shape.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import AuditEvent
from tests.conftest import client_login

pytestmark = pytest.mark.django_db


def shapes(queries):
    """Each query's SQL with its values taken out."""
    out = []
    for query in queries.captured_queries:
        sql = re.sub(r"'(?:[^']|'')*'", "?", query["sql"])
        sql = re.sub(r'"s\d+_x\d+"', "savepoint", sql)  # the savepoint's own name
        # A NULL is a value too: no incident to name in the audit event.
        out.append(re.sub(r"\b(?:\d+(?:\.\d+)?|NULL)\b", "?", sql))
    return out


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        # The record's PDF is asked for by POST (then prepared by a task worker).
        response = client.post(url) if url.endswith(".pdf") else client.get(url)
    assert response.status_code == 404
    return queries


@pytest.mark.parametrize("page", ["", "export.pdf", "steps/", "sign/", "access/"])
def test_another_schools_record_and_no_record_take_the_same_queries(client, world, incident, page):
    client_login(client, world.elm_dsl)
    client.get("/")  # the session's first request settles its own writes
    other = queries_for(client, f"/incidents/{incident.reference}/{page}")
    missing = queries_for(client, f"/incidents/OAK-2026-9999/{page}")
    assert len(other) == len(missing)
    assert shapes(other) == shapes(missing)
    # Both are audited, the first with the record it names.
    refused = AuditEvent.objects.filter(action="incident.access_refused").order_by("pk")
    assert [e.incident_id for e in refused] == [incident.pk, None]


def test_the_same_holds_for_someone_with_no_role_anywhere(client, world, incident):
    client_login(client, world.sysadmin)
    client.get("/")
    other = queries_for(client, f"/incidents/{incident.reference}/")
    missing = queries_for(client, "/incidents/OAK-2026-9999/")
    assert shapes(other) == shapes(missing)
