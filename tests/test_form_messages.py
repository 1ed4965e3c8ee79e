"""Every refusal says what to fix (issue 14): no field of any form answers with Django's own
"This field is required."; a date that is not real says so and keeps what was typed; the
sign-in error is said once, in British wording; a code used twice, a code tried too soon after
a wrong one and a locked-out sign-in each explain themselves."""

import importlib
import inspect
import pkgutil
import re
from datetime import date, timedelta

import pytest
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

import incidents.forms
from incidents.forms.common import DATE_INVALID, DATETIME_INVALID, CheckedText
from incidents.models import Action, Incident, User
from incidents.views.auth import USED_CODE
from tests.conftest import fresh_totp_code, totp_device
from tests.wizard_data import concern_data

pytestmark = pytest.mark.django_db

DJANGO_WORDS = (
    "This field is required",
    "Select a valid choice",
    "Enter a valid date",
    "Enter a valid date/time",
    "Ensure this value",
    "Please enter a correct",
)
MODULES = [
    importlib.import_module(f"incidents.forms.{m.name}")
    for m in pkgutil.iter_modules(incidents.forms.__path__)
] + [importlib.import_module(m) for m in ("incidents.views.home", "incidents.views.dashboard")]


def form_classes():
    seen = {}
    for module in MODULES:
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, forms.BaseForm)
                and cls.__module__ == module.__name__
                and hasattr(cls, "base_fields")
                # A model form's abstract base (no model of its own) is not a form to fill.
                and not (issubclass(cls, forms.ModelForm) and cls._meta.model is None)
            ):
                seen[f"{cls.__module__}.{cls.__name__}"] = cls
    return sorted(seen.items())


FORMS = form_classes()


def build(cls, data, world, incident):
    """``cls`` bound to ``data``, with whatever its constructor asks for."""
    values = {
        "incident": incident,
        "result": None,
        "requirements": None,
        "queryset": User.objects.none(),
        "actions": Action.objects.none(),
        "people": User.objects.none(),
        "deputies": User.objects.none(),
        "user": world.oak_dsl,
        "today": timezone.localdate(),
        "school": world.oak,
        "reporter": world.oak_staff,
        "needs_signoff": True,
    }
    # Keyword-only arguments anywhere along the classes (a subclass passes **kwargs up).
    wanted = {
        name
        for klass in cls.__mro__
        if "__init__" in vars(klass)
        for name, p in inspect.signature(klass.__init__).parameters.items()
        if p.kind is p.KEYWORD_ONLY
    }
    kwargs = {name: values[name] for name in wanted if name in values}
    # The first positional parameter named along the classes (a user, or a request).
    first = [
        name
        for klass in cls.__mro__
        if "__init__" in vars(klass)
        for name, p in list(inspect.signature(klass.__init__).parameters.items())[1:2]
        if p.kind is p.POSITIONAL_OR_KEYWORD
    ]
    if first and first[0] == "user":
        return cls(world.oak_dsl, data, **kwargs)
    if first and first[0] == "request":
        return cls(None, data=data, **kwargs)
    return cls(data, **kwargs)


def test_the_walk_finds_every_form():
    names = {name.rsplit(".", 1)[1] for name, _ in FORMS}
    assert {"ConcernForm", "YoungPersonForm", "SignInForm", "InspectionPackForm"} <= names
    assert len(FORMS) >= 40
    assert all(issubclass(cls, CheckedText) for _, cls in FORMS), [
        name for name, cls in FORMS if not issubclass(cls, CheckedText)
    ]


@pytest.mark.parametrize(("name", "cls"), FORMS, ids=[name for name, _ in FORMS])
def test_no_field_of_any_form_answers_in_djangos_words(name, cls, world, incident):
    form = build(cls, {}, world, incident)
    form.is_valid()
    # Every field's messages, asked for or not: what each would say.
    for field_name, field in form.fields.items():
        for code, message in field.error_messages.items():
            assert not str(message).startswith(DJANGO_WORDS), (field_name, code, message)
    said = [str(e) for errors in form.errors.values() for e in errors]
    for message in said:
        assert not message.startswith(DJANGO_WORDS), message


