"""Keeping what someone typed when their session ended, and giving it back once: nothing is
lost when a session expires.

``keep`` stores a form posted after the session's limit for the person whose session it was;
``take`` hands it back to that person, on the page it was posted to, once, and deletes it.
The POST is never replayed: the page renders its form bound to the kept data, with a fresh
CSRF token, and nothing is saved until the person presses save again.
"""

import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from incidents.audit import AuditAction, log_action
from incidents.models import KeptSubmission, User

# Never kept: the token of the request that came too late is worth nothing in a new session,
# and no secret (a password or a code) is ever stored.
_NOT_KEPT = ("csrfmiddlewaretoken",)
_SECRET_WORDS = ("password", "otp", "token", "code")


def _kept_field(name: str) -> bool:
    return name not in _NOT_KEPT and not any(word in name.lower() for word in _SECRET_WORDS)


def _oldest_kept(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(seconds=settings.KEPT_SUBMISSION_SECONDS)


def purge_expired(now: Any = None) -> int:
    """Delete the submissions kept past their time; the number deleted."""
    deleted, _ = KeptSubmission.objects.filter(
        created_at__lte=_oldest_kept(now or timezone.now())
    ).delete()
    return deleted


def paths_for(user: User) -> list[str]:
    """The pages where something is kept for ``user`` (read once, when they sign in)."""
    return list(
        KeptSubmission.objects.filter(user=user, created_at__gt=_oldest_kept(timezone.now()))
        .values_list("path", flat=True)
        .distinct()
    )


def keep(request: HttpRequest, user: User, path: str, posted: QueryDict, limit: str) -> None:
    """Keep ``posted`` for ``user`` on ``path`` (replacing what was kept there before)."""
    data = {key: posted.getlist(key) for key in posted if _kept_field(key)}
    now = timezone.now()
    with transaction.atomic():
        purge_expired(now)
        KeptSubmission.objects.filter(user=user, path=path).delete()
        KeptSubmission.objects.create(user=user, path=path, data=data, created_at=now)
        # What was kept and where; never the words themselves.
        log_action(
            AuditAction.SUBMISSION_KEPT,
            request=request,
            user=user,
            data={"path": path, "fields": len(data), "limit": limit},
        )


def take(request: HttpRequest, user: User, path: str) -> QueryDict | None:
    """What ``user`` typed on ``path`` when their session ended, once; None if nothing is kept
    (or it was kept past its time)."""
    with transaction.atomic():
        kept = (
            KeptSubmission.objects.select_for_update()
            .filter(user=user, path=path, created_at__gt=_oldest_kept(timezone.now()))
            .order_by("-created_at")
            .first()
        )
        if kept is None:
            return None
        KeptSubmission.objects.filter(user=user, path=path).delete()
        log_action(AuditAction.SUBMISSION_RESTORED, request=request, user=user, data={"path": path})
    pairs = [(key, str(value)) for key, values in kept.data.items() for value in values]
    return QueryDict(urlencode(pairs))
