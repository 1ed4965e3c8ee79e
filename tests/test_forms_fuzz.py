"""Generated input for every form: whatever is typed, the answer is never a server error."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents import wizard
from incidents.forms.concern import ConcernForm
from incidents.models import Incident
from incidents.record import incidents as record_incidents
from incidents.record import load as load_record
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
    # Decided yesterday: the factory dates the referral and the parents' contact after it.
    yesterday = timezone.now() - timedelta(days=1)
    incident = full_record(world.oak, world.oak_dsl, viewing_complete=True, decided_at=yesterday)
    client_login(client, world.oak_dsl)
    return incident


@contextmanager
def rolled_back():
    """Each generated example starts from the same record: hypothesis needs it repeatable."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def post_fuzz(client, incident, step_id, data, keep_version):
    current = Incident.objects.get(pk=incident.pk)
    step = wizard.get_step(step_id)
    names, management = names_of(step.forms(load_record(record_incidents().get(pk=current.pk))))
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
    with rolled_back():
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


def as_submitted(parts: dict) -> dict:
    """What a browser sends for the step's forms left as shown."""
    from django.forms import CheckboxInput

    names, data = names_of(parts)
    for part in parts.values():
        for form in part.forms if hasattr(part, "forms") else [part]:
            for bound in form:
                current = bound.value()
                if isinstance(bound.field.widget, CheckboxInput):
                    if current:
                        data[bound.html_name] = "on"
                    continue
                shown = bound.field.widget.format_value(current)
                if isinstance(shown, list):  # radios and selects give a list of one
                    shown = shown[0] if shown else ""
                data[bound.html_name] = "" if shown is None else str(shown)
    return data


@pytest.mark.parametrize("step_id", [s for s in wizard.STEP_IDS if s != "check"])
def test_it_saves_every_step_of_a_complete_record_submitted_unchanged(client, record, step_id):
    current = Incident.objects.get(pk=record.pk)
    step = wizard.get_step(step_id)
    body = as_submitted(step.forms(load_record(record_incidents().get(pk=current.pk))))
    body["version"] = str(current.version)
    if step_id == "imagery-devices":
        body["imagery-viewed"] = "yes"
    if step_id == "assessment":
        body["assessment-choice"] = "confirm"
    response = client.post(d.step_url(record, step_id), body)
    html = response.content.decode()
    assert response.status_code == 302, html[html.find("<main") :][:3000]


@pytest.mark.parametrize("step_id", [s for s in wizard.STEP_IDS if s != "check"])
@FUZZ
@given(data=st.data())
def test_it_never_fails_when_valid_input_is_changed(client, record, step_id, data):
    with rolled_back():
        response = change_and_post(client, record, step_id, data)
    assert response.status_code in (200, 302)


def change_and_post(client, record, step_id, data):
    current = Incident.objects.get(pk=record.pk)
    step = wizard.get_step(step_id)
    body = as_submitted(step.forms(load_record(record_incidents().get(pk=current.pk))))
    body["version"] = str(current.version)
    fields = [n for n in body if not n.endswith(MANAGEMENT) and n != "version"]
    for name in data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3), label="f"):
        body[name] = data.draw(value, label=name)
    return client.post(d.step_url(record, step_id), body)
