"""The DSL's form to put a deputy DSL in cover: who, from when (empty: now), until when, why."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from incidents.display import person_name
from incidents.forms.common import CheckedText, DateTimeInput
from incidents.models import User


class DeputyChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


class CoverForm(CheckedText, forms.Form):
    deputy = DeputyChoice(
        label="Deputy DSL who will cover",
        queryset=None,
        empty_label="Choose a deputy DSL",
        error_messages={
            "required": "Choose the deputy DSL who will cover for you",
            "invalid_choice": "Choose a deputy DSL of this school from the list",
        },
    )
    starts_at = forms.DateTimeField(
        label="From (optional)",
        required=False,
        help_text="Leave empty to start now.",
        widget=DateTimeInput(),
        error_messages={"invalid": "Enter a real date and time, for example 15/01/2027 08:00"},
    )
    ends_at = forms.DateTimeField(
        label="Until",
        help_text="At most 28 days after the start. The cover ends by itself then.",
        widget=DateTimeInput(),
        error_messages={
            "required": "Enter the date and time the cover ends",
            "invalid": "Enter a real date and time, for example 29/01/2027 17:00",
        },
    )
    reason = forms.CharField(
        label="Why",
        max_length=500,
        help_text="For example: the DSL's annual leave. Do not name a child.",
        widget=forms.TextInput(),
        error_messages={
            "required": "Say why the deputy is covering",
            "max_length": "Write no more than 500 characters",
        },
    )

    def __init__(self, *args: Any, deputies: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(DeputyChoice, self.fields["deputy"]).queryset = deputies
