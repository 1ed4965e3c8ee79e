"""Each step page costs the same number of queries with 5 or 50 incidents in the school."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.wizard import STEP_IDS
from tests import wizard_data as d
from tests.conftest import client_login
from tests.factories import full_record

# A step page reads the record once (one-to-ones joined, lists prefetched) plus the session,
# the user, the second factor, the rules' result and the steps saved: a fixed budget.
BUDGET = 40


def queries_for(client, incident, step) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(d.step_url(incident, step))
    assert response.status_code == 200, (step, response.status_code)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("step", STEP_IDS)
def test_it_reads_a_step_in_a_fixed_number_of_queries(client, world, step):
    incident = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    for _ in range(4):
        full_record(world.oak, world.oak_dsl)
    client_login(client, world.oak_dsl)
    few = queries_for(client, incident, step)
    for _ in range(45):
        full_record(world.oak, world.oak_dsl)
    many = queries_for(client, incident, step)
    assert few == many
    assert many <= BUDGET, many
