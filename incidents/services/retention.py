"""Retention review: keep a record past its review date, or authorise its destruction.

A record is reviewed once its review date (``childfile.review_date``) has passed. The DSL or
the headteacher keeps it, with a reason and a new review date; or both of them, two people,
authorise its destruction. A legal hold on the record or its school refuses the
authorisation. Once authorised, either of them destroys it (``destroy_record``): the
database function ``incidents_destroy_record`` (migration 0014, owned by the owner role, the
one path past the locks) removes its content and keeps the tombstone. PostgreSQL only: on
SQLite there are no locks to pass and destruction is refused.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from incidents import childfile
from incidents.access import roles_in
from incidents.audit import AuditAction, log_action
from incidents.models import Incident, RetentionReview, Role, Tombstone, User
from incidents.services.errors import NotAllowed, ServiceError

REVIEWERS = frozenset({Role.DSL, Role.HEADTEACHER})


def _check(incident: Incident, user: User, today: date) -> None:
    if incident.destroyed_at is not None:
        raise ServiceError(f"{incident.reference} has been destroyed.")
    if not roles_in(user, incident.school) & REVIEWERS:
        raise NotAllowed("Only the DSL and the headteacher review a record's retention.")
    review_on, kept_until = childfile.retention_state(incident, today)
    if review_on > today:
        raise ServiceError(f"{incident.reference} is not due for review until {review_on}.")
    if kept_until is not None and kept_until > today:
        raise ServiceError(f"{incident.reference} is kept until {kept_until}.")


def keep_record(
    *,
    incident: Incident,
    user: User,
    reason: str,
    review_on: date,
    request: HttpRequest | None = None,
) -> RetentionReview:
    today = timezone.localdate()
    if not reason.strip():
        raise ServiceError("Say why the record is kept.")
    if review_on <= today:
        raise ServiceError("The next review date must be after today.")
    with transaction.atomic():
        incident = Incident.objects.select_for_update().select_related("school").get(pk=incident.pk)
        _check(incident, user, today)
        review = RetentionReview.objects.create(
            incident=incident,
            outcome=RetentionReview.Outcome.KEEP,
            reason=reason.strip(),
            review_on=review_on,
            decided_by=user,
        )
        log_action(
            AuditAction.RETENTION_KEPT,
            request=request,
            user=user,
            incident=incident,
            data={"review": review.pk, "review_on": review_on.isoformat()},
        )
    return review


def _check_holds(incident: Incident) -> None:
    holds = childfile.holds_on(incident)
    if holds:
        on = "the school" if holds[0].incident_id is None else "this record"
        raise ServiceError(
            f"A legal hold stands on {on} ({holds[0].reason}): it cannot be destroyed."
        )


def authorise_destruction(
    *, incident: Incident, user: User, reason: str = "", request: HttpRequest | None = None
) -> RetentionReview:
    """The first of the DSL and the headteacher proposes (with the reason); the second, another
    person, countersigns. Refused while a legal hold stands on the record or its school."""
    today = timezone.localdate()
    with transaction.atomic():
        incident = Incident.objects.select_for_update().select_related("school").get(pk=incident.pk)
        _check(incident, user, today)
        _check_holds(incident)
        pending = (
            RetentionReview.objects.filter(
                incident=incident, outcome=RetentionReview.Outcome.DESTROY
            )
            .order_by("-decided_at")
            .first()
        )
        if pending is None:
            if not reason.strip():
                raise ServiceError("Say why the record can be destroyed.")
            review = RetentionReview.objects.create(
                incident=incident,
                outcome=RetentionReview.Outcome.DESTROY,
                reason=reason.strip(),
                decided_by=user,
            )
        elif pending.countersigned_at is not None:
            raise ServiceError("Its destruction is already authorised.")
        elif pending.decided_by_id == user.pk:
            raise ServiceError(
                "You proposed its destruction: the other of the DSL and the headteacher "
                "authorises it."
            )
        else:
            pending.countersigned_by = user
            pending.countersigned_at = timezone.now()
            pending.save(update_fields=["countersigned_by", "countersigned_at"])
            review = pending
        log_action(
            AuditAction.DESTRUCTION_AUTHORISED
            if review.countersigned_at
            else AuditAction.DESTRUCTION_PROPOSED,
            request=request,
            user=user,
            incident=incident,
            data={"review": review.pk},
        )
    return review


def destroy_record(
    *, incident: Incident, user: User, request: HttpRequest | None = None
) -> Tombstone:
    """Remove an authorised record's content, keeping its tombstone.

    The checks here give the reader a message; ``incidents_destroy_record`` checks the same
    again in the database (authorised by two people, no legal hold, past its review date, not
    kept, by the school's DSL or headteacher) since it is the one path past the locks.
    """
    today = timezone.localdate()
    if connection.vendor != "postgresql":
        raise ServiceError(
            "Records are destroyed only on PostgreSQL, through the database function that "
            "passes the record locks; this installation runs on SQLite."
        )
    with transaction.atomic():
        incident = Incident.objects.select_for_update().select_related("school").get(pk=incident.pk)
        _check(incident, user, today)
        _check_holds(incident)
        review = (
            RetentionReview.objects.filter(
                incident=incident, outcome=RetentionReview.Outcome.DESTROY
            )
            .order_by("-decided_at", "-pk")
            .first()
        )
        if review is None or not review.authorised:
            raise ServiceError(
                f"{incident.reference}'s destruction is not authorised by both the DSL and the "
                "headteacher."
            )
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT incidents_destroy_record(%s, %s, %s)", [incident.pk, review.pk, user.pk]
                )
                (tombstone_id,) = cursor.fetchone()
        except IntegrityError as exc:
            message = str(exc).splitlines()[0] if str(exc) else "refused"
            raise ServiceError(f"The database refused the destruction: {message}") from exc
        tombstone = Tombstone.objects.select_related("incident").get(pk=tombstone_id)
        log_action(
            AuditAction.RECORD_DESTROYED,
            request=request,
            user=user,
            incident=tombstone.incident,
            data={"review": review.pk, "tombstone": tombstone.pk},
        )
    return tombstone
