"""Who may do what with an incident: fetch and authorise in one place (healthchecks'
``_get_check_for_user``).

Roles come from memberships of the incident's school (or of its trust, for the trust
safeguarding lead). A deputy DSL acts on an incident when a DSL has granted them access to it (a
django-guardian object permission with a direct foreign key), on a concern newly reported and
not yet taken up (``NEW_CONCERN``: they may read it and start its record, which grants it to
them), and on every incident of the school while a DSL has put them in cover (``COVER``). The
system administrator (``is_staff``) has no role and therefore no access. Superuser status
grants nothing here: this module never calls ``user.has_perm``. The table is in
docs/architecture.md#who-may-do-what.

Outside the incident's school: 404, never 403, so the existence of a record does not leak.
Inside it, a role that may not do what is asked: 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from incidents.audit import AuditAction, log_action
from incidents.http import SchoolRequest
from incidents.models import (
    Cover,
    Decision,
    ExportJob,
    ExportKind,
    Incident,
    IncidentUserObjectPermission,
    Membership,
    Pupil,
    ReceivedFile,
    Role,
    School,
    Signature,
    SignatureKind,
    Status,
    Transfer,
    User,
)

# The permission codename a DSL grants to a named colleague for one incident.
GRANT_CODENAME = "change_incident"

# Not a membership's role: what ``roles_in`` adds for a deputy DSL whom a DSL has put in cover
# (``models.Cover``) for as long as the cover lasts. It stands beside the DSL in the role sets
# below wherever the DSL's work cannot wait for their return (docs/policy.md#cover-in-the-dsls-
# absence), and is left out where separation of duties keeps a thing to the DSL: granting a
# record or cover, confirming roles, leavers, invitations, destruction at retention.
COVER = "dsl_cover"
# A concern newly reported is one nobody has taken up yet: no part of its record saved.
NEW_CONCERN = Status.REPORTED

# Every role that reads records at all (and so proves a second factor at sign-in).
READERS = frozenset(
    {Role.DSL, Role.DEPUTY_DSL, Role.HEADTEACHER, Role.TRUST_LEAD, Role.SECOND_SIGNATORY}
)
# Roles that sign off a decision not to refer and approve a record: the headteacher, or the
# second signatory where the headteacher is the incident's DSL (docs/policy.md#who-does-what).
SIGNATORIES = frozenset({Role.HEADTEACHER, Role.SECOND_SIGNATORY})
# Who confirms a role granted to someone (never its holder, never its granter): the school's
# headteacher or DSL confirm the roles below them; the trust lead (or, for a school outside a
# trust, a second system administrator) confirms those answerable for the school.
CONFIRMED_BY_SCHOOL = frozenset({Role.STAFF, Role.DEPUTY_DSL})
SCHOOL_CONFIRMERS = frozenset({Role.HEADTEACHER, Role.DSL})
CONFIRMED_BY_TRUST = frozenset({Role.HEADTEACHER, Role.DSL, Role.SECOND_SIGNATORY})
# Roles that read every incident of the school, not only those granted to them; they also
# export the school's inspection pack.
WHOLE_SCHOOL_READERS = frozenset({Role.DSL, Role.HEADTEACHER, Role.TRUST_LEAD, COVER})
# Roles answerable for the school's records, who read a record's access history.
HISTORY_READERS = frozenset({Role.DSL, Role.HEADTEACHER, COVER})
# The school's safeguarding team, alerted to a new concern (each only if they may open it:
# ``alert_recipients``).
SAFEGUARDING_TEAM = frozenset({Role.DSL, Role.DEPUTY_DSL})
# Who may open the school's roll and a child's file: readers of records, less the second
# signatory, who reads only the records they sign (a chair of governors browses no pupils).
PUPIL_READERS = READERS - {Role.SECOND_SIGNATORY}


# What a headteacher who is the incident's DSL is told where they would approve or sign off.
OWN_DECISION = (
    "You are this incident's DSL: you do not approve your own record or sign off your own "
    "decision not to refer. The school's second signatory (a deputy headteacher or the chair "
    "of governors) signs instead."
)


# What a deputy DSL is told of a record they were not granted (a concern already taken up).
TAKEN_UP = (
    "A deputy DSL opens a new concern until someone starts its record; after that, only once "
    "the DSL gives them access to it, or while the DSL has put them in cover."
)


class Need(Enum):
    READ = "read"
    EDIT = "edit"
    APPROVE = "approve"
    GRANT = "grant"


@dataclass(frozen=True)
class RecordAccess:
    """What one person may do with one incident: the roles they hold in its school and, for a
    deputy DSL without a whole-school role, whether a DSL granted them this incident and
    whether it is a concern newly reported (``NEW_CONCERN``), which any deputy may take up."""

    roles: frozenset[str]
    granted: bool = False
    new_concern: bool = False
    # The reader's account, and the school's headteachers who are this incident's DSL (wrote
    # its decision or signed it as DSL): read only for a reader who may sign as headteacher or
    # second signatory.
    user_id: int | None = None
    head_authors: frozenset[int] = frozenset()

    @property
    def read(self) -> bool:
        return bool(self.roles & WHOLE_SCHOOL_READERS) or self.deputy_acts or self.second_signs

    @property
    def deputy_acts(self) -> bool:
        """A deputy DSL granted this incident, or offered it as a concern nobody has taken up
        (they read it and start its record: KCSIE, deputies act in the DSL's absence)."""
        return Role.DEPUTY_DSL in self.roles and (self.granted or self.new_concern)

    @property
    def covering(self) -> bool:
        """A deputy DSL in cover for the DSL: whole-school access for a stated period."""
        return COVER in self.roles

    @property
    def own_decision(self) -> bool:
        """The reader is a headteacher who is this incident's DSL: they may not sign off their
        own decision not to refer nor approve their own record; the second signatory does."""
        return Role.HEADTEACHER in self.roles and self.user_id in self.head_authors

    @property
    def second_signs(self) -> bool:
        """The reader is the school's second signatory and the headteacher is this incident's
        DSL: the second signatory signs off and approves instead."""
        return (
            Role.SECOND_SIGNATORY in self.roles
            and bool(self.head_authors)
            and self.user_id not in self.head_authors
        )

    @property
    def approver_role(self) -> str:
        """The role this reader approves or signs off in."""
        if Role.HEADTEACHER in self.roles and not self.own_decision:
            return Role.HEADTEACHER
        return Role.SECOND_SIGNATORY

    @property
    def edit(self) -> bool:
        """Write the record: the DSL, a deputy in cover, or a deputy granted this incident or
        taking up a concern newly reported."""
        return Role.DSL in self.roles or self.covering or self.deputy_acts

    @property
    def approve(self) -> bool:
        """Approve or send back a signed record; sign off a decision not to refer: the
        headteacher, unless they are the incident's DSL; then the second signatory."""
        return (Role.HEADTEACHER in self.roles and not self.own_decision) or self.second_signs

    @property
    def grant(self) -> bool:
        """Grant a deputy DSL access to this incident: the DSL only. Not a deputy in cover: a
        grant outlasts the cover, so it would stretch the DSL's stated period (and a deputy
        could grant themselves)."""
        return Role.DSL in self.roles

    @property
    def history(self) -> bool:
        """Read who read and changed the record."""
        return bool(self.roles & HISTORY_READERS)

    def allows(self, need: Need) -> bool:
        return bool(getattr(self, need.value))

    def may_change(self, incident: Incident) -> bool:
        """An approved record is locked: later facts go in a signed addendum."""
        return self.edit and not incident.is_locked

    def may_add_addendum(self, incident: Incident) -> bool:
        return self.edit and incident.is_locked


def needs_grant(roles: frozenset[str]) -> bool:
    """Whether a grant would add anything now: a deputy DSL who is neither the DSL nor in cover
    writes (and, without a whole-school role, reads) only the incidents a DSL granted them,
    and the new concerns nobody has taken up."""
    return Role.DEPUTY_DSL in roles and not roles & {Role.DSL, COVER}


def keeps_by_grant(roles: frozenset[str]) -> bool:
    """Whether a deputy who takes up a new concern is granted it to keep: any deputy DSL who
    is not the DSL, in cover or not (a cover ends; the concern they took up stays theirs)."""
    return Role.DEPUTY_DSL in roles and Role.DSL not in roles


def roles_in(user: Any, school: School) -> frozenset[str]:
    """The roles ``user`` holds in ``school``, the trust lead's through the school's trust.

    Only roles in effect: confirmed by a second person, held by an active account. A deputy
    DSL in cover at this moment holds ``COVER`` too: read in the same query (an ``EXISTS`` on
    the deputy's membership row), so cover costs no query of its own and ends by itself when
    its time is up.
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    scope = Q(school=school)
    if school.trust_id:
        scope |= Q(trust_id=school.trust_id, role=Role.TRUST_LEAD)
    rows = (
        Membership.objects.held()
        .filter(scope, user=user)
        .annotate(covering=covering_membership())
        .values_list("role", "covering")
    )
    roles = set()
    for role, covering in rows:
        roles.add(role)
        if covering:
            roles.add(COVER)
    return frozenset(roles)


def covering_membership() -> Q:
    """For a membership row: it is a deputy DSL's, and a cover of that deputy in that school is
    in effect now."""
    return Exists(
        Cover.objects.current(timezone.now()).filter(
            deputy_id=OuterRef("user_id"), school_id=OuterRef("school_id")
        )
    ) & Q(role=Role.DEPUTY_DSL)


def with_roles(schools: QuerySet[School], user: Any) -> QuerySet[School]:
    """``schools``, each with the roles ``user`` holds in it read in the same query (an EXISTS
    per role, and one for a cover in effect: the scope of ``roles_in``): the request's school
    and roles in one round trip, read afresh on every request, so a role revoked (or a cover
    ended) is gone from the next request on."""
    mine = Membership.objects.held().filter(user=user)
    scope = Q(school_id=OuterRef("pk")) | Q(trust_id=OuterRef("trust_id"), role=Role.TRUST_LEAD)
    covering = Exists(
        mine.filter(school_id=OuterRef("pk"), role=Role.DEPUTY_DSL).filter(covering_membership())
    )
    return schools.annotate(
        **{f"holds_{role}": Exists(mine.filter(scope, role=role)) for role in Role.values},
        **{f"holds_{COVER}": covering},
    )


def roles_read_with(school: School, user: Any) -> frozenset[str] | None:
    """The roles ``with_roles`` read with ``school`` (as ``roles_in`` gives them), or None
    for a school read without them."""
    if not hasattr(school, f"holds_{Role.DSL}"):
        return None
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    return frozenset(role for role in (*Role.values, COVER) if getattr(school, f"holds_{role}"))


def head_authors(incident: Incident) -> frozenset[int]:
    """The school's headteachers who are this incident's DSL: who wrote its decision, or
    signed the record as DSL (one query)."""
    signers = Signature.objects.filter(incident_id=incident.pk, kind=SignatureKind.SIGNED)
    deciders = Decision.objects.filter(incident_id=incident.pk)
    return frozenset(
        Membership.objects.held()
        .filter(school_id=incident.school_id, role=Role.HEADTEACHER)
        .filter(
            Q(user_id__in=signers.values("signer_id"))
            | Q(user_id__in=deciders.values("created_by_id"))
            | Q(user_id__in=deciders.values("updated_by_id"))
        )
        .values_list("user_id", flat=True)
    )


def may_confirm(confirmer: Any, membership: Membership) -> bool:
    """Whether ``confirmer`` may confirm (or refuse) ``membership``: never its holder nor its
    granter; a staff or deputy DSL role by the school's headteacher or DSL; a headteacher's,
    DSL's or second signatory's by the trust lead, or for a school outside a trust by a second
    system administrator; a trust lead's by a second system administrator."""
    if not confirmer.is_authenticated or not confirmer.is_active:
        return False
    if confirmer.pk in {membership.user_id, membership.granted_by_id}:
        return False
    if membership.is_confirmed:
        return False
    held = Membership.objects.held().filter(user=confirmer)
    if membership.role in CONFIRMED_BY_SCHOOL:
        return held.filter(school=membership.school, role__in=SCHOOL_CONFIRMERS).exists()
    if membership.role == Role.TRUST_LEAD:
        return _second_administrator(confirmer, membership)
    school = membership.school
    if school is None:
        return False
    if school.trust_id is None:
        return _second_administrator(confirmer, membership)
    return held.filter(trust_id=school.trust_id, role=Role.TRUST_LEAD).exists()


def _second_administrator(confirmer: Any, membership: Membership) -> bool:
    """A system administrator other than the granter, whose account existed before the grant
    (an account made for the purpose cannot be the second person)."""
    if not confirmer.is_staff:
        return False
    return membership.granted_at is None or confirmer.date_joined < membership.granted_at


def is_confirmer(user: Any) -> bool:
    """Whether ``user`` confirms roles in the app: a school's headteacher or DSL, a trust lead."""
    return (
        Membership.objects.held()
        .filter(user=user, role__in=SCHOOL_CONFIRMERS | {Role.TRUST_LEAD})
        .exists()
    )


def confirmable(confirmer: Any) -> QuerySet[Membership]:
    """The pending roles ``confirmer`` may confirm in the app (a school's headteacher or DSL,
    a trust lead), before the holder and granter are excluded."""
    held = Membership.objects.held().filter(user=confirmer)
    schools = held.filter(role__in=SCHOOL_CONFIRMERS).values("school_id")
    trusts = held.filter(role=Role.TRUST_LEAD).values("trust_id")
    return (
        Membership.objects.pending()
        .filter(
            Q(role__in=CONFIRMED_BY_SCHOOL, school_id__in=schools)
            | Q(role__in=CONFIRMED_BY_TRUST, school__trust_id__in=trusts)
        )
        .exclude(user=confirmer)
        .exclude(granted_by=confirmer)
    )


def has_grant(user: Any, incident: Incident) -> bool:
    return IncidentUserObjectPermission.objects.filter(
        user=user, content_object=incident, permission__codename=GRANT_CODENAME
    ).exists()


def access_of(user: Any, incident: Incident, roles: frozenset[str]) -> RecordAccess:
    """What ``user``, holding ``roles`` in the incident's school, may do with it."""
    new_concern = incident.status == NEW_CONCERN
    # A new concern is open to every deputy already: no need to look the grant up.
    granted = needs_grant(roles) and not new_concern and has_grant(user, incident)
    authors = head_authors(incident) if roles & SIGNATORIES else frozenset()
    return RecordAccess(
        roles=roles,
        granted=granted,
        new_concern=new_concern,
        user_id=user.pk,
        head_authors=authors,
    )


def record_access(user: Any, incident: Incident) -> RecordAccess:
    """What ``user`` may do with ``incident``, read afresh (the services re-check with it)."""
    return access_of(user, incident, roles_in(user, incident.school))


def _log_refused(
    request: HttpRequest, incident: Incident | None, need: Need, status: int, reference: str
) -> None:
    """Refused access is audited: who tried which record, for what, and the answer.

    The refused incident is named in the log, which only the audit trail's readers see; the
    person refused still gets a bare 404. The event has the same shape whether the incident
    exists or not (its school comes joined), so writing it takes the same queries.
    """
    log_action(
        AuditAction.ACCESS_REFUSED,
        request=request,
        incident=incident,
        school=incident.school if incident else None,
        data={"need": need.value, "status": status, "reference": reference[:40]},
    )


def _roles_for(request: HttpRequest, school: School) -> frozenset[str]:
    """The user's roles in ``school``; those of the current school are already on the request."""
    current = getattr(request, "school", None)
    if current and current.pk == school.pk:
        # A request with a school has been through CurrentSchoolMiddleware: it has roles too.
        return frozenset(cast(SchoolRequest, request).roles)
    return roles_in(request.user, school)


class RecordDestroyed(Exception):
    """The record was destroyed at the end of its retention: whoever may still read it (the DSL,
    the headteacher, the trust lead) is shown its tombstone (410 Gone,
    ``middleware.TombstoneMiddleware``); the rest of its school 403, anyone else 404, as before."""

    def __init__(self, incident: Incident) -> None:
        super().__init__(incident.reference)
        self.incident = incident


def get_incident_for_user(
    request: HttpRequest,
    reference: str,
    need: Need = Need.READ,
    queryset: QuerySet[Incident] | None = None,
) -> Incident:
    """The incident named by ``reference`` if the user may ``need`` it; else 404 or 403.

    The incident comes back with ``access``, a ``RecordAccess`` saying what else the reader may
    do with it, so no page works the rule out again. ``queryset`` may join more of the record
    (``incidents.record.incidents()``) so the page reads the incident once.

    A reference that does not exist and one of a school where the user holds no role take the
    same work before the same 404 (one lookup, then the audit event): how long the answer takes
    does not tell which it was. So the lookup itself says whether the user holds a role in the
    incident's school, and joins the school the audit event names.
    """
    if queryset is None:
        queryset = Incident.objects.all()
    mine = Membership.objects.held().filter(user_id=cast(int, request.user.pk))
    try:
        incident = (
            queryset.select_related("school")
            .annotate(
                in_school=Exists(mine.filter(school_id=OuterRef("school_id"))),
                in_trust=Exists(
                    mine.filter(role=Role.TRUST_LEAD, trust_id=OuterRef("school__trust_id"))
                ),
            )
            .get(reference=reference)
        )
    except Incident.DoesNotExist:
        _log_refused(request, None, need, 404, reference)
        raise Http404("No such incident") from None
    if not (incident.in_school or incident.in_trust):
        _log_refused(request, incident, need, 404, reference)
        raise Http404("No such incident")
    current = getattr(request, "school", None)
    if current and current.pk == incident.school_id:
        incident.school = current
    roles = _roles_for(request, incident.school)
    if not roles:
        _log_refused(request, incident, need, 404, reference)
        raise Http404("No such incident")
    permitted = access_of(request.user, incident, roles)
    if not permitted.allows(need):
        _log_refused(request, incident, need, 403, reference)
        if need is Need.APPROVE and permitted.own_decision:
            raise PermissionDenied(OWN_DECISION)
        if needs_grant(roles) and need in (Need.READ, Need.EDIT):
            raise PermissionDenied(TAKEN_UP)
        raise PermissionDenied("Your role does not allow this on this record.")
    if incident.destroyed_at is not None:
        raise RecordDestroyed(incident)
    # Not a field: what this reader may do with this incident, for the page to read.
    incident.access = permitted  # type: ignore[attr-defined]
    return incident


def reads_whole_school(roles: frozenset[str]) -> bool:
    """Whether these roles read every incident of the school, not only granted ones."""
    return bool(roles & WHOLE_SCHOOL_READERS)


def readable_incidents(
    user: Any, school: School, roles: frozenset[str] | None = None
) -> QuerySet[Incident]:
    """The incidents of ``school`` that ``user`` may read, as a queryset.

    ``roles``: the user's roles in ``school`` when the caller has them already (``request.roles``
    for the current school), saving a query.
    """
    if roles is None:
        roles = roles_in(user, school)
    # A record destroyed at the end of its retention is only its tombstone: on the retention page.
    qs = Incident.objects.filter(school=school, destroyed_at__isnull=True)
    if reads_whole_school(roles):
        return qs
    if Role.DEPUTY_DSL in roles:
        # Granted to them, or a new concern nobody has taken up (``RecordAccess.deputy_acts``).
        return qs.filter(
            Q(status=NEW_CONCERN)
            | Exists(
                IncidentUserObjectPermission.objects.filter(
                    content_object_id=OuterRef("pk"),
                    user=user,
                    permission__codename=GRANT_CODENAME,
                )
            )
        )
    if Role.SECOND_SIGNATORY in roles:
        return second_signatory_incidents(qs, school)
    return qs.none()


def second_signatory_incidents(incidents: QuerySet[Incident], school: School) -> QuerySet[Incident]:
    """The incidents of ``school`` whose DSL is one of its headteachers: those the second
    signatory signs off and approves (``RecordAccess.second_signs`` for one incident)."""
    heads = Membership.objects.held().filter(school=school, role=Role.HEADTEACHER)
    return incidents.filter(
        Exists(
            Signature.objects.filter(
                incident_id=OuterRef("pk"),
                kind=SignatureKind.SIGNED,
                signer_id__in=heads.values("user_id"),
            )
        )
        | Exists(
            Decision.objects.filter(incident_id=OuterRef("pk")).filter(
                Q(created_by_id__in=heads.values("user_id"))
                | Q(updated_by_id__in=heads.values("user_id"))
            )
        )
    )


def _team_roles(school_id: int, incident: Incident | None = None) -> dict[User, RecordAccess]:
    """The school's safeguarding team (active accounts with an e-mail address), each with what
    they may do with ``incident`` (or, without one, the roles they hold): every role they hold
    in the school, their cover and their grant, in one query."""
    team = Membership.objects.held().filter(school_id=school_id, role__in=SAFEGUARDING_TEAM)
    rows = (
        Membership.objects.held()
        .filter(school_id=school_id, user_id__in=team.values("user_id"))
        .filter(user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .annotate(covering=covering_membership())
        .order_by("user_id")
    )
    if incident is not None:
        rows = rows.annotate(
            granted=Exists(
                IncidentUserObjectPermission.objects.filter(
                    content_object_id=incident.pk,
                    user_id=OuterRef("user_id"),
                    permission__codename=GRANT_CODENAME,
                )
            )
        )
    people: dict[int, tuple[User, set[str], bool]] = {}
    for row in rows:
        user, roles, granted = people.setdefault(row.user_id, (row.user, set(), False))
        roles.add(row.role)
        if row.covering:  # type: ignore[attr-defined]  # annotated
            roles.add(COVER)
        people[row.user_id] = (user, roles, granted or bool(getattr(row, "granted", False)))
    new_concern = incident is not None and incident.status == NEW_CONCERN
    return {
        user: RecordAccess(
            roles=frozenset(roles),
            granted=granted and needs_grant(frozenset(roles)),
            new_concern=new_concern,
            user_id=user.pk,
        )
        for user, roles, granted in people.values()
    }


def alert_recipients(incident: Incident) -> list[User]:
    """Who is e-mailed about ``incident``: the safeguarding team, each only if they may open
    what the alert links to (``RecordAccess.read``, the rule every page applies)."""
    return [user for user, may in _team_roles(incident.school_id, incident).items() if may.read]


def whole_school_team(school: School) -> dict[User, frozenset[str]]:
    """The safeguarding team who read every record of ``school`` now (the DSL, a deputy in
    cover), with their roles: the daily reminder, whose lines link to any record of the
    school, goes to them."""
    return {
        user: may.roles
        for user, may in _team_roles(school.pk).items()
        if reads_whole_school(may.roles)
    }


def schools_for(user: Any) -> QuerySet[School]:
    """Every school the user holds a role in, directly or through a trust."""
    if not user.is_authenticated:
        return School.objects.none()
    # Two id subqueries rather than joins with DISTINCT, which made PostgreSQL read every
    # membership of the deployment on each request (bench/README.md).
    mine = Membership.objects.held().filter(user=user)
    return School.objects.filter(
        Q(pk__in=mine.filter(school__isnull=False).values("school_id"))
        | Q(trust_id__in=mine.filter(role=Role.TRUST_LEAD).values("trust_id"))
    )


# Accounts: who has a second factor, and who may invite whom.


def has_second_factor(user: Any) -> bool:
    """A confirmed authenticator app or passkey. Recovery codes alone are not one: they stand
    in for a device, and are only issued with one."""
    return bool(
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


def invitable_by_dsl(school: School) -> QuerySet[User]:
    """The accounts a DSL of ``school`` may invite: active, no system administrator, at least
    one role and every role in this school (a trust lead's or another school's role needs an
    administrator)."""
    elsewhere = Membership.objects.filter(user=OuterRef("pk")).exclude(school=school)
    return (
        User.objects.filter(is_active=True, is_staff=False, is_superuser=False)
        .filter(Exists(Membership.objects.filter(user=OuterRef("pk"), school=school)))
        .exclude(Exists(elsewhere))
    )


def may_invite(issuer: Any, account: User, school: School | None) -> bool:
    """A system administrator may invite anyone; a DSL, in their current school, an account
    whose roles are all in that school (never their own)."""
    if issuer.is_staff:
        return True
    if school is None or issuer.pk == account.pk:
        return False
    if Role.DSL not in roles_in(issuer, school):
        return False
    return invitable_by_dsl(school).filter(pk=account.pk).exists()


# The child's file: pupils, transfers out, files received --------------------------------------

# Who imports the roll, marks a pupil leaving, sends the file and confirms a file received.
# A deputy in cover too: a transfer's deadline does not wait for the DSL's return.
FILE_KEEPERS = frozenset({Role.DSL, COVER})
# Who reads a file received from another school (its copy belongs to this school).
RECEIVED_READERS = frozenset({Role.DSL, Role.HEADTEACHER, COVER})


def get_pupil_for_user(request: HttpRequest, pk: int, *, keeper: bool = False) -> Any:
    """The pupil ``pk`` with ``roles`` (the reader's in the pupil's school) set on it.

    404 unless the user holds a role in the pupil's school (a pupil's existence does not leak
    to another school); 403 there to a role that reads no records, and to one that is not a
    keeper of files when ``keeper``.
    """
    pupil = Pupil.objects.select_related("school").filter(pk=pk).first()
    roles = _roles_for(request, pupil.school) if pupil is not None else frozenset()
    if pupil is None or not roles:
        raise Http404("No such pupil")
    if not roles & PUPIL_READERS:
        raise PermissionDenied("Your role does not show pupils' files.")
    if keeper and not roles & FILE_KEEPERS:
        raise PermissionDenied("Only the DSL does this.")
    pupil.roles = roles  # type: ignore[attr-defined]
    return pupil


def get_transfer_for_user(request: HttpRequest, pk: int) -> Transfer:
    """A transfer out, for a keeper of files of the sending school; 404 outside it."""
    transfer = (
        Transfer.objects.select_related("pupil", "school", "destination_school")
        .filter(pk=pk)
        .first()
    )
    roles = _roles_for(request, transfer.school) if transfer is not None else frozenset()
    if transfer is None or not roles:
        raise Http404("No such transfer")
    if not roles & FILE_KEEPERS:
        raise PermissionDenied("Only the DSL sends a child's file.")
    return transfer


def get_received_for_user(request: HttpRequest, pk: int, *, keeper: bool = False) -> ReceivedFile:
    """A file received, for the receiving school's DSL or headteacher; 404 to anyone else
    (the sending school included: once sent, the copy is the receiver's)."""
    received = ReceivedFile.objects.select_related("school", "transfer").filter(pk=pk).first()
    roles = _roles_for(request, received.school) if received is not None else frozenset()
    if received is None or not roles:
        raise Http404("No such file")
    if not roles & (FILE_KEEPERS if keeper else RECEIVED_READERS):
        raise PermissionDenied("Your role does not read files received from other schools.")
    received.roles = roles  # type: ignore[attr-defined]
    return received


# The trust overview and the charts (issue 18) -----------------------------------------------

# Roles that see their own school's overview and charts: aggregates of every record of the
# school, so only those who read every record of it (a deputy DSL reads only granted ones).
OVERVIEW_READERS = frozenset({Role.DSL, Role.HEADTEACHER, Role.TRUST_LEAD, COVER})
# Roles that write the governors' report of their school.
GOVERNORS_REPORT_WRITERS = frozenset({Role.DSL, Role.HEADTEACHER, COVER})


def led_schools(user: Any) -> QuerySet[School]:
    """Every school of the trusts ``user`` is the trust safeguarding lead of."""
    if not user.is_authenticated:
        return School.objects.none()
    trusts = Membership.objects.filter(user=user, role=Role.TRUST_LEAD).values("trust_id")
    return School.objects.filter(trust_id__in=trusts).order_by("name")


def get_export_for_user(request: HttpRequest, pk: Any, *, with_content: bool = False) -> ExportJob:
    """An export, for the person who asked for it and nobody else (404 to anyone else, the
    same school included: the file was made for them). Their right to what it holds is checked
    again, as when they asked: a role or a grant withdrawn since then withdraws the file.
    """
    jobs = ExportJob.objects.select_related("school", "incident")
    if not with_content:
        jobs = jobs.defer("content")
    job = jobs.filter(pk=pk, requester_id=cast(int, request.user.pk)).first()
    if job is None:
        raise Http404("No such export")
    if job.kind == ExportKind.RECORD_PDF:
        assert job.incident is not None
        get_incident_for_user(request, job.incident.reference, Need.READ)
    elif not reads_whole_school(roles_in(request.user, job.school)):
        raise PermissionDenied("Only the DSL, the headteacher or the trust lead export the pack.")
    return job
