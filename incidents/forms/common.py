"""Widgets and date checks shared by every form of the record: an impossible date is caught."""

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
