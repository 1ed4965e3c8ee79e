"""Accounts and the roles people hold: separation of duties and leavers.

A role granted to someone (in the admin or anywhere) gives no access until a second person
confirms it: never the person who holds it, never the person who granted it
(``incidents.access.may_confirm`` says who may; the database refuses the first two). Every
change of a role, an account's active state, its administrator flags or its password is
written to the audit chain here, whoever makes it and wherever (the admin calls these too).

A leaver's account is deactivated, never deleted: the records keep who wrote each entry, under
the name they had then. Deactivating ends every session of the account at once, and the DSL
reassigns the follow-up actions the leaver still owned.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from incidents import access, display
from incidents.audit import AuditAction, log_action
from incidents.models import Action, Incident, Membership, Role, School, Status, User
from incidents.services.errors import NotAllowed, ServiceError
from incidents.services.records import _claim_version, _stamp

# The fields of a membership that say which role it gives to whom, where: changing any of them
# is granting a new role, which waits for confirmation again.
ROLE_FIELDS = ("user", "school", "trust", "role")
# The account's fields whose change is audited (besides the password), by the action logged.
NAME_FIELDS = ("username", "first_name", "last_name", "email")
ADMIN_FLAGS = ("is_staff", "is_superuser")
# A follow-up action can be given to someone else while the record is still being written;
# once signed it changes only by being sent back, once approved only by an addendum.
REASSIGNABLE = frozenset({Status.REPORTED, Status.UNDER_REVIEW})


def _role_data(membership: Membership) -> dict[str, Any]:
    return {
        "membership_id": membership.pk,
        "holder_id": membership.user_id,
        "role": membership.role,
        "trust_id": membership.trust_id,
    }


def _school_of(membership: Membership) -> School | None:
    return membership.school if membership.school_id else None


# Roles ------------------------------------------------------------------------------------


def save_membership(
    membership: Membership,
    granted_by: User,
    request: HttpRequest | None = None,
    *,
    changed: Iterable[str] = (),
) -> Membership:
    """Grant a role (a new membership), or record a change of one (``changed``: the fields the
    form changed). A new role, or one whose holder, place or role changed, waits for a second
    person's confirmation; nothing else about a membership is changed here."""
    changed = set(changed)
    with transaction.atomic():
        is_new = membership.pk is None
        regranted = is_new or bool(changed & set(ROLE_FIELDS))
        if regranted:
            membership.granted_by = granted_by
            membership.granted_at = timezone.now()
            membership.confirmed_by = None
            membership.confirmed_at = None
        membership.save()
        if regranted:
            log_action(
                AuditAction.ROLE_GRANTED if is_new else AuditAction.ROLE_CHANGED,
                request=request,
                user=granted_by,
                school=_school_of(membership),
                data={**_role_data(membership), "changed": sorted(changed)},
            )
    return membership


def grant_role(
    *,
    holder: User,
    role: str,
    granted_by: User,
    school: School | None = None,
    request: HttpRequest | None = None,
    trust_id: int | None = None,
) -> Membership:
    """A role for ``holder``, waiting for a second person's confirmation."""
    membership = Membership(user=holder, role=role, school=school, trust_id=trust_id)
    return save_membership(membership, granted_by, request)


def _pending(membership: Membership, confirmer: User) -> Membership:
    """The membership re-read under a row lock; refused unless ``confirmer`` may confirm it."""
    try:
        locked = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("school", "user")
            .get(pk=membership.pk)
        )
    except Membership.DoesNotExist:
        raise ServiceError("That role is no longer waiting for confirmation.") from None
    if locked.is_confirmed:
        raise ServiceError("That role has already been confirmed.")
    if confirmer.pk == locked.user_id:
        raise NotAllowed("Nobody confirms their own role.")
    if confirmer.pk == locked.granted_by_id:
        raise NotAllowed("The person who granted a role cannot also confirm it.")
    if not access.may_confirm(confirmer, locked):
        raise NotAllowed("Your role does not allow you to confirm this role.")
    return locked


def confirm_role(
    membership: Membership, confirmer: User, request: HttpRequest | None = None
) -> Membership:
    """A second person confirms a pending role: from now it takes effect."""
    with transaction.atomic():
        locked = _pending(membership, confirmer)
        locked.confirmed_by = confirmer
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["confirmed_by", "confirmed_at"])
        log_action(
            AuditAction.ROLE_CONFIRMED,
            request=request,
            user=confirmer,
            school=_school_of(locked),
            data={**_role_data(locked), "granted_by_id": locked.granted_by_id},
        )
    return locked


def refuse_role(
    membership: Membership, confirmer: User, request: HttpRequest | None = None
) -> None:
    """A second person refuses a pending role: it is removed, never having taken effect."""
    with transaction.atomic():
        locked = _pending(membership, confirmer)
        data = {**_role_data(locked), "granted_by_id": locked.granted_by_id}
        school = _school_of(locked)
        locked.delete()
        log_action(
            AuditAction.ROLE_REFUSED, request=request, user=confirmer, school=school, data=data
        )


def remove_role(
    membership: Membership, removed_by: User, request: HttpRequest | None = None
) -> None:
    """A role ends (the administrator removes it)."""
    with transaction.atomic():
        data = {**_role_data(membership), "was_confirmed": membership.is_confirmed}
        school = _school_of(membership)
        membership.delete()
        log_action(
            AuditAction.ROLE_REMOVED, request=request, user=removed_by, school=school, data=data
        )


# Accounts ---------------------------------------------------------------------------------


