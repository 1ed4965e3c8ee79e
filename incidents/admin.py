"""The admin is for system administrators: trusts, schools, accounts and roles only.

No incident content is registered here: the administrator has no access to it.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from incidents.models import Membership, School, Trust, User


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


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin[School]):
    list_display = ["name", "trust", "reference_prefix", "phase", "policy_profile"]
    list_filter = ["trust", "phase", "policy_profile"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "role", "school", "trust"]
    list_filter = ["role", "school", "trust"]
    autocomplete_fields = ["user"]
