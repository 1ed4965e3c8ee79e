"""Trusts, schools, accounts and the roles people hold in them."""

from datetime import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q

from incidents.models.choices import Phase, Role
from incidents.models.locking import cover_only_ends
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


class CoverQuerySet(models.QuerySet["Cover"]):
    def current(self, at: datetime) -> "CoverQuerySet":
        """Covers in effect at ``at``: begun, not yet at their end, not ended early."""
        return self.filter(starts_at__lte=at, ends_at__gt=at).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=at)
        )


class Cover(models.Model):
    """A deputy DSL covering for the DSL: whole-school access for a stated period.

    The DSL's act is the grant (no second confirmation): the deputy's own role was confirmed by
    a second person already, and cover only lets it reach every record of the school for a
    while (docs/policy.md#cover-in-the-dsls-absence). It ends by itself at ``ends_at``: access
    checks compare with the time now, so no job ends it. The DSL may end it early
    (``ended_at``). A row is never deleted and, once written, only ``ended_at`` and
    ``ended_by`` are set, once (the database refuses anything else).
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="covers")
    deputy = models.ForeignKey(User, on_delete=models.PROTECT, related_name="covers")
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=500)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = CoverQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["deputy", "school", "ends_at"], name="cover_deputy_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="cover_ends_after"
            ),
            # The DSL's act is the grant, but never to themselves.
            models.CheckConstraint(condition=~Q(deputy=F("granted_by")), name="cover_not_self"),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, ended_by__isnull=True)
                | Q(ended_at__isnull=False, ended_by__isnull=False),
                name="cover_ended_by_someone",
            ),
        ]
        triggers = [cover_only_ends()]

    def __str__(self) -> str:
        return f"Cover by {self.deputy} at {self.school} until {self.ends_at:%Y-%m-%d %H:%M}"

    def effective_end(self) -> datetime:
        """When the cover stops (or stopped): its end, or when it was ended early."""
        if self.ended_at is not None and self.ended_at < self.ends_at:
            return self.ended_at
        return self.ends_at
