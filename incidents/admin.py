"""The admin is for system administrators: trusts, schools, accounts and roles only.

No incident content is registered here: the administrator has no access to it, and no admin
page shows any (delete confirmations included: they list nothing a record holds, and an
account is never deleted, only deactivated). django-otp's device admins are unregistered: no
one reads an authenticator's key. A role granted here waits for a second person's confirmation
(``incidents.services.people``); every change of a role, an account's active state, its
administrator flags or its password is written to the audit chain through the services.
Invitations and the reset of someone's sign-in are two actions on accounts
(``incidents.services.accounts``). Each school's term dates and closure days are here (they
count the school days of a transfer's deadline); the roll of pupils is not: it comes from the
school's MIS through ``import_pupils``.
"""

from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django_otp.models import Device

from incidents import services
from incidents.models import (
    ClosureDay,
    Incident,
    LegalHold,
    Membership,
    School,
    Term,
    Trust,
    User,
)
from incidents.services import ServiceError, accounts

# What a delete confirmation says instead of listing what would go (records name children).
NOT_LISTED = (
    "Related rows are not listed here: the system administrator sees nothing a record holds."
)


def _unregister_devices() -> None:
    """django-otp's device admins (TOTP, static codes, and any other plugin's) show or let an
    administrator set a device's key: none is registered."""
    for model in list(admin.site._registry):
        if issubclass(model, Device) or model._meta.app_label.startswith(("otp_", "django_otp")):
            admin.site.unregister(model)


class NoContentDeleteMixin:
    """A delete confirmation names only the objects chosen, and counts the rest by kind."""

    def get_deleted_objects(
        self, objs: Any, request: HttpRequest
    ) -> tuple[list[str], dict[str, int], set[str], list[str]]:
        _, model_count, perms_needed, protected = super().get_deleted_objects(  # type: ignore[misc]
            objs, request
        )
        chosen = [str(obj) for obj in objs]
        return chosen, model_count, perms_needed, [NOT_LISTED] if protected else []


class MembershipForm(ModelForm[Membership]):
    class Meta:
        model = Membership
        fields = ["user", "role", "school", "trust"]


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    form = MembershipForm
    fk_name = "user"
    extra = 0
    fields = ["role", "school", "trust", "confirmation"]
    readonly_fields = ["confirmation"]

    @admin.display(description="Confirmed")
    def confirmation(self, obj: Membership) -> str:
        return _confirmation(obj)


def _confirmation(obj: Membership) -> str:
    if obj.confirmed_at is None:
        return "Waiting (no access yet)"
    if obj.confirmed_by is None:
        return "Yes (held before confirmation)"
    return f"Yes, by {obj.confirmed_by}, {obj.confirmed_at:%d %b %Y}"


class ConfirmedFilter(admin.SimpleListFilter):
    title = "confirmed"
    parameter_name = "confirmed"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("waiting", "Waiting for a second person"), ("yes", "Confirmed")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "waiting":
            return queryset.filter(confirmed_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(confirmed_at__isnull=False)
        return queryset


# Enrolment and recovery: two actions on accounts, each one service call. ------------------


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
class UserAdmin(NoContentDeleteMixin, BaseUserAdmin[User]):
    inlines = [MembershipInline]
    actions = [send_invitation, reset_sign_in]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Records name their writers: a leaver is deactivated (their sessions end), never
        # deleted.
        return False

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        services.save_account(obj, request.user, request)  # type: ignore[arg-type]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        _save_memberships(request, formset)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        # Django's page saved the form and redirects: the change goes to the audit chain.
        if request.method == "POST" and response.status_code == 302:
            services.record_password_set(int(id), request.user, request)  # type: ignore[arg-type]
        return response


def _save_memberships(request: HttpRequest, formset: Any) -> None:
    """An inline's roles through the services: new and changed ones wait for confirmation,
    removed ones are logged."""
    instances = formset.save(commit=False)
    for obj in formset.deleted_objects:
        services.remove_role(obj, request.user, request)  # type: ignore[arg-type]
    changed = {id(f.instance): f.changed_data for f in formset.forms}
    for obj in instances:
        services.save_membership(
            obj,
            request.user,  # type: ignore[arg-type]
            request,
            changed=changed.get(id(obj), []),
        )


@admin.register(Trust)
class TrustAdmin(NoContentDeleteMixin, admin.ModelAdmin[Trust]):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class TermInline(admin.TabularInline[Term, School]):
    model = Term
    extra = 1


class ClosureDayInline(admin.TabularInline[ClosureDay, School]):
    model = ClosureDay
    extra = 1


@admin.register(School)
class SchoolAdmin(NoContentDeleteMixin, admin.ModelAdmin[School]):
    inlines = [TermInline, ClosureDayInline]
    list_display = ["name", "trust", "reference_prefix", "phase", "policy_profile"]
    list_filter = ["trust", "phase", "policy_profile"]
    prepopulated_fields = {"slug": ["name"]}

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A school with records is never deleted (the records are kept for their retention
        # period); one without any may be.
        if obj is not None and Incident.objects.filter(school=obj).exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Membership)
class MembershipAdmin(NoContentDeleteMixin, admin.ModelAdmin[Membership]):
    form = MembershipForm
    list_display = ["user", "role", "school", "trust", "granted_by", "confirmation"]
    list_filter = [ConfirmedFilter, "role", "school", "trust"]
    list_select_related = ["user", "school", "trust", "granted_by", "confirmed_by"]
    autocomplete_fields = ["user"]
    actions = ["confirm_selected"]

    @admin.display(description="Confirmed")
    def confirmation(self, obj: Membership) -> str:
        return _confirmation(obj)

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        services.save_membership(
            obj,
            request.user,  # type: ignore[arg-type]
            request,
            changed=form.changed_data if change else [],
        )

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.remove_role(obj, request.user, request)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for obj in queryset:
            services.remove_role(obj, request.user, request)  # type: ignore[arg-type]

    @admin.action(description="Confirm the selected roles (as the second administrator)")
    def confirm_selected(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        """For a headteacher's or DSL's role in a school outside a trust (and a trust lead's):
        a second system administrator confirms what the first granted."""
        for membership in queryset.select_related("school"):
            try:
                services.confirm_role(membership, request.user, request)  # type: ignore[arg-type]
            except ServiceError as error:
                self.message_user(request, f"{membership}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{membership}: confirmed.", messages.SUCCESS)


@admin.register(Term)
class TermAdmin(NoContentDeleteMixin, admin.ModelAdmin[Term]):
    list_display = ["school", "name", "starts_on", "ends_on"]
    list_filter = ["school"]


@admin.register(ClosureDay)
class ClosureDayAdmin(NoContentDeleteMixin, admin.ModelAdmin[ClosureDay]):
    list_display = ["school", "date", "reason"]
    list_filter = ["school"]


@admin.register(LegalHold)
class LegalHoldAdmin(NoContentDeleteMixin, admin.ModelAdmin[LegalHold]):
    """A legal hold (a public inquiry's instruction to keep records) on a school or one record:
    the administrator places and lifts it; the retention page shows it and refuses
    destruction while it stands. The record is named by its number only."""

    list_display = ["school", "incident", "placed_at", "lifted_at"]
    list_filter = ["school"]
    raw_id_fields = ["incident"]


# Every device admin (the authenticator app's, recovery codes', passkeys'): their apps come
# before this one in INSTALLED_APPS, so they are registered by now.
_unregister_devices()
