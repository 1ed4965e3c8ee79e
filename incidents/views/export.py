"""Exports: one record as PDF, and the school's inspection pack, prepared by a task worker.

Thin views: authorise, ask ``incidents.services.exports`` for the export, show its progress,
hand over the bytes. Asking, preparing and each download are audited there. The status page
polls (htmx, or a meta refresh without JavaScript) and is ``passive``: left open, it does not
keep the session alive. Downloads are attachments that no cache may keep.
"""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.access import (
    Need,
    get_export_for_user,
    get_incident_for_user,
    reads_whole_school,
)
from incidents.forms.export import InspectionPackForm
from incidents.http import AuthenticatedRequest
from incidents.security import passive
from incidents.services import exports
from incidents.services.errors import ServiceError

# How often the status page asks again, in seconds.
POLL_SECONDS = 2


def attachment(filename: str, content_type: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@login_required
@require_POST
def incident_export_pdf(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    incident = get_incident_for_user(request, reference, Need.READ)
    job = exports.request_record_pdf(request, request.user, incident)
    return redirect("export_status", job=job.pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def inspection_pack(request: AuthenticatedRequest) -> HttpResponse:
    school = request.school
    # A lazy object, never None itself: falsy when the user has not chosen among their schools.
    if not school:
        return redirect("choose_school")
    # A deputy reads only the incidents granted to them: a school-wide pack is not theirs.
    if not reads_whole_school(frozenset(request.roles)):
        raise PermissionDenied("Only the DSL, the headteacher or the trust lead export the pack.")
    if request.method == "POST":
        form = InspectionPackForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            job = exports.request_inspection_pack(
                request, request.user, school, data["start"], data["end"], data["format"]
            )
            return redirect("export_status", job=job.pk)
    else:
        form = InspectionPackForm(initial=InspectionPackForm.initial_for(timezone.localdate()))
    return render(
        request,
        "incidents/inspection_pack.html",
        {
            "form": form,
            "school": school,
            "per_thousand": exports.pack_estimate_seconds(1000),
        },
    )


@passive
@never_cache
@login_required
@require_GET
def export_status(request: AuthenticatedRequest, job: UUID) -> HttpResponse:
    export = get_export_for_user(request, job)
    context = {"export": export, "poll_seconds": POLL_SECONDS, "now": timezone.now()}
    if request.headers.get("HX-Request") == "true":
        return render(request, "export/_status.html", context)
    return render(request, "export/status.html", context)


@never_cache
@login_required
@require_GET
def export_download(request: AuthenticatedRequest, job: UUID) -> HttpResponse:
    export = get_export_for_user(request, job, with_content=True)
    try:
        return attachment(*exports.download(request, export))
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect("export_status", job=export.pk)