def test_a_required_message_says_what_to_do_from_the_label(world, incident):
    from incidents.forms.concern import ConcernForm
    from incidents.forms.steps import DeletionRequestForm, ViewingForm

    errors = ConcernForm({}).errors
    assert errors["account"] == ["Enter what the child (or the person disclosing) said."]
    assert errors["child_action"] == [
        "Choose an answer to “Is the child disclosing receiving, sending or sharing an image?”"
    ]
    assert errors["incident_date"] == [
        "Enter when the imagery was made or shared, for example 27 3 2026."
    ]
    viewing = ViewingForm({}, incident=incident).errors
    assert viewing["ground"] == ["Choose an answer to “On which ground was it viewed?”"]
    deletion = DeletionRequestForm({}, incident=incident).errors
    assert deletion["young_person"] == ["Choose young person asked to delete the imagery."]


def test_a_message_a_form_set_itself_is_kept(world, incident):
    from incidents.forms.steps import InitialReviewForm, ParentContactForm

    assert ParentContactForm({}, incident=incident).errors["informed"] == [
        "Say whether the parents or carers have been informed."
    ]
    assert InitialReviewForm({}, incident=incident).errors["adult_involved"] == [
        "Answer yes, no or not known."
    ]


# Dates ---------------------------------------------------------------------------------------


def date_fields(native=False):
    """Every date field typed as text; with ``native``, those left to the browser's date field
    (only the list's filters, which travel in the address: nothing but a date may be typed)."""
    for name, cls in FORMS:
        for field_name, field in cls.base_fields.items():
            dated = isinstance(field, forms.DateField | forms.DateTimeField)
            if dated and (field.widget.input_type == "date") is native:
                yield pytest.param(cls, field_name, id=f"{name}.{field_name}")


def test_only_the_lists_filters_keep_the_browsers_date_field():
    assert {p.values[0].__name__ for p in date_fields(native=True)} == {"IncidentFilterForm"}
    assert len(list(date_fields())) >= 25


