"""Widgets, messages and date checks shared by every form: an impossible date is caught, and
every refusal says what to fix."""

import re
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone

# Nothing in a record happened before this day; an earlier date is a typing slip (e.g. 0202).
EARLIEST = date(1990, 1, 1)
# A clock a few minutes fast on the user's machine is not an impossible date.
CLOCK_SKEW = timedelta(minutes=10)

# A choice field's choices as Django holds them once built from a model field: (value, label).
Choices = list[tuple[str, str]]


# Dates are typed as text, day first, in any of the ways people write them; the ISO form is
# taken too (what a browser's own date field sends, and what scripts and tests write). A text
# box, not the browser's date field: that one sends nothing for 31/02, so the server could
# neither say what was wrong nor show back what was typed.
DATE_INPUT_FORMATS = [
    "%d/%m/%Y",
    "%d %m %Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%Y-%m-%d",
]
TIME_INPUT_FORMATS = ["%H:%M", "%H.%M", "%H:%M:%S"]
DATETIME_INPUT_FORMATS = [
    f"{day}{between}{time}"
    for day in DATE_INPUT_FORMATS
    for between in (" ", " at ", ", ")
    for time in TIME_INPUT_FORMATS
] + ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
DATE_EXAMPLE = "27 3 2026"
DATE_INVALID = f"Enter a real date, for example {DATE_EXAMPLE}."
DATETIME_INVALID = f"Enter a real date and a time, for example {DATE_EXAMPLE} 14:30."
TIME_INVALID = "Enter a real time, for example 14:30."
DATE_HINT = f"Day, month and year, for example {DATE_EXAMPLE}."
DATETIME_HINT = f"Day, month, year and time (24-hour clock), for example {DATE_EXAMPLE} 14:30."


class DateInput(forms.DateInput):
    """A day typed as text (``DATE_INPUT_FORMATS``); shown back exactly as typed when refused."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            attrs={"autocomplete": "off", "spellcheck": "false", **(attrs or {})},
            format="%d/%m/%Y",
        )


class DateTimeInput(forms.DateTimeInput):
    """A day and a time typed as text (``DATETIME_INPUT_FORMATS``), shown back as typed."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            attrs={"autocomplete": "off", "spellcheck": "false", **(attrs or {})},
            format="%d/%m/%Y %H:%M",
        )


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


# Any text box without a limit of its own: room for a long account in a person's words, while a
# whole form stays well inside the largest body the server reads
# (settings.DATA_UPLOAD_MAX_MEMORY_SIZE); the browser stops typing at the limit (``maxlength``),
# so nothing typed is lost to a refused request.
TEXT_LIMIT = 10_000

# Django's own words, replaced where a form has not said something better.
_DJANGO_FIELDS = (
    forms.Field,
    forms.CharField,
    forms.ChoiceField,
    forms.MultipleChoiceField,
    forms.ModelChoiceField,
    forms.ModelMultipleChoiceField,
    forms.DateField,
    forms.DateTimeField,
    forms.TimeField,
    forms.EmailField,
    forms.IntegerField,
    forms.DecimalField,
)


@cache
def _django_messages() -> frozenset[str]:
    """Read once the app is running (Django's messages are translated lazily)."""
    return frozenset(
        str(message) for cls in _DJANGO_FIELDS for message in cls.default_error_messages.values()
    )


def _phrase(label: str) -> str:
    """A label as it reads inside a sentence: its first letter lower case, unless the first
    word is an abbreviation ("DSL", "UPN")."""
    label = label.strip().rstrip(":").strip()
    first = label.split(" ", 1)[0]
    if len(first) > 1 and first[:2].isupper():
        return label
    return label[:1].lower() + label[1:]


_IMPERATIVES = frozenset({"Choose", "Enter", "Give", "Say", "Select", "Type", "Write"})


def _is_choice(field: forms.Field) -> bool:
    return isinstance(field, forms.ChoiceField | forms.ModelChoiceField) or isinstance(
        field.widget, forms.Select | forms.RadioSelect | forms.CheckboxSelectMultiple
    )


