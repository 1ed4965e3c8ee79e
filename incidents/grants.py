"""A DSL grants a named deputy DSL access to one incident, and revokes it (SPEC §1).

One service function per change (STYLE habit 2). The grant is a django-guardian object
permission in a direct foreign-key table (``IncidentUserObjectPermission``); ``access`` reads
it, never ``user.has_perm``.
"""

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from incidents import access
from incidents.audit import log_action
from incidents.models import Membership, Role, User
from incidents.services import ServiceError


def grantable_deputies(incident):
    """Deputy DSLs of the incident's school: the only people a DSL may grant access to."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__school=incident.school,
            memberships__role=Role.DEPUTY_DSL,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def granted_users(incident):
    return (
        User.objects.filter(
            incidentuserobjectpermission__content_object=incident,
            incidentuserobjectpermission__permission__codename=access.GRANT_CODENAME,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _check_granter(incident, granter):
    if not access.allowed(access.roles_in(granter, incident.school), access.Need.GRANT, False):
        raise ServiceError("Only the school's DSL can grant access to a record.")


def grant_access(incident, granter, deputy, request=None) -> None:
    _check_granter(incident, granter)
    with transaction.atomic():
        if not Membership.objects.filter(
            user=deputy, school=incident.school, role=Role.DEPUTY_DSL
        ).exists():
            raise ServiceError("Access can only be granted to a deputy DSL of this school.")
        if access.has_grant(deputy, incident):
            raise ServiceError(f"{deputy.get_full_name() or deputy} already has access.")
        assign_perm(access.GRANT_CODENAME, deputy, incident)
        log_action(
            "incident.access_granted",
            request=request,
            user=granter,
            incident=incident,
            data={"grantee_id": deputy.pk},
        )


def revoke_access(incident, granter, deputy, request=None) -> None:
    _check_granter(incident, granter)
    with transaction.atomic():
        if not access.has_grant(deputy, incident):
            raise ServiceError("That person has no access to revoke.")
        remove_perm(access.GRANT_CODENAME, deputy, incident)
        log_action(
            "incident.access_revoked",
            request=request,
            user=granter,
            incident=incident,
            data={"grantee_id": deputy.pk},
        )
