"""The admin is for system administrators: trusts, schools, accounts and roles only.

No incident content is registered here: the administrator has no access to it. Each school's
term dates and closure days are (they count the school days of a transfer's deadline); the
roll of pupils is not: it comes from the school's MIS through ``import_pupils``.
"""

from typing import cast

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp_webauthn.models import WebAuthnAttestation, WebAuthnCredential

from incidents.models import ClosureDay, LegalHold, Membership, School, Term, Trust, User
from incidents.services import ServiceError, accounts


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    fk_name = "user"
    extra = 0


# Enrolment and recovery (issue 13): two actions on accounts, each one service call. --------


@admin.action(description="Send an invitation (account without a second factor)")
def send_invitation(
    modeladmin: admin.ModelAdmin[User], request: HttpRequest, queryset: QuerySet[User]
) -> HttpResponse | None:
    issuer = cast(User, request.user)  # the admin site lets only signed-in staff in
    issued = []
    for account in queryset.order_by("pk"):
        try:
            issued.append(
                (account, accounts.issue_invitation(account, issued_by=issuer, request=request))
            )
        except ServiceError as exc:
            modeladmin.message_user(request, f"{account.username}: {exc}", messages.ERROR)
    if not issued:
        return None
    # The links are shown on this response only (never stored in a message or a cookie).
    return TemplateResponse(
        request,
        "accounts/invitation_issued.html",
        {"issued": issued, "back_url": reverse("admin:incidents_user_changelist")},
    )


@admin.action(description="Reset sign-in: end sessions, remove devices, e-mail an invitation")
def reset_sign_in(
    modeladmin: admin.ModelAdmin[User], request: HttpRequest, queryset: QuerySet[User]
) -> None:
    by = cast(User, request.user)
    for account in queryset.order_by("pk"):
        try:
            accounts.reset_sign_in(account, by=by, request=request)
        except ServiceError as exc:
            modeladmin.message_user(request, f"{account.username}: {exc}", messages.ERROR)
            continue
        where = account.email or "no e-mail address: add one, then reset again"
        modeladmin.message_user(
            request,
            f"{account.username}: sessions ended, devices removed, password unusable; "
            f"invitation e-mailed ({where}).",
            messages.SUCCESS,
        )


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    inlines = [MembershipInline]
    actions = [send_invitation, reset_sign_in]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff"]


@admin.register(Trust)
class TrustAdmin(admin.ModelAdmin[Trust]):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class TermInline(admin.TabularInline[Term, School]):
    model = Term
    extra = 1


class ClosureDayInline(admin.TabularInline[ClosureDay, School]):
    model = ClosureDay
    extra = 1


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin[School]):
    inlines = [TermInline, ClosureDayInline]
    list_display = ["name", "trust", "reference_prefix", "phase", "policy_profile"]
    list_filter = ["trust", "phase", "policy_profile"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "role", "school", "trust"]
    list_filter = ["role", "school", "trust"]
    autocomplete_fields = ["user"]


@admin.register(Term)
class TermAdmin(admin.ModelAdmin[Term]):
    list_display = ["school", "name", "starts_on", "ends_on"]
    list_filter = ["school"]


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin[ClosureDay]):
    list_display = ["school", "date", "reason"]
    list_filter = ["school"]


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin[LegalHold]):
    """A legal hold (a public inquiry's instruction to keep records) on a school or one record:
    the administrator places and lifts it; the retention page shows it and refuses
    destruction while it stands. The record is named by its number only."""

    list_display = ["school", "incident", "placed_at", "lifted_at"]
    list_filter = ["school"]
    raw_id_fields = ["incident"]


# The devices these flows add keep no page in the admin: a recovery code is a secret, and no
# administrator adds or edits anyone's second factor (the reset above removes them all).
for _device_model in (StaticDevice, WebAuthnCredential, WebAuthnAttestation):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)