@pytest.mark.parametrize(("cls", "field_name"), list(date_fields()))
@pytest.mark.parametrize("typed", ["31/02/2026", "2026-02-31", "next tuesday"])
def test_every_date_field_says_a_date_is_not_real_and_keeps_it(
    cls, field_name, typed, world, incident
):
    form = build(cls, {field_name: typed}, world, incident)
    prefix = form.add_prefix(field_name)
    form = build(cls, {prefix: typed}, world, incident)
    form.is_valid()
    field = form.fields[field_name]
    expected = DATETIME_INVALID if isinstance(field, forms.DateTimeField) else DATE_INVALID
    own = cls.base_fields[field_name].error_messages.get("invalid")
    assert form.errors[field_name] == [str(own) if own and "for example" in str(own) else expected]
    html = str(form[field_name])
    assert 'type="text"' in html
    assert f'value="{typed}"' in html


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("27/3/2026", date(2026, 3, 27)),
        ("27 3 2026", date(2026, 3, 27)),
        ("27-03-2026", date(2026, 3, 27)),
        ("27 March 2026", date(2026, 3, 27)),
        ("2026-03-27", date(2026, 3, 27)),
    ],
)
def test_a_date_is_read_as_people_write_it(typed, expected):
    from incidents.forms.export import InspectionPackForm

    form = InspectionPackForm({"start": typed, "end": typed, "format": "pdf"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["start"] == expected


def test_a_date_and_time_is_read_as_people_write_it():
    from incidents.forms.concern import ConcernForm

    for typed in ("2/3/2026 14:30", "2 3 2026 14:30", "2026-03-02T14:30", "2/3/2026 at 14.30"):
        form = ConcernForm(concern_data(incident_date="1/3/2026", disclosed_at=typed))
        assert form.is_valid(), (typed, form.errors)
        assert timezone.localtime(form.cleaned_data["disclosed_at"]).strftime("%H:%M") == "14:30"


def test_the_concern_page_keeps_an_impossible_date_as_typed(client, world):
    from tests.conftest import client_login

    client_login(client, world.oak_staff)
    response = client.post(
        reverse("report_concern"),
        concern_data(incident_date="31/02/2026", disclosed_at="2026-02-31T10:00"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="31/02/2026"' in html and 'value="2026-02-31T10:00"' in html
    assert "Enter a real date, for example 27 3 2026." in html
    assert "Enter a real date and a time, for example 27 3 2026 14:30." in html
    assert "This field is required" not in html
    assert Incident.objects.count() == 0


# Signing in ----------------------------------------------------------------------------------

LOGIN = "/accounts/login/"
VERIFY = "/accounts/two-factor/"
WRONG_LOGIN = "Enter a correct username and password. Both are case-sensitive."


def test_a_wrong_password_is_said_once_in_british_wording(client, world):
    response = client.post(LOGIN, {"username": "oak-dsl", "password": "wrong"})
    html = response.content.decode()
    assert html.count(WRONG_LOGIN) == 1
    assert "Please enter" not in html


def test_an_empty_sign_in_says_what_to_enter(client, world):
    html = client.post(LOGIN, {"username": "", "password": ""}).content.decode()
    assert "Enter username." in html and "Enter password." in html
    assert "This field is required" not in html


def test_a_code_already_used_is_refused_with_why(client, world):
    device = totp_device(world.oak_dsl)
    code = fresh_totp_code(device)
    client.post(LOGIN, {"username": "oak-dsl", "password": world.password})
    assert client.post(VERIFY, {"otp_token": code}).status_code == 302
    client.post(reverse("logout"))
    client.post(LOGIN, {"username": "oak-dsl", "password": world.password})
    response = client.post(VERIFY, {"otp_token": code})
    assert USED_CODE.replace("'", "&#x27;") in response.content.decode()
    assert client.get("/").status_code == 302


def test_a_wrong_code_is_not_called_used(client, world):
    device = totp_device(world.oak_dsl)
    right = fresh_totp_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    client.post(LOGIN, {"username": "oak-dsl", "password": world.password})
    html = client.post(VERIFY, {"otp_token": wrong}).content.decode()
    assert "That code is not right." in html
    assert "already been used" not in html


def test_a_right_code_too_soon_after_a_wrong_one_says_how_long_to_wait(client, world):
    device = totp_device(world.oak_dsl)
    client.post(LOGIN, {"username": "oak-dsl", "password": world.password})
    # Two wrong codes just now: the next try must wait 2 seconds.
    device.throttling_failure_count = 2
    device.throttling_failure_timestamp = timezone.now()
    device.save()
    html = client.post(VERIFY, {"otp_token": fresh_totp_code(device)}).content.decode()
    assert "A wrong code was entered a moment ago, so this one was not checked" in html
    assert "Wait 2 seconds, then enter the code your app shows." in html
    assert "ask your school&#x27;s DSL or your system administrator" in html
    assert client.get("/").status_code == 302


def test_a_locked_out_sign_in_says_how_long_to_wait_and_whom_to_ask(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "oak-staff", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    response = client.post(
        LOGIN, {"username": "oak-staff", "password": world.password}, REMOTE_ADDR="10.0.0.9"
    )
    html = response.content.decode()
    assert response.status_code == 429
    minutes = int(settings.AXES_COOLOFF_TIME / timedelta(minutes=1))
    assert f"Wait {minutes} minutes, then sign in again." in html
    assert "Ask your school's DSL or your system administrator" in html
    assert re.search(r'href="/accounts/login/">Back to sign in</a>', html)
    assert "oak-staff" not in html
