"""Signing in and out, and the second factor (docs/architecture.md#signing-in).

Every sign-in, failure, lockout, second-factor check and sign-out is written to the audit log
here, in the view that acts, not through signals (STYLE habit 1).
"""

import time
from base64 import b32encode
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.audit import AuditAction, log_action
from incidents.forms.signing import SecondFactorForm, SignInForm
from incidents.http import AuthenticatedRequest
from incidents.models import User
from incidents.security import SESSION_AUTH_AT, SESSION_SEEN_AT

WRONG_CODE = (
    "That code is not right, or it has already been used. Enter the code your authenticator "
    "app shows now (a new one appears every 30 seconds)."
)

THROTTLED = "Too many wrong codes in a row. Wait a few seconds, then enter the code your app shows."


class LoginView(auth_views.LoginView):
    """Django's sign-in, audited. django-axes counts failures per username and address."""

    template_name = "registration/login.html"
    authentication_form = SignInForm

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
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


def _verified(
    request: AuthenticatedRequest, device: TOTPDevice, action: AuditAction
) -> HttpResponse:
    otp_login(request, device)
    # A new session key once the second factor is given: a key seen before it is worth nothing.
    request.session.cycle_key()
    log_action(action, request=request, data={"device_id": device.pk})
    return redirect(_next_url(request))


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: AuthenticatedRequest) -> HttpResponse:
    """Enter the current code. Each code works once (django-otp keeps the last time step)."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect("two_factor_enrol")
    form = SecondFactorForm(_data(request))
    if request.method == "POST" and form.is_valid():
        allowed, _detail = device.verify_is_allowed()
        if not allowed:
            # django-otp doubles the wait after each wrong code: guessing is not an option.
            form.add_error("otp_token", THROTTLED)
        else:
            accepted = verify_token(
                request.user, device.persistent_id, form.cleaned_data["otp_token"]
            )
            if accepted is not None:
                return _verified(request, accepted, AuditAction.SECOND_FACTOR_VERIFIED)
            log_action(
                AuditAction.SECOND_FACTOR_FAILED, request=request, data={"device_id": device.pk}
            )
            form.add_error("otp_token", WRONG_CODE)
            form.forget_code()
    return render(request, "two_factor/verify.html", {"form": form, "next": _next_url(request)})


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
    """Set up an authenticator app by QR code (or the key typed in), then prove it works."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        messages.info(request, "You already have an authenticator app set up.")
        return redirect("two_factor_verify")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name="Authenticator app", confirmed=False
        )
    form = SecondFactorForm(_data(request))
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            return _verified(request, device, AuditAction.SECOND_FACTOR_ENROLLED)
        log_action(AuditAction.SECOND_FACTOR_FAILED, request=request, data={"device_id": device.pk})
        form.add_error("otp_token", WRONG_CODE)
        form.forget_code()
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "two_factor/enrol.html",
        {
            "form": form,
            "qr": qr_svg(device.config_url),
            "secret": grouped(secret),
            "next": _next_url(request),
        },
    )
