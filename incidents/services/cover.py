"""A deputy DSL in cover for the DSL: granted by the DSL, ended early by the DSL.

Keeping Children Safe in Education expects deputies trained to the DSL's standard to act when
the DSL is away, while the lead responsibility stays with the DSL. So the DSL puts a named
deputy in cover: every record of the school, for a stated period with a reason, audited. The
DSL's act is the grant: the deputy's role was confirmed by a second person already, and cover
only widens it for a while. It ends by itself (``access.roles_in`` compares with the time now)
or earlier, when the DSL ends it. docs/policy.md#cover-in-the-dsls-absence.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from incidents import access, display
from incidents.audit import AuditAction, log_action
from incidents.models import Cover, Membership, Role, School, User
from incidents.services.errors import NotAllowed, ServiceError

# The longest cover: four weeks. Long enough for a holiday, a course or a short illness in
# term; an absence longer than that is the school appointing an acting DSL (a DSL role,
# confirmed by a second person), not one person's grant. A cover may be granted again.
MAX_COVER = timedelta(days=28)
# How far ahead a cover may be arranged (a planned absence next term).
MAX_LEAD = timedelta(days=90)
# A start "now" typed a minute ago is still now.
GRACE = timedelta(minutes=5)


def _check_dsl(school: School, user: User) -> None:
    if Role.DSL not in access.roles_in(user, school):
        raise NotAllowed("Only the school's DSL puts a deputy in cover.")


def grant_cover(
    *,
    school: School,
    granted_by: User,
    deputy: User,
    starts_at: datetime | None,
    ends_at: datetime,
    reason: str,
    request: HttpRequest | None = None,
) -> Cover:
    """The DSL puts ``deputy`` in cover from ``starts_at`` (``None``: now) to ``ends_at``."""
    now = timezone.now()
    start = now if starts_at is None or starts_at <= now else starts_at
    reason = reason.strip()
    with transaction.atomic():
        _check_dsl(school, granted_by)
        if deputy.pk == granted_by.pk:
            raise ServiceError("You cannot put yourself in cover.")
        if starts_at is not None and starts_at < now - GRACE:
            raise ServiceError("A cover cannot start in the past: leave the start empty for now.")
        if start > now + MAX_LEAD:
            raise ServiceError("A cover can be arranged up to 90 days ahead.")
        if ends_at <= start:
            raise ServiceError("The end must be after the start.")
        if ends_at - start > MAX_COVER:
            raise ServiceError(
                "A cover lasts at most 28 days. For a longer absence, the school appoints an "
                "acting DSL; or put the deputy in cover again nearer the time."
            )
        if not reason:
            raise ServiceError("Say why the deputy is covering (for example, the DSL's leave).")
        held = Membership.objects.held().filter(user=deputy, school=school)
        roles = set(held.values_list("role", flat=True))
        if not deputy.is_active or Role.DEPUTY_DSL not in roles:
            raise ServiceError("Only a deputy DSL of this school can cover for the DSL.")
        if Role.DSL in roles:
            raise ServiceError(f"{display.person_name(deputy)} is a DSL of this school already.")
        overlapping = (
            Cover.objects.select_for_update()
            .filter(school=school, deputy=deputy, starts_at__lt=ends_at, ends_at__gt=start)
            .exclude(ended_at__isnull=False, ended_at__lte=start)
        )
        if overlapping.exists():
            raise ServiceError(
                f"{display.person_name(deputy)} already has a cover at that time: end it first."
            )
        cover = Cover.objects.create(
            school=school,
            deputy=deputy,
            granted_by=granted_by,
            granted_at=now,
            starts_at=start,
            ends_at=ends_at,
            reason=reason,
        )
        log_action(
            AuditAction.COVER_GRANTED,
            request=request,
            user=granted_by,
            school=school,
            # The reason is the DSL's words about their own absence: kept on the cover, not in
            # the log, which holds no free text.
            data={
                "cover_id": cover.pk,
                "deputy_id": deputy.pk,
                "starts_at": start.isoformat(),
                "ends_at": ends_at.isoformat(),
            },
        )
    return cover


def end_cover(cover: Cover, ended_by: User, request: HttpRequest | None = None) -> Cover:
    """The DSL ends a cover before its time (or withdraws one not yet begun)."""
    with transaction.atomic():
        locked = Cover.objects.select_for_update().select_related("school").get(pk=cover.pk)
        _check_dsl(locked.school, ended_by)
        now = timezone.now()
        if locked.ended_at is not None or locked.ends_at <= now:
            raise ServiceError("That cover has already ended.")
        locked.ended_at = now
        locked.ended_by = ended_by
        locked.save(update_fields=["ended_at", "ended_by"])
        log_action(
            AuditAction.COVER_ENDED,
            request=request,
            user=ended_by,
            school=locked.school,
            data={"cover_id": locked.pk, "deputy_id": locked.deputy_id},
        )
    return locked
