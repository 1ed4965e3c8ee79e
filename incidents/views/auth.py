"""Signing in and out, and the second factor (docs/architecture.md#signing-in).

Every sign-in, failure, lockout, second-factor check and sign-out is written to the audit log
here, in the view that acts, not through signals (STYLE habit 1).
"""

import math
import time
from base64 import b32encode
from datetime import datetime
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from incidents.access import has_second_factor
from incidents.audit import AuditAction, log_action
from incidents.forms.accounts import RecoveryCodeForm
from incidents.forms.signing import SecondFactorForm, SignInForm
from incidents.http import AuthenticatedRequest
from incidents.models import User
from incidents.security import SESSION_AUTH_AT, SESSION_SEEN_AT, ended_message, note_kept
from incidents.services.accounts import recovery_codes_left

WRONG_CODE = (
    "That code is not right. Enter the code your authenticator app shows now (a new one "
    "appears every 30 seconds), all 6 digits."
)

USED_CODE = (
    "That code has already been used: each code works once. Wait for your authenticator app to "
    "show a new code (a new one appears every 30 seconds) and enter that one."
)


def throttled(locked_until: datetime | None) -> str:
    """Why a code was not even checked, and how long to wait: django-otp makes each try after
    a wrong code wait 1, 2, 4, 8... seconds (guessing is not an option)."""
    seconds = 1
    if locked_until is not None:
        seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    wait = "1 second" if seconds == 1 else f"{seconds} seconds"
    return (
        f"A wrong code was entered a moment ago, so this one was not checked: after each wrong "
        f"code the next try has to wait a little longer. Wait {wait}, then enter the code your "
        "app shows. If you are stuck, ask your school's DSL or your system administrator to "
        "reset your sign-in."
    )


def code_already_used(device: TOTPDevice, token: str) -> bool:
    """Whether ``token`` is a code of the device's that was already accepted (its time step is
    not after the last one used): refused for that reason rather than for being wrong."""
    try:
        value = int(token)
    except ValueError:
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    for offset in range(-device.tolerance, device.tolerance + 1):
        totp.drift = device.drift + offset
        if totp.t() <= device.last_t and totp.token() == value:
            return True
    return False


WRONG_RECOVERY_CODE = (
    "That recovery code is not right, or it has already been used. Type one of your unused "
    "codes exactly as it was given (letters and numbers)."
)
NO_RECOVERY_CODES = (
    "You have no recovery codes left. Use your authenticator app or passkey, or ask your "
    "system administrator to reset your sign-in."
)


