"""Passkeys (WebAuthn, django-otp-webauthn) as a second factor, never instead of the password.

django-otp-webauthn's JSON views, narrowed and audited:

- registering a passkey needs a session that has already given its second factor (the
  library lets an account with no device register one on the password alone: exactly the
  takeover this product closes);
- using one needs a signed-in user (passwordless sign-in is off in settings), cycles the
  session key as the code page does, and is written to the audit log, as is a refusal.
"""

import json
from typing import Any

from django.http import HttpResponse
from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp import login as otp_login
from django_otp_webauthn import exceptions
from django_otp_webauthn import views as webauthn

from incidents.audit import AuditAction, log_action

NOT_VERIFIED = (
    "Give your second factor (the code from your authenticator app) before adding a passkey."
)


class VerifiedOnly:
    request: Any

    def check_can_register(self) -> None:
        if not self.request.user.is_verified():
            raise exceptions.NotVerified(detail=NOT_VERIFIED)


class BeginRegistration(VerifiedOnly, webauthn.BeginCredentialRegistrationView):  # type: ignore[misc]  # the library has no types
    pass


class CompleteRegistration(VerifiedOnly, webauthn.CompleteCredentialRegistrationView):  # type: ignore[misc]  # the library has no types
    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().post(*args, **kwargs)
        if response.status_code == 200:
            device_id = json.loads(response.content)["id"]
            log_action(
                AuditAction.PASSKEY_REGISTERED, request=self.request, data={"device_id": device_id}
            )
        return response


class BeginAuthentication(webauthn.BeginCredentialAuthenticationView):  # type: ignore[misc]  # the library has no types
    pass


class CompleteAuthentication(webauthn.CompleteCredentialAuthenticationView):  # type: ignore[misc]  # the library has no types
    def complete_auth(self, device: Any) -> None:
        # Passwordless sign-in is off: the user is signed in with their password already, and
        # the library has checked the passkey is theirs.
        otp_login(self.request, device)
        self.request.session.cycle_key()
        log_action(
            AuditAction.SECOND_FACTOR_VERIFIED,
            request=self.request,
            data={"device_id": device.pk, "passkey": True},
        )

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if self.request.user.is_authenticated:
            log_action(
                AuditAction.PASSKEY_FAILED,
                request=self.request,
                data={"error": type(exc).__name__},
            )
        response: HttpResponse = super().handle_exception(exc)
        return response


# Included under the library's namespace, so its template tags find these views.
app_name = "otp_webauthn"
urlpatterns = [
    path("registration/begin/", BeginRegistration.as_view(), name="credential-registration-begin"),
    path(
        "registration/complete/",
        CompleteRegistration.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        BeginAuthentication.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        CompleteAuthentication.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
