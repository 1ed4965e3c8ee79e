"""Forms for the second factor, signing, approval, addenda and access grants (SPEC §1, §10)."""

from django import forms

CODE_HELP = "The 6-digit code your authenticator app shows now."


def clean_code(value: str) -> str:
    code = "".join(value.split())
    if not (code.isdigit() and len(code) == 6):
        raise forms.ValidationError("Enter the 6-digit code from your authenticator app.")
    return code


class SecondFactorForm(forms.Form):
    otp_token = forms.CharField(
        label="Code from your authenticator app",
        help_text=CODE_HELP,
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_otp_token(self):
        return clean_code(self.cleaned_data["otp_token"])