class LoginView(auth_views.LoginView):
    """Django's sign-in, audited. django-axes counts failures per username and address."""

    template_name = "registration/login.html"
    authentication_form = SignInForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Why they are here, when a session of theirs has just ended (and whether what they
        # typed was kept).
        context["session_ended"] = ended_message(self.request)
        return context

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        note_kept(self.request, form.get_user())
        now = time.time()
        self.request.session[SESSION_AUTH_AT] = now
        self.request.session[SESSION_SEEN_AT] = now
        log_action(AuditAction.LOGIN_SUCCEEDED, request=self.request, user=form.get_user())
        return response

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        username = (form.data.get("username") or "").strip()[:150]
        locked_out = getattr(self.request, "axes_locked_out", False)
        log_action(
            AuditAction.LOGIN_LOCKED_OUT if locked_out else AuditAction.LOGIN_FAILED,
            request=self.request,
            user=User.objects.filter(username=username).first(),
            username=username,
        )
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            log_action(AuditAction.LOGOUT, request=request)
        return super().post(request, *args, **kwargs)


def _data(request: HttpRequest) -> QueryDict | None:
    """The submitted form data; an empty POST is still a submission (and an invalid one)."""
    return request.POST if request.method == "POST" else None


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _verified(request: AuthenticatedRequest, device: Device, action: AuditAction) -> HttpResponse:
    otp_login(request, device)
    # A new session key once the second factor is given: a key seen before it is worth nothing.
    request.session.cycle_key()
    log_action(action, request=request, data={"device_id": device.pk})
    return redirect(_next_url(request))


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: AuthenticatedRequest) -> HttpResponse:
    """The second factor: the authenticator's current code, a passkey, or a recovery code.

    Each code works once (django-otp keeps the last time step; a recovery code is deleted when
    used); wrong codes are throttled, each device on its own count.
    """
    user = request.user
    if not has_second_factor(user):
        return redirect("two_factor_enrol")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    recovery = StaticDevice.objects.filter(user=user, confirmed=True).first()
    using_recovery = request.method == "POST" and "recovery_code" in request.POST
    form = SecondFactorForm(None if using_recovery else _data(request))
    recovery_form = RecoveryCodeForm(request.POST if using_recovery else None)
    if using_recovery and recovery_form.is_valid():
        if recovery is None:
            recovery_form.add_error("recovery_code", NO_RECOVERY_CODES)
        elif not (recovery_allowed := recovery.verify_is_allowed())[0]:
            recovery_form.add_error(
                "recovery_code", throttled((recovery_allowed[1] or {}).get("locked_until"))
            )
        elif recovery.verify_token(recovery_form.cleaned_data["recovery_code"]):
            left = recovery_codes_left(user)
            log_action(
                AuditAction.RECOVERY_CODE_USED,
                request=request,
                data={"device_id": recovery.pk, "remaining": left},
            )
            messages.warning(request, recovery_left_message(left))
            return _verified(request, recovery, AuditAction.SECOND_FACTOR_VERIFIED)
        else:
            log_action(
                AuditAction.SECOND_FACTOR_FAILED, request=request, data={"device_id": recovery.pk}
            )
            recovery_form.add_error("recovery_code", WRONG_RECOVERY_CODE)
    elif request.method == "POST" and device is not None and form.is_valid():
        allowed, detail = device.verify_is_allowed()
        if not allowed:
            # django-otp doubles the wait after each wrong code: guessing is not an option.
            form.add_error("otp_token", throttled((detail or {}).get("locked_until")))
        else:
            accepted = verify_token(user, device.persistent_id, form.cleaned_data["otp_token"])
            if accepted is not None:
                return _verified(request, accepted, AuditAction.SECOND_FACTOR_VERIFIED)
            log_action(
                AuditAction.SECOND_FACTOR_FAILED, request=request, data={"device_id": device.pk}
            )
            device.refresh_from_db()
            used = code_already_used(device, form.cleaned_data["otp_token"])
            form.add_error("otp_token", USED_CODE if used else WRONG_CODE)
            form.forget_code()
    return render(
        request,
        "two_factor/verify.html",
        {
            "form": form,
            "recovery_form": recovery_form,
            "using_recovery": using_recovery,
            "has_authenticator": device is not None,
            "has_passkey": WebAuthnCredential.objects.filter(user=user, confirmed=True).exists(),
            "recovery_left": recovery_codes_left(user),
            "next": _next_url(request),
        },
    )


def recovery_left_message(left: int) -> str:
    if left == 0:
        return (
            "You have used your last recovery code. Make new ones now on your account page "
            "(Your sign-in), and keep them somewhere safe."
        )
    return (
        f"Recovery code accepted. You have {left} left; each works once. If you have lost "
        "your phone, ask your system administrator to reset your sign-in."
    )


def qr_svg(data: str) -> str:
    """The QR code of ``data`` as inline SVG: nothing fetched, nothing inline to run."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg: str = image.to_string(encoding="unicode")
    # qrcode builds the SVG itself from the device's otpauth URL: no user input reaches it.
    return mark_safe(svg)  # noqa: S308


def grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: AuthenticatedRequest) -> HttpResponse:
    """Where someone without a second factor is sent. A password alone never sets one up:
    only an invitation does (``incidents.views.accounts.accept_invitation``), so this page
    shows no secret and says how to get one."""
    if has_second_factor(request.user):
        messages.info(request, "You already have a second factor set up.")
        return redirect("two_factor_verify")
    return render(request, "two_factor/enrol.html", {"next": _next_url(request)})


def authenticator_setup(device: TOTPDevice) -> dict[str, str]:
    """The QR code and the typed key of an authenticator being set up."""
    return {"qr": qr_svg(device.config_url), "secret": grouped(b32encode(device.bin_key).decode())}
