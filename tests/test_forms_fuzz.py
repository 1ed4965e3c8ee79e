"""Generated input for every form: whatever is typed, the answer is never a server error."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents import wizard
from incidents.forms.concern import ConcernForm
from incidents.models import Incident
from tests import wizard_data as d
from tests.conftest import client_login
from tests.factories import full_record

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
MANAGEMENT = ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")

# Text a browser could send: anything but lone surrogates, which no client can encode.
typed = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
tricky = st.sampled_from(
    [
        "",
        "yes",
        "no",
        "unknown",
        "on",
        "0",
        "-1",
        "17",
        "18",
        "99999999999999999999",
        "2026-02-30",
        "2999-01-01",
        "0001-01-01",
        "9999-12-31",
        "9999-12-31T23:59",
        "0001-01-01T00:00",
        "1990-01-01T00:00",
        f"{d.TODAY:%Y-%m-%d}",
        f"{d.TODAY:%Y-%m-%d}T00:00",
        "2026-03-29T01:30",  # the hour that does not exist in London (clocks go forward)
        "2026-10-25T01:30",  # the hour that happens twice
        "child",
        "referred",
        "handled_in_school",
        "mash",
        "unavoidable",
        "aggravated",
        "romantic",
        "override",
        "confirm",
        "\x00",
        "<script>alert(1)</script>",
    ]
)
value = st.one_of(typed, tricky)


def names_of(parts: dict) -> tuple[list[str], dict]:
    """Every field name of a step's forms, and valid management data for its formsets."""
    names, management = [], {}
    for part in parts.values():
        forms = part.forms if hasattr(part, "forms") else [part]
        if hasattr(part, "forms"):
            management.update(d.management(part.prefix, len(part.forms), part.initial_form_count()))
        for form in forms:
            names += [form.add_prefix(name) for name in form.fields]
    return names, management


@pytest.fixture
def record(client, world):
    incident = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    client_login(client, world.oak_dsl)
    return incident


def post_fuzz(client, incident, step_id, data, keep_version):
    current = Incident.objects.get(pk=incident.pk)
    step = wizard.get_step(step_id)
    names, management = names_of(step.forms(wizard.load(current)))
    body = {name: data.draw(value, label=name) for name in names}
    body.update(management)
    if keep_version:
        body["version"] = str(current.version)
    else:
        body["version"] = data.draw(value, label="version")
    return client.post(d.step_url(incident, step_id), body)


@pytest.mark.parametrize("step_id", [s for s in wizard.STEP_IDS if s != "check"])
@FUZZ
@given(data=st.data(), keep_version=st.booleans())
def test_it_never_fails_on_generated_step_input(client, record, step_id, data, keep_version):
    response = post_fuzz(client, record, step_id, data, keep_version)
    assert response.status_code in (200, 302, 409)


@FUZZ
@given(data=st.data())
def test_it_never_fails_on_generated_concern_input(client, world, data):
    client_login(client, world.oak_staff)
    body = {name: data.draw(value, label=name) for name in ConcernForm().fields}
    response = client.post(reverse("report_concern"), body)
    assert response.status_code in (200, 302)


@FUZZ
@given(data=st.data())
def test_it_never_fails_on_generated_preview_input(client, record, data):
    from incidents.models import FACT_FIELDS

    body = {f"review-{name}": data.draw(value, label=name) for name in FACT_FIELDS}
    response = client.post(reverse("assessment_preview", args=[record.reference]), body)
    assert response.status_code == 200
