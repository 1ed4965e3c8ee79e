"""The admin is for system administrators: trusts, schools, accounts and roles only.

No incident content is registered here: the administrator has no access to it. Each school's
term dates and closure days are (they count the school days of a transfer's deadline); the
roll of pupils is not: it comes from the school's MIS through ``import_pupils``.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from incidents.models import ClosureDay, LegalHold, Membership, School, Term, Trust, User


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    fk_name = "user"
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    inlines = [MembershipInline]
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
