"""Forms of the account pages: an invitation, a recovery code, a forgotten password."""

from typing import Any, cast

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import SetPasswordForm
from django.db.models import QuerySet

from incidents.forms.common import CheckedText
from incidents.forms.signing import ForgetsCode, clean_code, code_field
from incidents.models import User


class InvitationForm(CheckedText, ForgetsCode, forms.Form):
    """A new password (Django's validators, with the account's own details) and the first code
    of the authenticator being set up."""

    new_password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters; not a common password, not all numbers, not like "
        "your name or username. A phrase of several words is easy to remember.",
    )
    new_password2 = forms.CharField(
        label="The same password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    otp_token = code_field()

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_otp_token(self) -> str:
        return clean_code(self.cleaned_data["otp_token"])

    def clean_new_password2(self) -> str:
        first = self.cleaned_data.get("new_password1")
        second: str = self.cleaned_data["new_password2"]
        if first and first != second:
            raise forms.ValidationError("The two passwords are not the same: type them again.")
        password_validation.validate_password(second, self.user)
        return second


class RecoveryCodeForm(CheckedText, forms.Form):
    recovery_code = forms.CharField(
        label="Recovery code",
        max_length=40,
        help_text="One of the recovery codes you were given when you set up your account. "
        "Each works once.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_recovery_code(self) -> str:
        code = "".join(self.cleaned_data["recovery_code"].split()).lower()
        if not code.isalnum():
            raise forms.ValidationError("A recovery code has only letters and numbers.")
        return code


class PasswordResetRequestForm(CheckedText, forms.Form):
    email = forms.EmailField(
        label="Your e-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="The address your school or administrator set up your account with.",
    )


class NewPasswordForm(CheckedText, SetPasswordForm):  # type: ignore[type-arg]
    """Django's form of a new password from a reset link (its validators, twice typed)."""


class InviteForm(CheckedText, forms.Form):
    """Choose a colleague of the school who has no second factor yet."""

    user: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label="Colleague to invite", queryset=None, empty_label="Choose a colleague"
    )

    def __init__(self, *args: Any, queryset: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[User]", self.fields["user"])
        field.queryset = queryset
        field.label_from_instance = lambda obj: (  # type: ignore[method-assign]
            f"{obj.get_full_name() or obj.username} ({obj.username})"
        )
        field.error_messages["invalid_choice"] = (
            "Choose a colleague from the list: only people whose roles are all in this school "
            "and who have no second factor yet can be invited here."
        )
