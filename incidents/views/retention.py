"""Retention review: records past their review date, kept, authorised for destruction, destroyed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from incidents import childfile
from incidents.access import Need, get_incident_for_user
from incidents.forms.pupils import DestroyForm, KeepForm
from incidents.http import AuthenticatedRequest
from incidents.models import Incident
from incidents.services import ServiceError
from incidents.services import retention as services
from incidents.services.retention import REVIEWERS


@never_cache
@login_required
@require_GET
def retention_list(request: AuthenticatedRequest) -> HttpResponse:
    if not request.school:
        return redirect("home")
    if not REVIEWERS & frozenset(request.roles):
        raise PermissionDenied("Only the DSL and the headteacher review retention.")
    today = timezone.localdate()
    return render(
        request,
        "incidents/retention.html",
        {
            "records": childfile.past_review(request.school, today),
            "tombstones": childfile.tombstones(request.school),
            "keep_form": KeepForm(),
            "destroy_form": DestroyForm(),
            "today": today,
        },
    )


def _under_review(request: AuthenticatedRequest, reference: str) -> Incident:
    """The record, for the DSL or the headteacher of its school (404 outside it, 403 within)."""
    incident = get_incident_for_user(request, reference, Need.READ)
    if not REVIEWERS & incident.access.roles:  # type: ignore[attr-defined]
        raise PermissionDenied("Only the DSL and the headteacher review retention.")
    return incident


@never_cache
@login_required
@require_POST
def retention_keep(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    incident = _under_review(request, reference)
    form = KeepForm(request.POST)
    if form.is_valid():
        try:
            services.keep_record(
                incident=incident,
                user=request.user,
                reason=form.cleaned_data["reason"],
                review_on=form.cleaned_data["review_on"],
                request=request,
            )
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{incident.reference} is kept.")
    else:
        messages.error(request, "Give the reason and a review date to keep the record.")
    return redirect("retention_list")


@never_cache
@login_required
@require_POST
def retention_authorise(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    incident = _under_review(request, reference)
    form = DestroyForm(request.POST)
    if "authorise" not in request.POST or not form.is_valid():
        messages.error(request, "Nothing was authorised: use the button.")
        return redirect("retention_list")
    try:
        review = services.authorise_destruction(
            incident=incident,
            user=request.user,
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Destruction of {incident.reference} authorised."
            if review.authorised
            else f"Destruction of {incident.reference} proposed: the other of the DSL and the "
            "headteacher authorises it.",
        )
    return redirect("retention_list")


@never_cache
@login_required
@require_POST
def retention_destroy(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    incident = _under_review(request, reference)
    if request.POST.get("destroy") != incident.reference:
        messages.error(request, "Nothing was destroyed: use the button.")
        return redirect("retention_list")
    try:
        services.destroy_record(incident=incident, user=request.user, request=request)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"{incident.reference}'s content is destroyed; its tombstone stays."
        )
    return redirect("retention_list")
