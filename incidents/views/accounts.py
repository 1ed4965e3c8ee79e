"""Account pages: accepting an invitation, your sign-in (passkeys, recovery codes), inviting a
colleague, a forgotten password. Thin views: each change is one service in
``incidents.services.accounts``, audited there."""

import time
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from incidents.access import has_second_factor, invitable_by_dsl
from incidents.audit import AuditAction, log_action
from incidents.forms.accounts import (
    InvitationForm,
    InviteForm,
    NewPasswordForm,
    PasswordResetRequestForm,
)
from incidents.http import AuthenticatedRequest
from incidents.models import Invitation, Role, User
from incidents.security import SESSION_AUTH_AT, SESSION_SEEN_AT
from incidents.services import ServiceError
from incidents.services import accounts as service
from incidents.views.auth import WRONG_CODE, authenticator_setup

# The invitation's authenticator, between showing its secret and the code that confirms it.
SESSION_SETUP_DEVICE = "invitation_setup_device"


def _refused(request: HttpRequest) -> HttpResponse:
    log_action(AuditAction.INVITATION_REFUSED, request=request, user=None)
    return render(request, "accounts/invitation_unusable.html", status=404)


@never_cache
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Choose a password and set up the authenticator, in one page; then the recovery codes.

    Every GET makes a new secret (``start_authenticator_setup``), so a secret seen before is
    never valid after the page is shown again. A POST keeps the secret just shown, so a
    mistyped password does not undo the app the person has just scanned.
    """
    invitation = service.find_invitation(token)
    if invitation is None:
        return _refused(request)
    user = invitation.user
    device: TOTPDevice | None = None
    if request.method == "POST":
        device = TOTPDevice.objects.filter(
            pk=request.session.get(SESSION_SETUP_DEVICE), user=user, confirmed=False
        ).first()
    if device is None:
        # A GET, or a POST whose secret is gone (an older tab): show a new one.
        device = service.start_authenticator_setup(user)
        request.session[SESSION_SETUP_DEVICE] = device.pk
        form = InvitationForm(user)
    else:
        form = InvitationForm(user, request.POST)
        if form.is_valid():
            try:
                codes = service.accept_invitation(
                    invitation,
                    password=form.cleaned_data["new_password2"],
                    device=device,
                    code=form.cleaned_data["otp_token"],
                    request=request,
                )
            except service.WrongCode:
                form.add_error("otp_token", WRONG_CODE)
                form.forget_code()
            except ServiceError:
                return _refused(request)
            else:
                return _signed_in(request, invitation, device, codes)
        else:
            form.forget_code()
    return render(
        request,
        "accounts/invitation.html",
        {"form": form, "invited": user, "invitation": invitation, **authenticator_setup(device)},
    )


def _signed_in(
    request: HttpRequest, invitation: Invitation, device: TOTPDevice, codes: list[str]
) -> HttpResponse:
    """Signed in, second factor verified, and the recovery codes shown this once."""
    # As saved with its new password: the session keeps a hash of it.
    user = User.objects.get(pk=invitation.user_id)
    request.session.pop(SESSION_SETUP_DEVICE, None)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    now = time.time()
    request.session[SESSION_AUTH_AT] = now
    request.session[SESSION_SEEN_AT] = now
    log_action(AuditAction.LOGIN_SUCCEEDED, request=request, user=user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "first_time": True})


def _require_verified(request: AuthenticatedRequest) -> HttpResponse | None:
    """Account pages need the second factor given in this session, whatever the role."""
    if request.user.is_verified():  # type: ignore[attr-defined]
        return None
    if not has_second_factor(request.user):
        return redirect("two_factor_enrol")
    return redirect(reverse("two_factor_verify") + "?" + urlencode({"next": request.path}))


@never_cache
@login_required
@require_http_methods(["GET"])
def security(request: AuthenticatedRequest) -> HttpResponse:
    """Your sign-in: the authenticator, passkeys (add one here), recovery codes left."""
    refused = _require_verified(request)
    if refused is not None:
        return refused
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "has_authenticator": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            "passkeys": list(
                WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("pk")
            ),
            "recovery_left": service.recovery_codes_left(user),
        },
    )


@never_cache
@login_required
@require_POST
def recovery_codes(request: AuthenticatedRequest) -> HttpResponse:
    """New recovery codes, shown once; the old ones stop working."""
    refused = _require_verified(request)
    if refused is not None:
        return refused
    try:
        codes = service.issue_recovery_codes(request.user, request=request)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("account_security")
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "first_time": False})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def school_invitations(request: AuthenticatedRequest) -> HttpResponse:
    """The DSL invites a colleague whose roles are all in this school and who has no second
    factor yet. The link is e-mailed to them and, for someone who has never signed in, shown
    here once to hand over."""
    school = request.school
    if not school:
        return redirect("choose_school")
    if Role.DSL not in request.roles:
        raise PermissionDenied("Only the school's DSL invites colleagues.")
    confirmed_totp = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    confirmed_passkey = WebAuthnCredential.objects.filter(user=OuterRef("pk"), confirmed=True)
    colleagues = (
        invitable_by_dsl(school)
        .exclude(pk=request.user.pk)
        .annotate(has_totp=Exists(confirmed_totp), has_passkey=Exists(confirmed_passkey))
        .order_by("last_name", "first_name", "username")
    )
    candidates = colleagues.filter(has_totp=False, has_passkey=False)
    form = InviteForm(request.POST or None, queryset=candidates)
    if request.method == "POST" and form.is_valid():
        invited = form.cleaned_data["user"]
        try:
            issued = service.issue_invitation(
                invited, issued_by=request.user, school=school, request=request
            )
        except ServiceError as exc:
            form.add_error("user", str(exc))
        else:
            return render(
                request,
                "accounts/invitation_issued.html",
                {"issued": [(invited, issued)], "back_url": reverse("school_invitations")},
            )
    return render(
        request,
        "accounts/school_invitations.html",
        {"form": form, "colleagues": list(colleagues), "school": school},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """ "Forgot password": the same answer whether or not an account has this address."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service.request_password_reset(form.cleaned_data["email"], request=request)
        return redirect("password_reset_done")
    return render(request, "accounts/password_reset.html", {"form": form})


@never_cache
@require_http_methods(["GET"])
def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_done.html")


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Django's reset link (single use, short-lived), setting the password through the service.

    Nobody is signed in here: the person signs in with the new password and their second
    factor, which this never touches.
    """

    template_name = "accounts/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("password_reset_complete")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        # The form is only shown, and so only posted, for a valid link: the user is known.
        user = cast(User, self.user)
        service.set_password_from_reset(
            user, form.cleaned_data["new_password1"], request=self.request
        )
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


@never_cache
@require_http_methods(["GET"])
def password_reset_complete(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_complete.html")
