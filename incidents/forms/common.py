"""Widgets and date checks shared by every form of the record: an impossible date is caught."""

import re
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone

# Nothing in a record happened before this day; an earlier date is a typing slip (e.g. 0202).
EARLIEST = date(1990, 1, 1)
# A clock a few minutes fast on the user's machine is not an impossible date.
CLOCK_SKEW = timedelta(minutes=10)

# A choice field's choices as Django holds them once built from a model field: (value, label).
Choices = list[tuple[str, str]]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")


class Ticks(forms.CheckboxSelectMultiple):
    """Checkboxes whose ticked values may also come as one value with commas between (how the
    scenario writer posts them); a browser posts each ticked box on its own."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        given = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [part for value in given if value for part in str(value).split(",") if part]


def radios(**attrs: Any) -> forms.RadioSelect:
    return forms.RadioSelect(attrs=attrs)


def day_of(value: date | datetime) -> date:
    """The local calendar day of a date or an aware datetime."""
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def check_past(form: forms.BaseForm, field: str, what: str) -> None:
    """Add an error when a date or time is in the future or implausibly early."""
    value = form.cleaned_data.get(field)
    if value is None:
        return
    if isinstance(value, datetime):
        if value > timezone.now() + CLOCK_SKEW:
            form.add_error(field, f"{what} cannot be in the future.")
            return
    elif value > timezone.localdate():
        form.add_error(field, f"{what} cannot be in the future.")
        return
    if day_of(value) < EARLIEST:
        form.add_error(field, f"{what} must be after {EARLIEST:%-d %B %Y}: check the year.")


def check_not_before(
    form: forms.BaseForm, field: str, earliest: date | datetime | None, message: str
) -> None:
    """Add ``message`` to ``field`` when it is before ``earliest``.

    Two moments are compared to the minute, so times out of order on the same day are caught; a
    day against a moment (or a day) is compared by the day.
    """
    value = form.cleaned_data.get(field)
    if value is None or earliest is None or field in form.errors:
        return
    if isinstance(value, datetime) and isinstance(earliest, datetime):
        if value.replace(second=0, microsecond=0) < earliest.replace(second=0, microsecond=0):
            form.add_error(field, message)
    elif day_of(value) < day_of(earliest):
        form.add_error(field, message)


# Input the product refuses in any text field (docs/architecture.md#input-the-product-refuses).

# A data: URI (``data:image/png;base64,...``, ``data:,...``): a file written out as text.
_DATA_URI = re.compile(r"\bdata:(?:[a-z]+/[a-z0-9.+-]+)?(?:;[^\s,;]*)*,", re.IGNORECASE)
# A run of base64 (standard or URL-safe), possibly broken into lines as e-mail breaks it.
_BASE64_RUN = re.compile(r"(?:[A-Za-z0-9+/=_-]{60,}[ \t]*\r?\n)*[A-Za-z0-9+/=_-]+")
BASE64_RUN_LIMIT = 200
# Controls that reorder how text is shown (Unicode bidirectional embeddings, overrides,
# isolates and marks): text that reads one way on screen and another in the record.
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")

IMAGERY_AS_TEXT = (
    "This looks like an image or a file written out as text (a “data:” address or a long run "
    "of encoded characters). The service never holds imagery of young people, in any form: "
    "remove it and describe in words what you have been told the imagery shows."
)
DIRECTION_CONTROLS = (
    "This text holds invisible characters that change the direction in which text is shown "
    "(they often come with text copied from another document). Type the text here rather than "
    "pasting it."
)


def refuse_imagery_as_text(value: str) -> None:
    """Refuse a data: URI or a long run of base64: imagery must never be stored, even as text."""
    if _DATA_URI.search(value):
        raise forms.ValidationError(IMAGERY_AS_TEXT, code="imagery")
    for run in _BASE64_RUN.finditer(value):
        if len(run.group()) - run.group().count("\n") >= BASE64_RUN_LIMIT:
            raise forms.ValidationError(IMAGERY_AS_TEXT, code="imagery")


def refuse_direction_controls(value: str) -> None:
    """Refuse the characters that make text display in an order other than the one stored.

    Refused with a message rather than removed: the record is signed as typed, and the product
    never changes what a person wrote without telling them.
    """
    if _BIDI_CONTROLS.search(value):
        raise forms.ValidationError(DIRECTION_CONTROLS, code="direction_controls")


TEXT_VALIDATORS = (refuse_imagery_as_text, refuse_direction_controls)


class CheckedText:
    """Mixed first into every form of the product: each text field refuses imagery written as
    text and direction controls, with the message beside the field (what was typed is shown
    back). A password is not text the product keeps, and is left alone."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and not isinstance(
                field.widget, forms.PasswordInput
            ):
                # Each form has its own copy of its fields, and of their validators.
                field.validators.extend(TEXT_VALIDATORS)
