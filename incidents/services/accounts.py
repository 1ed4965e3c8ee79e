"""Accounts: invitations, the second factor's set-up, recovery codes, resets.

Nobody binds a second factor with a password alone. An account is activated by a one-time
invitation, which sets the password and the authenticator in one journey; a forgotten password
is reset by e-mail but never the second factor; a lost second factor is reset by a system
administrator, which ends every session, removes every device and sends a new invitation.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from incidents import access, emails
from incidents.audit import AuditAction, log_action
from incidents.models import Invitation, Membership, School, User
from incidents.services.errors import NotAllowed, ServiceError
from incidents.services.people import end_sessions

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "Recovery codes"
AUTHENTICATOR_NAME = "Authenticator app"


class InvitationUnusable(ServiceError):
    def __init__(self) -> None:
        super().__init__(
            "This invitation link no longer works: it has been used, a newer one has been "
            "sent, or it has expired. Ask your school's DSL or your system administrator for a "
            "new one."
        )


class WrongCode(ServiceError):
    def __init__(self) -> None:
        super().__init__(
            "That code is not right. Enter the 6-digit code your authenticator app shows now "
            "for this account (a new one appears every 30 seconds)."
        )


def token_hash(token: str) -> str:
    """What is stored of an invitation's token: its SHA-256 (the token has 256 random bits)."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str) -> str:
    path = reverse("invitation_accept", kwargs={"token": token})
    return f"{settings.SITE_URL.rstrip('/')}{path}"


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    url: str
    # The link goes to the issuer's screen only for a newcomer who will read no records (never
    # signed in, no reading role, no administrator): anyone else's link goes only to their own
    # e-mail address, so neither a DSL nor an administrator can set up, and so take over, an
    # account that reads children's records or is already in use.
    may_hand_over: bool


def _issue(user: User, issued_by: User | None, request: HttpRequest | None) -> IssuedInvitation:
    """Inside a transaction: supersede the account's open invitations, store a new one."""
    now = timezone.now()
    Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        issued_by=issued_by,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + timedelta(hours=settings.INVITATION_HOURS),
    )
    log_action(
        AuditAction.INVITATION_ISSUED,
        request=request,
        user=issued_by if issued_by is not None else user,
        data={"account_id": user.pk, "invitation_id": invitation.pk},
    )
    return IssuedInvitation(invitation, invitation_url(token), _may_hand_over(user))


def _may_hand_over(user: User) -> bool:
    if user.last_login is not None or user.is_staff or user.is_superuser:
        return False
    return not Membership.objects.filter(user=user, role__in=access.READERS).exists()


def _mail_on_commit(user: User, issued: IssuedInvitation, *, after_reset: bool) -> None:
    transaction.on_commit(
        lambda: emails.send_invitation(
            user, issued.url, issued.invitation.expires_at, after_reset=after_reset
        )
    )


def issue_invitation(
    user: User, *, issued_by: User, school: School | None = None, request: HttpRequest | None = None
) -> IssuedInvitation:
    """A system administrator, or the DSL of the school all the account's roles are in, invites
    an account that has no second factor yet. The link is e-mailed to the account's address."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_active:
            raise ServiceError(f"{user.username} is deactivated: reactivate the account first.")
        if not access.may_invite(issued_by, user, school):
            raise NotAllowed(
                "You can invite only people whose roles are all in your school. Ask a system "
                "administrator for anyone else."
            )
        if access.has_second_factor(user):
            raise ServiceError(
                f"{user.get_full_name() or user.username} already has a second factor set up. "
                "If they have lost it, a system administrator can reset their sign-in."
            )
        issued = _issue(user, issued_by, request)
        _mail_on_commit(user, issued, after_reset=False)
    return issued


def find_invitation(token: str) -> Invitation | None:
    """The usable invitation whose token this is, or None."""
    return (
        Invitation.objects.usable()
        .select_related("user")
        .filter(token_hash=token_hash(token), user__is_active=True)
        .first()
    )


def start_authenticator_setup(user: User) -> TOTPDevice:
    """A new secret every time the set-up page is shown: an earlier one, seen by anyone, is
    gone. The account's other unconfirmed authenticators go with it."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def _new_recovery_codes(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _remove_devices(user: User) -> int:
    removed = 0
    for model in (TOTPDevice, StaticDevice, WebAuthnCredential):
        devices = model.objects.filter(user=user)
        removed += devices.count()  # devices, not their tokens (which delete() also counts)
        devices.delete()
    return removed


