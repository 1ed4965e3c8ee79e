"""Every text field of the product refuses imagery written as text and direction controls.

The system must never hold imagery of young people, in any form (no file is ever accepted:
incidents.security.RefuseFilesMiddleware); a data: URI or a long run of base64 is a file
written out as text. Direction controls make text show in an order other than the one stored.
"""

import inspect
from base64 import b64encode

import pytest
from django import forms
from django.urls import reverse

import incidents.forms.concern
import incidents.forms.export
import incidents.forms.signing
import incidents.forms.steps
import incidents.views.dashboard
import incidents.views.home
from incidents.forms.common import (
    DIRECTION_CONTROLS,
    IMAGERY_AS_TEXT,
    CheckedText,
    refuse_direction_controls,
    refuse_imagery_as_text,
)
from incidents.models import Disclosure, Incident
from tests import wizard_data as d
from tests.conftest import client_login

PNG = "data:image/png;base64," + b64encode(bytes(range(256)) * 2).decode()
BASE64 = b64encode(bytes(range(256)) * 2).decode()
PROSE = (
    "She said a boy in her year sent her a picture on Snapchat and asked for one back; "
    "she told her tutor the next morning, before registration, and was upset. "
) * 40
IMAGERY = [
    PNG,
    "see data:image/jpeg;base64,/9j/4AAQSkZJRg==",
    "data:,hello",
    "DATA:text/plain;charset=utf-8,abc",
    "before " + BASE64[:200] + " after",
    "-".join([BASE64[:200].replace("+", "_").replace("/", "_")]),
    # Broken into lines as e-mail breaks it: no line is 200 long, the run is.
    "\n".join(BASE64[i : i + 76] for i in range(0, 456, 76)),
]
ACCEPTED = [
    PROSE,
    BASE64[:199],
    "https://www.tiktok.com/@someone/video/7301234567890123456?is_from_webapp=1&sender=abc",
    "The data: what was shared, when and with whom, as far as is known.",
    "Amelia\nBen\nChloe\n" * 80,  # a list of names, one a line
    "Ahmed محمد and יעל wrote in their own scripts.",
]
BIDI = ["\u202e", "\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069"]
BIDI += ["\u200e", "\u200f"]


@pytest.mark.parametrize("value", IMAGERY)
def test_it_refuses_imagery_written_as_text(value):
    with pytest.raises(forms.ValidationError, match="never holds imagery"):
        refuse_imagery_as_text(value)


@pytest.mark.parametrize("value", ACCEPTED, ids=range(len(ACCEPTED)))
def test_it_accepts_ordinary_text(value):
    refuse_imagery_as_text(value)
    refuse_direction_controls(value)


@pytest.mark.parametrize("control", BIDI, ids=lambda c: f"U+{ord(c):04X}")
def test_it_refuses_direction_controls(control):
    with pytest.raises(forms.ValidationError, match="direction"):
        refuse_direction_controls(f"Amelia {control}traH")


def product_forms():
    modules = (
        incidents.forms.concern,
        incidents.forms.export,
        incidents.forms.signing,
        incidents.forms.steps,
        incidents.views.dashboard,
        incidents.views.home,
    )
    return sorted(
        {
            cls
            for module in modules
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__
        },
        key=lambda cls: cls.__qualname__,
    )


def test_every_form_of_the_product_checks_its_text():
    assert len(product_forms()) >= 20
    assert [cls for cls in product_forms() if not issubclass(cls, CheckedText)] == []


# Through the pages ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_concern_form_refuses_an_image_beside_the_field_and_keeps_what_was_typed(client, world):
    client_login(client, world.oak_staff)
    typed = "She showed me this: " + PNG
    response = client.post(reverse("report_concern"), d.concern_data(account=typed))
    assert response.status_code == 200
    html = response.content.decode()
    assert IMAGERY_AS_TEXT.split(":")[0] in html
    assert typed[:60] in html
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_the_concern_form_refuses_direction_controls(client, world):
    client_login(client, world.oak_staff)
    data = d.concern_data(other_young_people="A boy called \u202enaD")
    response = client.post(reverse("report_concern"), data)
    assert response.status_code == 200
    assert DIRECTION_CONTROLS.split("(")[0].strip() in response.content.decode()
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_the_concern_form_takes_a_long_ordinary_account(client, world):
    client_login(client, world.oak_staff)
    response = client.post(reverse("report_concern"), d.concern_data(account=PROSE))
    assert response.status_code == 302
    assert Disclosure.objects.get().account == PROSE.strip()


@pytest.mark.django_db
def test_a_wizard_step_refuses_an_image_in_a_row_of_a_list(client, world):
    client_login(client, world.oak_staff)
    client.post(reverse("report_concern"), d.concern_data())
    incident = Incident.objects.get()
    client_login(client, world.oak_dsl)
    client.post(d.step_url(incident, "disclosure"), d.disclosure_data(incident.version))
    incident.refresh_from_db()
    young = d.young_person(vulnerability=BASE64[:300])
    response = client.post(d.step_url(incident, "people"), d.people_data(incident.version, [young]))
    assert response.status_code == 200
    html = response.content.decode()
    assert IMAGERY_AS_TEXT.split(":")[0] in html
    assert BASE64[:80] in html
    assert not incident.young_people.exists()