def end_sessions(person: User) -> int:
    """Delete every stored session signed in as ``person``; how many there were.

    Sessions are signed blobs keyed by a random id, so each live one is read (a school's
    deployment holds few: they expire after 30 idle minutes)."""
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(person.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def _deactivated(person: User, by: User, request: HttpRequest | None, via: str) -> int:
    """After the account is saved inactive: end its sessions and log it."""
    ended = end_sessions(person)
    log_action(
        AuditAction.ACCOUNT_DEACTIVATED,
        request=request,
        user=by,
        data={"account_id": person.pk, "sessions_ended": ended, "via": via},
    )
    return ended


def save_account(
    person: User,
    by: User,
    request: HttpRequest | None = None,
    *,
    password_changed: bool = False,
) -> User:
    """Save an account as an administrator changed it, writing each kind of change to the
    audit chain: created, renamed, deactivated (its sessions ended) or reactivated, its
    administrator flags, its password. Compared with the account as stored."""
    with transaction.atomic():
        before = User.objects.select_for_update().filter(pk=person.pk).first()
        person.save()
        if before is None:
            log_action(
                AuditAction.ACCOUNT_CREATED,
                request=request,
                user=by,
                data={"account_id": person.pk, "is_staff": person.is_staff},
            )
            if person.is_staff or person.is_superuser:
                _flags_changed(person, by, request, ["is_staff", "is_superuser"])
            return person
        renamed = [f for f in NAME_FIELDS if getattr(before, f) != getattr(person, f)]
        if renamed:
            log_action(
                AuditAction.ACCOUNT_RENAMED,
                request=request,
                user=by,
                data={"account_id": person.pk, "fields": renamed},
            )
        flags = [f for f in ADMIN_FLAGS if getattr(before, f) != getattr(person, f)]
        if flags:
            _flags_changed(person, by, request, flags)
        if password_changed or before.password != person.password:
            log_action(
                AuditAction.PASSWORD_SET, request=request, user=by, data={"account_id": person.pk}
            )
        if before.is_active and not person.is_active:
            _deactivated(person, by, request, "admin")
        elif person.is_active and not before.is_active:
            log_action(
                AuditAction.ACCOUNT_REACTIVATED,
                request=request,
                user=by,
                data={"account_id": person.pk},
            )
    return person


def _flags_changed(person: User, by: User, request: HttpRequest | None, flags: list[str]) -> None:
    log_action(
        AuditAction.ADMIN_FLAGS_CHANGED,
        request=request,
        user=by,
        data={"account_id": person.pk, **{f: getattr(person, f) for f in flags}},
    )


def set_password(
    person: User, raw_password: str, by: User, request: HttpRequest | None = None
) -> None:
    """An administrator sets an account's password (the admin's password page)."""
    with transaction.atomic():
        person.set_password(raw_password)
        person.save(update_fields=["password"])
        log_action(
            AuditAction.PASSWORD_SET, request=request, user=by, data={"account_id": person.pk}
        )


def record_password_set(person_id: int, by: User, request: HttpRequest | None = None) -> None:
    """The admin's own password page has set an account's password: the change is logged."""
    log_action(AuditAction.PASSWORD_SET, request=request, user=by, data={"account_id": person_id})


def deactivate_leaver(
    person: User, school: School, by: User, request: HttpRequest | None = None
) -> int:
    """The school's DSL or headteacher deactivates a leaver's account; how many sessions ended.

    Only an account whose roles are all in this school: someone who still works elsewhere has
    their role here removed by the administrator instead.
    """
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        if not access.roles_in(by, school) & access.SCHOOL_CONFIRMERS:
            raise NotAllowed("Only the school's DSL or headteacher deactivates a leaver.")
        if person.pk == by.pk:
            raise ServiceError("You cannot deactivate your own account.")
        if not person.is_active:
            raise ServiceError(f"{display.person_name(person)}'s account is already deactivated.")
        memberships = list(Membership.objects.filter(user=person))
        if person.is_staff or not memberships:
            raise NotAllowed("That account does not belong to this school.")
        if any(m.school_id != school.pk for m in memberships):
            raise ServiceError(
                f"{display.person_name(person)} also holds a role outside {school.name}: ask "
                "the system administrator to remove their role here instead."
            )
        person.is_active = False
        person.save(update_fields=["is_active"])
        return _deactivated(person, by, request, "school")


def reassign_action(
    action: Action, to: User, by: User, request: HttpRequest | None = None
) -> Action:
    """The DSL gives a leaver's open follow-up action to someone else in the school.

    A change of the record like any other: a new version, the row attributed to the DSL, its
    history kept; refused once the record is signed (send it back first) or approved.
    """
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update().select_related("school").get(pk=action.incident_id)
        )
        if Role.DSL not in access.roles_in(by, incident.school):
            raise NotAllowed("Only the school's DSL reassigns follow-up actions.")
        action = Action.objects.select_for_update().get(pk=action.pk)
        if action.done_on is not None:
            raise ServiceError("That action is done: there is nothing to reassign.")
        if incident.status not in REASSIGNABLE:
            raise ServiceError(
                f"{incident.reference} is {incident.get_status_display().lower()}: its actions "
                "change only while it is being written (send it back, or add a signed addendum "
                "to an approved record)."
            )
        if not to.is_active or not access.roles_in(to, incident.school):
            raise ServiceError("Choose someone who works at the school.")
        previous = action.owner
        _claim_version(incident, incident.version)
        action.owner = display.person_name(to)
        _stamp(action, by)
        action.save(update_fields=["owner", "updated_by", "updated_by_name", "updated_at"])
        log_action(
            AuditAction.ACTION_REASSIGNED,
            request=request,
            user=by,
            incident=incident,
            data={"action_id": action.pk, "to_id": to.pk, "was_owner_named": bool(previous)},
        )
    return action
