"""The incident list's filters: what a reader may narrow the list by, in the query string.

Only codes and dates travel in the URL: a category, a stage, two yes/no flags, a date range and
(for the trust safeguarding lead) a school's slug. Never a young person's name: that is
searched in a POST body (``SearchForm``).
"""

from typing import Any, cast

from django import forms

from incidents import rules
from incidents.forms.common import EARLIEST, CheckedText
from incidents.models import Status
from incidents.queries import NOT_ASSESSED

CATEGORY_CHOICES = [
    ("", "Any category"),
    *rules.CATEGORY_LABELS.items(),
    (NOT_ASSESSED, "Not assessed yet"),
]


class FilterDateInput(forms.DateInput):
    """The browser's own date field: this form travels in the address, so nothing can be typed
    into it but a date (the product's other date fields are text: ``forms.common.DateInput``)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class IncidentFilterForm(CheckedText, forms.Form):
    """Bound to ``request.GET``; a value that is not one of ours is reported beside its field
    and the list is shown without that filter."""

    category = forms.ChoiceField(label="Category", choices=CATEGORY_CHOICES, required=False)
    stage = forms.ChoiceField(
        label="Stage",
        choices=[("", "Any stage"), *Status.choices],
        required=False,
        error_messages={
            "invalid_choice": "That stage does not exist: showing incidents at every stage."
        },
    )
    overdue = forms.BooleanField(label="Deletion or action overdue", required=False)
    signoff = forms.BooleanField(label="Awaiting the headteacher's sign-off", required=False)
    disclosed_from = forms.DateField(
        label="Disclosed from", required=False, widget=FilterDateInput()
    )
    disclosed_to = forms.DateField(label="Disclosed to", required=False, widget=FilterDateInput())
    school = forms.ChoiceField(label="School", choices=[], required=False)

    def __init__(
        self,
        *args: Any,
        schools: list[tuple[str, str]] | None = None,
        blank: str = "The current school",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if schools:
            cast(forms.ChoiceField, self.fields["school"]).choices = [
                ("", blank),
                *schools,
            ]
        else:
            del self.fields["school"]
        for name, field in self.fields.items():
            # The filter bar shows no hints (CheckedText gives dates one): nothing to point at.
            field.help_text = ""
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if isinstance(field.widget, forms.CheckboxInput):
                continue
            field.widget.attrs["class"] = f"{css} {css}-sm"
            if self.is_bound and name in self.errors:
                field.widget.attrs["aria-describedby"] = f"id_{name}-error"
                field.widget.attrs["class"] += " is-invalid"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("disclosed_from"), cleaned.get("disclosed_to")
        for name in ("disclosed_from", "disclosed_to"):
            value = cleaned.get(name)
            if value is not None and value < EARLIEST:
                self.add_error(name, f"Enter a date after {EARLIEST:%-d %B %Y}: check the year.")
        if start and end and end < start and "disclosed_to" not in self.errors:
            self.add_error("disclosed_to", "The end of the range must not be before its start.")
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The valid filters, by name; a field in error is left out (never a 500)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            name: value
            for name, value in data.items()
            if name not in self.errors and value not in ("", None, False)
        }
