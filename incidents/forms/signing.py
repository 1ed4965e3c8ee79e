"""Forms for the second factor, signing, approval, addenda and access grants."""

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.db.models import QuerySet
from django.http import QueryDict

from incidents.forms.common import CheckedText
from incidents.models import User

CODE_HELP = "The 6-digit code your authenticator app shows now."


def clean_code(value: str) -> str:
    code = "".join(value.split())
    if not (code.isdigit() and len(code) == 6):
        raise forms.ValidationError("Enter the 6-digit code from your authenticator app.")
    return code


def code_field() -> forms.CharField:
    return forms.CharField(
        label="Code from your authenticator app",
        help_text=CODE_HELP,
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class SignInForm(CheckedText, AuthenticationForm):
    """Django's sign-in form, with the username's length checked before anyone authenticates.

    Django sets the field's ``max_length`` from the user model but adds no validator, so an
    over-long name reached django-axes, whose failure row (255 characters) the database refused:
    a server error. A name longer than any account's is refused by the form, uncounted.
    """

    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been switched off. Ask your school's DSL or your system "
        "administrator.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        if username.max_length is not None:  # type: ignore[attr-defined]
            username.validators.append(MaxLengthValidator(username.max_length))  # type: ignore[attr-defined]


class ForgetsCode:
    """Mixed into a form with a second-factor code field."""

    data: Mapping[str, Any]  # the form's, bound: the POST data (or a dict, in tests)

    def forget_code(self) -> None:
        """A code is spent once tried: never offer it back in the field."""
        data = cast("QueryDict | dict[str, Any]", self.data).copy()
        data["otp_token"] = ""
        self.data = data


class SecondFactorForm(CheckedText, ForgetsCode, forms.Form):
    otp_token = code_field()

    def clean_otp_token(self) -> str:
        return clean_code(self.cleaned_data["otp_token"])


class ReauthenticateForm(CheckedText, ForgetsCode, forms.Form):
    """Signing asks again who you are: your password and a fresh code."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp_token = code_field()

    def clean_otp_token(self) -> str:
        return clean_code(self.cleaned_data["otp_token"])


class ApproveForm(ReauthenticateForm):
    sign_off_non_referral = forms.BooleanField(
        label="I also sign off what is not referred (listed above), for the reasons the DSL "
        "recorded",
        required=False,
    )

    def __init__(self, *args: Any, needs_signoff: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if needs_signoff:
            self.fields["sign_off_non_referral"].required = True
            self.fields["sign_off_non_referral"].error_messages["required"] = (
                "What is not referred needs your sign-off: tick this box to give it with your "
                "approval, or send the record back."
            )
            # Asked first, before the code that expires.
            self.order_fields(["sign_off_non_referral", "password", "otp_token"])
        else:
            del self.fields["sign_off_non_referral"]


class SendBackForm(CheckedText, forms.Form):
    reason = forms.CharField(
        label="Why are you sending the record back?",
        help_text="The DSL sees this reason. Say what needs to change.",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class AddendumForm(ReauthenticateForm):
    text = forms.CharField(
        label="The later fact",
        help_text="What happened or became known after the record was approved, and when. "
        "The record itself is not changed.",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    field_order = ["text", "password", "otp_token"]


class GrantForm(CheckedText, forms.Form):
    """Choose a deputy DSL of the incident's school; any other id is an invalid choice."""

    user: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label="Deputy DSL to give access to this record",
        queryset=None,
        empty_label="Choose a deputy DSL",
    )

    def __init__(self, *args: Any, queryset: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[User]", self.fields["user"])
        field.queryset = queryset
        field.label_from_instance = lambda obj: obj.get_full_name() or obj.username  # type: ignore[method-assign]
        field.error_messages["invalid_choice"] = "Choose a deputy DSL of this school from the list."