def required_message(field: forms.Field, name: str) -> str:
    """What to do about an empty required field, in words taken from its label and kind:
    "Enter ..." for what is typed, "Choose ..." for what is picked, "Tick ..." for a box."""
    if field.widget.is_hidden:
        return "Something the page sends was missing: reload the page and try again."
    label = str(field.label or name.replace("_", " ")).strip()
    question = label.endswith("?")
    if isinstance(field, forms.BooleanField):
        return f"Tick “{label}” to go on."
    if label.split(" ", 1)[0] in _IMPERATIVES:
        # The label already says what to do ("Choose a password").
        return label if label.endswith((".", "?")) else f"{label}."
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return f"Choose at least one: “{label}”." if question else f"Choose {_phrase(label)}."
    if question and _is_choice(field):
        return f"Choose an answer to “{label}”"
    if isinstance(field.widget, forms.RadioSelect):
        return f"Choose an answer for “{label}”."
    if _is_choice(field):
        return f"Choose {_phrase(label)}."
    if isinstance(field, forms.DateTimeField):
        return (
            f"Enter the date and time: {_phrase(label)}."
            if question
            else (f"Enter {_phrase(label)}, for example {DATE_EXAMPLE} 14:30.")
        )
    if isinstance(field, forms.DateField):
        return (
            f"Enter the date: {_phrase(label)}."
            if question
            else (f"Enter {_phrase(label)}, for example {DATE_EXAMPLE}.")
        )
    return f"Answer “{label}”" if question else f"Enter {_phrase(label)}."


def say_what_to_fix(field: forms.Field, name: str) -> None:
    """Replace Django's generic messages on ``field`` with ones that say what to fix; a message
    a form set itself is kept."""
    messages = field.error_messages

    def replace(code: str, message: str, *, when_absent: bool = False) -> None:
        # Absent, a validator's own words apply (``MaxLengthValidator``'s, for one).
        if (code not in messages and when_absent) or str(messages.get(code)) in _django_messages():
            messages[code] = message

    if "required" not in messages or str(messages["required"]) in _django_messages():
        messages["required"] = required_message(field, name)
    # Never the value back in a message (it could be anything): what to do instead.
    replace("invalid_choice", "Choose one of the options listed.")
    replace("invalid_list", "Choose one or more of the options listed.")
    replace("invalid_pk_value", "Choose one of the options listed.")
    if isinstance(field, forms.CharField):
        if field.max_length is not None:
            replace(
                "max_length",
                f"Shorten this to {field.max_length:,} characters or fewer "
                "(it has %(show_value)d).",
                when_absent=True,
            )
        replace(
            "min_length",
            "Enter at least %(limit_value)d characters (it has %(show_value)d).",
            when_absent=True,
        )
    replace("invalid", _invalid_message(field), when_absent=isinstance(field, forms.EmailField))


def _invalid_message(field: forms.Field) -> str:
    if isinstance(field, forms.DateTimeField):
        return DATETIME_INVALID
    if isinstance(field, forms.DateField):
        return DATE_INVALID
    if isinstance(field, forms.TimeField):
        return TIME_INVALID
    if isinstance(field, forms.EmailField):
        return "Enter an e-mail address in the form name@example.org."
    if isinstance(field, forms.IntegerField):
        return "Enter a whole number, like 14."
    return "Check what you entered here: it is not in the form expected."


class CheckedText:
    """Mixed first into every form of the product.

    - Each text field refuses imagery written as text and direction controls, with the message
      beside the field (what was typed is shown back). A password is not text the product
      keeps, and is left alone.
    - A text field with no limit of its own gets ``TEXT_LIMIT``, said to the browser too.
    - Dates and times are read as people type them (``DATE_INPUT_FORMATS``); one that is not a
      real date says so and is shown back as typed.
    - Every message Django would give in its own words ("This field is required.") says what
      to fix instead, from the field's label and kind (``say_what_to_fix``), checked just before
      validation, so labels and requirements a form sets after this mixin count.
    """

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and not isinstance(
                field.widget, forms.PasswordInput
            ):
                # Each form has its own copy of its fields, and of their validators.
                field.validators.extend(TEXT_VALIDATORS)
                if field.max_length is None and not field.widget.is_hidden:
                    field.max_length = TEXT_LIMIT
                    field.validators.append(MaxLengthValidator(TEXT_LIMIT))
                    field.widget.attrs.setdefault("maxlength", str(TEXT_LIMIT))
            if isinstance(field, forms.DateTimeField):
                field.input_formats = DATETIME_INPUT_FORMATS
                _hint(field, DATETIME_HINT)
            elif isinstance(field, forms.DateField):
                field.input_formats = DATE_INPUT_FORMATS
                _hint(field, DATE_HINT)

    def full_clean(self) -> None:
        for name, field in self.fields.items():
            say_what_to_fix(field, name)
        super().full_clean()  # type: ignore[misc]


def _hint(field: forms.Field, hint: str) -> None:
    """Say how to type a date beside it (typed as text: the format is not obvious)."""
    if field.widget.is_hidden or hint in str(field.help_text):
        return
    field.help_text = f"{field.help_text} {hint}".strip() if field.help_text else hint
