"""A DSL grants a named deputy DSL access to one incident, and revokes it.

The grant is a django-guardian object permission in a direct foreign-key table
(``IncidentUserObjectPermission``); ``incidents.access`` reads it, never ``user.has_perm``.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from guardian.shortcuts import assign_perm, remove_perm

from incidents import access
from incidents.audit import AuditAction, log_action
from incidents.models import Incident, Membership, Role, User
from incidents.services.errors import NotAllowed, ServiceError


def _check_granter(incident: Incident, granter: User) -> None:
    if not access.record_access(granter, incident).grant:
        raise NotAllowed("Only the school's DSL can grant access to a record.")


def grant_access(
    incident: Incident, granter: User, deputy: User, request: HttpRequest | None = None
) -> None:
    _check_granter(incident, granter)
    with transaction.atomic():
        if (
            not Membership.objects.held()
            .filter(user=deputy, school=incident.school, role=Role.DEPUTY_DSL)
            .exists()
        ):
            raise ServiceError("Access can only be granted to a deputy DSL of this school.")
        if access.has_grant(deputy, incident):
            raise ServiceError(f"{deputy.get_full_name() or deputy} already has access.")
        assign_perm(access.GRANT_CODENAME, deputy, incident)
        log_action(
            AuditAction.ACCESS_GRANTED,
            request=request,
            user=granter,
            incident=incident,
            data={"grantee_id": deputy.pk},
        )


def revoke_access(
    incident: Incident, granter: User, deputy: User, request: HttpRequest | None = None
) -> None:
    _check_granter(incident, granter)
    with transaction.atomic():
        if not access.has_grant(deputy, incident):
            raise ServiceError("That person has no access to revoke.")
        remove_perm(access.GRANT_CODENAME, deputy, incident)
        log_action(
            AuditAction.ACCESS_REVOKED,
            request=request,
            user=granter,
            incident=incident,
            data={"grantee_id": deputy.pk},
        )
