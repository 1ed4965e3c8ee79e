"""Each step page costs the same number of queries with 5 or 50 incidents in the school."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.wizard import STEP_IDS
from tests import wizard_data as d
from tests.conftest import client_login
from tests.factories import full_record, reported_concern

# A step page reads the record once (one-to-ones joined, lists prefetched) plus the session,
# the user, the second factor, the rules' result and the steps saved: a fixed budget.
BUDGET = 40


def queries_for(client, incident, step) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(d.step_url(incident, step))
    assert response.status_code == 200, (step, response.status_code)
    return len(ctx.captured_queries)


def test_it_reads_each_step_in_a_fixed_number_of_queries(client, world):
    # One school for every step (each step's page is read with 5 and with 50 incidents in it):
    # records are written through the wizard, so the school is built once, not once per step.
    # A step page shows one record: the school's other incidents are concerns just reported.
    incident = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    for _ in range(4):
        reported_concern(world.oak, world.oak_staff)
    client_login(client, world.oak_dsl)
    few = {step: queries_for(client, incident, step) for step in STEP_IDS}
    for _ in range(45):
        reported_concern(world.oak, world.oak_staff)
    # After a minute the next request renews the session (a write made once a minute): make
    # that request first, then count.
    client.get(d.step_url(incident, STEP_IDS[0]))
    many = {step: queries_for(client, incident, step) for step in STEP_IDS}
    assert few == many
    assert {step: count for step, count in many.items() if count > BUDGET} == {}
