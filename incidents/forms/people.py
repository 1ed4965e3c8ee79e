"""Forms of the people pages: confirming a role, deactivating a leaver, reassigning an action.

Each chooses among rows the view offers (any other id is an invalid choice, shown beside the
field): nothing here is typed but a choice.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from incidents.display import person_name
from incidents.forms.common import CheckedText
from incidents.models import Action, Membership, User


class ConfirmRoleForm(CheckedText, forms.Form):
    membership: forms.ModelChoiceField[Membership] = forms.ModelChoiceField(
        queryset=None, widget=forms.HiddenInput
    )
    decision = forms.ChoiceField(
        choices=[("confirm", "Confirm"), ("refuse", "Refuse")], widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, queryset: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[Membership]", self.fields["membership"])
        field.queryset = queryset
        field.error_messages["invalid_choice"] = (
            "That role is not waiting for your confirmation (someone may have dealt with it)."
        )


class DeactivateForm(CheckedText, forms.Form):
    person: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        queryset=None, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, queryset: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[User]", self.fields["person"])
        field.queryset = queryset
        field.error_messages["invalid_choice"] = "Choose someone of this school from the list."


class ReassignForm(CheckedText, forms.Form):
    action: forms.ModelChoiceField[Action] = forms.ModelChoiceField(
        queryset=None, widget=forms.HiddenInput
    )
    to: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label="Give this action to", queryset=None, empty_label="Choose someone"
    )

    def __init__(
        self,
        *args: Any,
        actions: QuerySet[Action],
        people: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        action = cast("forms.ModelChoiceField[Action]", self.fields["action"])
        action.queryset = actions
        action.error_messages["invalid_choice"] = "That action is no longer open."
        to = cast("forms.ModelChoiceField[User]", self.fields["to"])
        to.queryset = people
        to.label_from_instance = lambda obj: person_name(obj)  # type: ignore[method-assign]
        to.error_messages["invalid_choice"] = "Choose someone of this school from the list."
        to.error_messages["required"] = "Choose who takes this action on."