def accept_invitation(
    invitation: Invitation,
    *,
    password: str,
    device: TOTPDevice,
    code: str,
    request: HttpRequest | None = None,
) -> list[str]:
    """Set the password, confirm the authenticator, spend the invitation; the recovery codes.

    The code is checked first, outside the transaction, so django-otp's count of wrong codes
    (its throttle) is kept when the code is wrong.
    """
    if device.user_id != invitation.user_id or device.confirmed:
        raise InvitationUnusable()
    if not device.verify_token(code):
        raise WrongCode()
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().filter(pk=invitation.pk).usable().first()
        if locked is None:
            raise InvitationUnusable()
        user = User.objects.select_for_update().get(pk=invitation.user_id)
        # Whatever the account had before is replaced: this journey is its one way in now.
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        StaticDevice.objects.filter(user=user).delete()
        WebAuthnCredential.objects.filter(user=user).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        user.set_password(password)
        user.save(update_fields=["password"])
        locked.used_at = timezone.now()
        locked.save(update_fields=["used_at"])
        codes = _new_recovery_codes(user)
        log_action(
            AuditAction.INVITATION_ACCEPTED,
            request=request,
            user=user,
            data={"invitation_id": locked.pk, "device_id": device.pk},
        )
        log_action(
            AuditAction.SECOND_FACTOR_ENROLLED,
            request=request,
            user=user,
            data={"device_id": device.pk},
        )
        log_action(
            AuditAction.RECOVERY_CODES_ISSUED,
            request=request,
            user=user,
            data={"count": len(codes)},
        )
    return codes


def issue_recovery_codes(user: User, request: HttpRequest | None = None) -> list[str]:
    """New recovery codes (the old ones stop working), for someone past their second factor."""
    with transaction.atomic():
        if not access.has_second_factor(user):
            raise ServiceError("Set up your second factor before asking for recovery codes.")
        codes = _new_recovery_codes(user)
        log_action(
            AuditAction.RECOVERY_CODES_ISSUED,
            request=request,
            user=user,
            data={"count": len(codes)},
        )
    return codes


def recovery_codes_left(user: Any) -> int:
    left: int = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return left


def reset_sign_in(user: User, *, by: User, request: HttpRequest | None = None) -> IssuedInvitation:
    """A system administrator resets someone's password and second factor: their sessions end,
    every device goes (authenticator, recovery codes, passkeys), the password becomes unusable,
    and a new invitation is e-mailed to them (never shown to the administrator)."""
    with transaction.atomic():
        if not by.is_staff:
            raise NotAllowed("Only a system administrator can reset someone's sign-in.")
        if by.pk == user.pk:
            raise NotAllowed("Ask another system administrator to reset your own sign-in.")
        user = User.objects.select_for_update().get(pk=user.pk)
        sessions = end_sessions(user)
        devices = _remove_devices(user)
        user.set_unusable_password()
        user.save(update_fields=["password"])
        issued = _issue(user, by, request)
        log_action(
            AuditAction.SIGN_IN_RESET,
            request=request,
            user=by,
            data={
                "account_id": user.pk,
                "sessions_ended": sessions,
                "devices_removed": devices,
                "invitation_id": issued.invitation.pk,
            },
        )
        _mail_on_commit(user, issued, after_reset=True)
    return IssuedInvitation(issued.invitation, issued.url, may_hand_over=False)


def request_password_reset(email: str, request: HttpRequest | None = None) -> None:
    """ "Forgot password": a one-time link by e-mail to each active account with this address.

    It changes the password only: the second factor is still asked at sign-in. An account with
    no second factor gets an invitation instead (the password alone opens nothing). Whoever
    asks sees the same answer whether or not an account has this address.
    """
    email = email.strip()
    if not email:
        return
    with transaction.atomic():
        for user in User.objects.filter(email__iexact=email, is_active=True).order_by("pk"):
            log_action(AuditAction.PASSWORD_RESET_REQUESTED, request=request, user=user)
            if access.has_second_factor(user) and user.has_usable_password():
                uid = urlsafe_base64_encode(force_bytes(user.pk))
                token = default_token_generator.make_token(user)
                path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
                url = f"{settings.SITE_URL.rstrip('/')}{path}"
                transaction.on_commit(
                    lambda user=user, url=url: emails.send_password_reset(user, url)  # type: ignore[misc]
                )
            else:
                _mail_on_commit(user, _issue(user, None, request), after_reset=False)


def set_password_from_reset(user: User, password: str, request: HttpRequest | None = None) -> None:
    """The new password from a reset link. Django refuses the link once the password changed
    (its token covers the password's hash) and every session of the old password ends."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        log_action(AuditAction.PASSWORD_RESET, request=request, user=user)
