"""Report a concern: any member of a school; the DSL team is alerted.

The reporter sees a receipt with the reference and what happens next, and nothing of the
record that follows: a member of staff is never given the record itself. A reporter who may
read the record (the DSL, or whoever the access rules let read it) is taken to it instead.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from incidents import services
from incidents.access import reads_whole_school, record_access
from incidents.forms.concern import ConcernForm
from incidents.http import AuthenticatedRequest
from incidents.models import Incident
from incidents.security import keeps_typed_work, restored


@keeps_typed_work
@login_required
@require_http_methods(["GET", "POST"])
def report_concern(request: AuthenticatedRequest) -> HttpResponse:
    # ``request.school`` is a lazy object: test its truth, not its identity.
    if not request.school or not request.roles:
        return redirect("home")
    # On GET, what they typed when their session ended (once), for them to check and send.
    data = request.POST if request.method == "POST" else restored(request)
    form = ConcernForm(data or None, reporter=request.user)
    if request.method == "POST" and form.is_valid():
        incident = services.report_concern(
            school=request.school,
            reporter=request.user,
            disclosure=form.save(commit=False),
            incident_date=form.cleaned_data["incident_date"],
            disclosed_at=form.cleaned_data["disclosed_at"],
            request=request,
        )
        if record_access(request.user, incident).read:
            messages.success(
                request,
                f"Concern reported as {incident.reference}. You keep this record: continue it "
                "from here.",
            )
            return redirect("incident_detail", reference=incident.reference)
        return redirect("concern_receipt", reference=incident.reference)
    return render(
        request,
        "incidents/concern/form.html",
        {"form": form, "reads_records": reads_whole_school(frozenset(request.roles))},
    )


@login_required
def concern_receipt(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    # Only its reporter sees a receipt; anyone else is told it does not exist.
    incident = (
        Incident.objects.select_related("school")
        .filter(reference=reference, reported_by=request.user)
        .first()
    )
    if incident is None:
        raise Http404("No such receipt")
    return render(request, "incidents/concern/receipt.html", {"incident": incident})
