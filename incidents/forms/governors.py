"""The governors' report: the term, the DSL's own section, and the flagged items left out."""

from datetime import date
from typing import Any

from django import forms

from incidents import stats
from incidents.forms.common import CheckedText

SUMMARY_LIMIT = 3000
TERMS_OFFERED = 6


def term_choices(today: date) -> list[tuple[str, str]]:
    """The current term and the five before it, newest first."""
    return [(t.key, t.label) for t in reversed(stats.terms_until(today, TERMS_OFFERED))]


class GovernorsReportForm(CheckedText, forms.Form):
    term = forms.ChoiceField(
        label="Term", error_messages={"invalid_choice": "Choose one of the terms listed."}
    )
    summary = forms.CharField(
        label="Your section for the governors",
        help_text=(
            "A short account of the term in your words: themes, training, what changed. "
            "Never a child's name or anything that points at one child."
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=SUMMARY_LIMIT,
        required=False,
        error_messages={"max_length": f"Keep it to {SUMMARY_LIMIT} characters or fewer."},
    )
    omit = forms.MultipleChoiceField(
        label="Items that name a young person: leave them out of the report",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        today: date,
        flagged_items: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        term = self.fields["term"]
        assert isinstance(term, forms.ChoiceField)
        term.choices = term_choices(today)
        omit = self.fields["omit"]
        assert isinstance(omit, forms.MultipleChoiceField)
        if flagged_items:
            omit.choices = flagged_items
        else:
            del self.fields["omit"]

    def cleaned_term(self) -> stats.Term:
        term = stats.parse_term(self.cleaned_data["term"])
        assert term is not None  # one of the choices, each a term's key
        return term
