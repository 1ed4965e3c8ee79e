"""Who may do what with an incident: fetch and authorise in one place (STYLE habit 4).

SPEC §1. Roles come from memberships of the incident's school (or of its trust, for the trust
safeguarding lead). A deputy DSL acts on an incident only when a DSL has granted them access to
it (a django-guardian object permission with a direct foreign key). The system administrator
(``is_staff``) has no role and therefore no access. Superuser status grants nothing here: this
module never calls ``user.has_perm``.

Outside the incident's school: 404, never 403, so the existence of a record does not leak.
Inside it, a role that may not do what is asked: 403.
"""

from enum import Enum

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from incidents.models import Incident, IncidentUserObjectPermission, Membership, Role, School

# The permission codename a DSL grants to a named colleague for one incident.
GRANT_CODENAME = "change_incident"


class Need(Enum):
    READ = "read"
    EDIT = "edit"
    APPROVE = "approve"
    GRANT = "grant"


READERS = {Role.DSL, Role.DEPUTY_DSL, Role.HEADTEACHER, Role.TRUST_LEAD}


def roles_in(user, school: School) -> frozenset[str]:
    """The roles ``user`` holds in ``school``, the trust lead's through the school's trust."""
    if not user.is_authenticated:
        return frozenset()
    scope = Q(school=school)
    if school.trust_id:
        scope |= Q(trust_id=school.trust_id, role=Role.TRUST_LEAD)
    return frozenset(Membership.objects.filter(scope, user=user).values_list("role", flat=True))


def has_grant(user, incident: Incident) -> bool:
    return IncidentUserObjectPermission.objects.filter(
        user=user, content_object=incident, permission__codename=GRANT_CODENAME
    ).exists()


def allowed(roles: frozenset[str], need: Need, granted: bool) -> bool:
    """The table of SPEC §1, as one function of roles, the need and a deputy's grant."""
    if need is Need.READ:
        return bool(roles & {Role.DSL, Role.HEADTEACHER, Role.TRUST_LEAD}) or (
            Role.DEPUTY_DSL in roles and granted
        )
    if need is Need.EDIT:
        return Role.DSL in roles or (Role.DEPUTY_DSL in roles and granted)
    if need is Need.APPROVE:
        return Role.HEADTEACHER in roles
    if need is Need.GRANT:
        # SPEC §1: the DSL grants a colleague access to one incident.
        return Role.DSL in roles
    raise ValueError(need)


def _log_refused(request, incident, need: Need, status: int, reference: str = "") -> None:
    """Refused access is audited (SPEC §11): who tried which record, for what, and the answer.

    The refused incident is named in the log, which only the audit trail's readers see; the
    person refused still gets a bare 404.
    """
    from incidents.audit import log_action

    data = {"need": need.value, "status": status}
    if incident is None:
        data["reference"] = reference[:40]
    log_action(
        "incident.access_refused",
        request=request,
        incident=incident,
        school=incident.school if incident else None,
        data=data,
    )


def _roles_for(request, school: School) -> frozenset[str]:
    """The user's roles in ``school``; those of the current school are already on the request."""
    current = getattr(request, "school", None)
    if current and current.pk == school.pk:
        return frozenset(request.roles)
    return roles_in(request.user, school)


def get_incident_for_user(
    request, reference: str, need: Need = Need.READ, queryset=None
) -> Incident:
    """The incident named by ``reference`` if the user may ``need`` it; else 404 or 403.

    ``queryset`` may join more of the record (``record.record_joined``) so the page reads the
    incident once. The school is not joined: an incident of the current school takes the
    request's school, already read; any other is read when the check asks for it.
    """
    if queryset is None:
        queryset = Incident.objects.all()
    try:
        incident = queryset.get(reference=reference)
    except Incident.DoesNotExist:
        _log_refused(request, None, need, 404, reference)
        raise Http404("No such incident") from None
    current = getattr(request, "school", None)
    if current and current.pk == incident.school_id:
        incident.school = current
    roles = _roles_for(request, incident.school)
    if not roles:
        _log_refused(request, incident, need, 404)
        raise Http404("No such incident")
    deputy_only = Role.DEPUTY_DSL in roles and not roles & {Role.DSL, Role.HEADTEACHER}
    granted = deputy_only and has_grant(request.user, incident)
    if not allowed(roles, need, granted):
        _log_refused(request, incident, need, 403)
        raise PermissionDenied("Your role does not allow this on this record.")
    incident.viewer_roles = roles
    return incident


def reads_whole_school(roles: frozenset[str]) -> bool:
    """Whether these roles read every incident of the school, not only granted ones."""
    return bool(roles & {Role.DSL, Role.HEADTEACHER, Role.TRUST_LEAD})


def readable_incidents(user, school: School, roles: frozenset[str] | None = None):
    """The incidents of ``school`` that ``user`` may read, as a queryset.

    ``roles``: the user's roles in ``school`` when the caller has them already (``request.roles``
    for the current school), saving a query.
    """
    if roles is None:
        roles = roles_in(user, school)
    qs = Incident.objects.filter(school=school)
    if reads_whole_school(roles):
        return qs
    if Role.DEPUTY_DSL in roles:
        return qs.filter(
            incidentuserobjectpermission__user=user,
            incidentuserobjectpermission__permission__codename=GRANT_CODENAME,
        )
    return qs.none()


def schools_for(user):
    """Every school the user holds a role in, directly or through a trust."""
    if not user.is_authenticated:
        return School.objects.none()
    # Two id subqueries rather than joins with DISTINCT, which made PostgreSQL read every
    # membership of the deployment on each request (bench/README.md).
    mine = Membership.objects.filter(user=user)
    return School.objects.filter(
        Q(pk__in=mine.filter(school__isnull=False).values("school_id"))
        | Q(trust_id__in=mine.filter(role=Role.TRUST_LEAD).values("trust_id"))
    )
