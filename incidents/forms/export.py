"""The inspection pack's form: a date range and a format."""

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from incidents.forms.common import EARLIEST, CheckedText, DateInput

FORMAT_CHOICES = [
    ("pdf", "PDF, to print or hand to an inspector"),
    ("csv", "CSV, every incident's detail, one row each"),
    ("xlsx", "Excel workbook (.xlsx), the same rows as the CSV"),
]


def academic_year_start(today: date) -> date:
    """1 September of the current school year: the pack's default start."""
    year = today.year if today.month >= 9 else today.year - 1
    return date(year, 9, 1)


class InspectionPackForm(CheckedText, forms.Form):
    start = forms.DateField(
        label="From",
        widget=DateInput(),
        help_text="The first day of the period: incidents first disclosed on or after it.",
        error_messages={
            "required": "Enter the first day of the period.",
            "invalid": "Enter the first day as a date, for example 1 September 2026.",
        },
    )
    end = forms.DateField(
        label="To",
        widget=DateInput(),
        help_text="The last day of the period, included.",
        error_messages={
            "required": "Enter the last day of the period.",
            "invalid": "Enter the last day as a date, for example 31 July 2027.",
        },
    )
    format = forms.ChoiceField(
        choices=FORMAT_CHOICES, initial="pdf", widget=forms.RadioSelect, label="Format"
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("start"), cleaned.get("end")
        today = timezone.localdate()
        if start is not None:
            if start < EARLIEST:
                self.add_error("start", f"The first day must be after {EARLIEST:%-d %B %Y}.")
            elif start > today:
                self.add_error("start", "The first day cannot be in the future.")
        if start is not None and end is not None and "start" not in self.errors and end < start:
            self.add_error("end", "The last day must be on or after the first day.")
        return cleaned

    @classmethod
    def initial_for(cls, today: date) -> dict[str, Any]:
        return {"start": academic_year_start(today), "end": today, "format": "pdf"}
