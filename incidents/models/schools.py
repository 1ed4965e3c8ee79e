"""Trusts, schools, accounts and the roles people hold in them."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q

from incidents.models.choices import Phase, Role
from incidents.rules import DEFAULT_POLICY, policies


class User(AbstractUser):
    """An account. Roles come from memberships, never from the account itself.

    ``is_staff`` marks a system administrator: they manage schools and accounts in the admin
    and have no access to incident content.
    """

    class Meta:
        db_table = "incidents_user"


class Trust(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def policy_choices() -> list[tuple[str, str]]:
    return [(p.name, f"{p.title} ({p.version})") for p in policies()]


class School(models.Model):
    trust = models.ForeignKey(
        Trust, null=True, blank=True, on_delete=models.PROTECT, related_name="schools"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.SECONDARY)
    reference_prefix = models.CharField(
        max_length=6,
        unique=True,
        help_text="Two to six capital letters that begin every incident reference, e.g. OAK.",
    )
    policy_profile = models.CharField(
        max_length=40,
        choices=policy_choices,
        default=DEFAULT_POLICY,
        help_text="The policy whose rules guide this school's decisions.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reference_prefix__regex=r"^[A-Z]{2,6}$"),
                name="school_reference_prefix_capitals",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet["Membership"]):
    def held(self) -> "MembershipQuerySet":
        """Roles in effect: confirmed by a second person (pending ones give no access)."""
        return self.filter(confirmed_at__isnull=False)

    def pending(self) -> "MembershipQuerySet":
        return self.filter(confirmed_at__isnull=True)


class Membership(models.Model):
    """A role held by a person: in one school, or (trust safeguarding lead) across a trust.

    A role takes effect only once a second person has confirmed it (``confirmed_at``): never
    the person who holds it, never the person who granted it (``incidents.access.may_confirm``
    says who may). Until then it gives no access anywhere (``Membership.objects.held()``).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    trust = models.ForeignKey(
        Trust, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            # Nobody confirms their own role, nor a role they granted.
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True)
                | (~Q(confirmed_by=F("user")) & ~Q(confirmed_by=F("granted_by"))),
                name="membership_confirmed_by_another",
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
            # A trust lead belongs to a trust; every other role belongs to one school.
            models.CheckConstraint(
                condition=(
                    Q(role=Role.TRUST_LEAD, trust__isnull=False, school__isnull=True)
                    | (~Q(role=Role.TRUST_LEAD) & Q(trust__isnull=True, school__isnull=False))
                ),
                name="membership_scope_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "school", "role"],
                condition=Q(school__isnull=False),
                name="membership_unique_school_role",
            ),
            models.UniqueConstraint(
                fields=["user", "trust", "role"],
                condition=Q(trust__isnull=False),
                name="membership_unique_trust_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.school or self.trust}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
