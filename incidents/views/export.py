"""Exports: one record as PDF, and the school's inspection pack.

Thin views: authorise, hand over to ``incidents.export``, answer with the bytes. Every export
is audited there. Responses are attachments that no cache may keep.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from incidents.access import Need, get_incident_for_user, reads_whole_school
from incidents.export import export_inspection_pack, export_record
from incidents.forms.export import InspectionPackForm
from incidents.http import AuthenticatedRequest


def attachment(filename: str, content_type: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@login_required
@require_GET
def incident_export_pdf(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    incident = get_incident_for_user(request, reference, Need.READ)
    return attachment(*export_record(incident, request=request))


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
            return attachment(
                *export_inspection_pack(
                    school, data["start"], data["end"], data["format"], request=request
                )
            )
    else:
        form = InspectionPackForm(initial=InspectionPackForm.initial_for(timezone.localdate()))
    return render(request, "incidents/inspection_pack.html", {"form": form, "school": school})
