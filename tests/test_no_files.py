"""No imagery, ever: no file field anywhere, and a request carrying a file is refused."""

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models

import incidents.forms
from tests.conftest import client_login

REFUSAL = "This service never accepts files."


def test_it_has_no_file_field_in_any_model():
    offending = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]
    assert offending == []


def all_form_classes():
    found = []
    for info in pkgutil.walk_packages(incidents.forms.__path__, "incidents.forms."):
        module = importlib.import_module(info.name)
        for _name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, forms.BaseForm) and obj.__module__ == module.__name__:
                found.append(obj)
    return found


def test_it_finds_the_forms_it_checks():
    assert len(all_form_classes()) >= 5


def test_it_has_no_file_field_in_any_form():
    offending = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in all_form_classes()
        for name, field in getattr(form, "base_fields", {}).items()
        if isinstance(field, forms.FileField)
        or isinstance(getattr(field, "widget", None), forms.ClearableFileInput | forms.FileInput)
    ]
    assert offending == []


def test_it_refuses_a_multipart_request_with_a_file(client, world):
    client_login(client, world.oak_staff)
    picture = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0fake", content_type="image/jpeg")
    response = client.post("/concerns/new/", {"account": "x", "photo": picture})
    assert response.status_code == 400
    assert REFUSAL in response.content.decode()


def test_it_refuses_a_file_even_without_signing_in(client, db):
    picture = SimpleUploadedFile("photo.png", b"\x89PNG....", content_type="image/png")
    response = client.post("/accounts/login/", {"username": "a", "password": "b", "f": picture})
    assert response.status_code == 400
    assert REFUSAL in response.content.decode()


@pytest.mark.parametrize("content_type", ["image/jpeg", "video/mp4", "application/octet-stream"])
def test_it_refuses_a_body_that_is_itself_a_media_file(client, db, content_type):
    response = client.post("/accounts/login/", b"\xff\xd8\xff", content_type=content_type)
    assert response.status_code == 400


def test_it_accepts_an_ordinary_multipart_form_without_a_file(client, db):
    response = client.post("/accounts/login/", {"username": "nobody", "password": "wrong-one"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_it_explains_the_refusal(client, db):
    picture = SimpleUploadedFile("a.gif", b"GIF89a", content_type="image/gif")
    body = client.post("/", {"f": picture}).content.decode()
    assert "Files are never accepted" in body
    assert "Nothing you sent has been stored" in body
