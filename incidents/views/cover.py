"""Cover: the DSL puts a deputy DSL in cover for a stated period, ends it early, and sees the
school's covers, current, arranged and past (docs/policy.md#cover-in-the-dsls-absence)."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from incidents import access, queries, services
from incidents.display import person_name
from incidents.forms.cover import CoverForm
from incidents.http import AuthenticatedRequest
from incidents.models import Cover, Role
from incidents.services.cover import MAX_COVER

# The page lists this many covers, latest first (the audit log keeps every one).
LISTED = 50


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def school_cover(request: AuthenticatedRequest) -> HttpResponse:
    school = request.school
    if not school:
        return redirect("choose_school")
    if Role.DSL not in request.roles:
        raise PermissionDenied("Only the school's DSL puts a deputy in cover.")
    form = CoverForm(request.POST or None, deputies=queries.school_deputies(school))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cover = services.grant_cover(
                school=school,
                granted_by=request.user,
                deputy=data["deputy"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                reason=data["reason"],
                request=request,
            )
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"{person_name(cover.deputy)} is in cover from "
                f"{timezone.localtime(cover.starts_at):%-d %b %Y, %H:%M} until "
                f"{timezone.localtime(cover.ends_at):%-d %b %Y, %H:%M}.",
            )
            return redirect("school_cover")
    now = timezone.now()
    covers = list(queries.school_covers(school)[: LISTED + 1])
    return render(
        request,
        "incidents/people/cover.html",
        {
            "form": form,
            "current": [c for c in covers[:LISTED] if _state(c, now) == "current"],
            "arranged": [c for c in covers[:LISTED] if _state(c, now) == "arranged"],
            "past": [c for c in covers[:LISTED] if _state(c, now) == "past"],
            "more": len(covers) > LISTED,
            "max_days": MAX_COVER.days,
        },
    )


def _state(cover: Cover, now: datetime) -> str:
    if cover.effective_end() <= now:
        return "past"
    if cover.starts_at > now:
        return "arranged"
    return "current"


@never_cache
@login_required
@require_POST
def cover_end(request: AuthenticatedRequest, cover: int) -> HttpResponse:
    """End a cover early (or withdraw one not yet begun): the school's DSL; 404 elsewhere."""
    found = Cover.objects.select_related("school", "deputy").filter(pk=cover).first()
    roles = access.roles_in(request.user, found.school) if found is not None else frozenset()
    if found is None or not roles:
        raise Http404("No such cover")
    if Role.DSL not in roles:
        raise PermissionDenied("Only the school's DSL ends a cover.")
    try:
        services.end_cover(found, request.user, request)
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{person_name(found.deputy)}'s cover has ended.")
    return redirect("school_cover")
