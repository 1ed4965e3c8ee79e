"""Report a concern: any member of a school; the DSL team is alerted (SPEC §1, §3.1).

The reporter sees a receipt with the reference and what happens next, and nothing of the
record that follows: a member of staff is never given the record itself.
"""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from incidents.audit import log_action
from incidents.emails import send_concern_alert
from incidents.forms.concern import ConcernForm
from incidents.models import Incident
from incidents.services import open_incident


@login_required
@require_http_methods(["GET", "POST"])
def report_concern(request):
    # ``request.school`` is a lazy object: test its truth, not its identity.
    if not request.school or not request.roles:
        return redirect("home")
    form = ConcernForm(request.POST or None, reporter=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            incident = open_incident(
                school=request.school,
                reported_by=request.user,
                incident_date=form.cleaned_data["incident_date"],
                disclosed_at=form.cleaned_data["disclosed_at"],
                request=request,
            )
            disclosure = form.save(commit=False)
            disclosure.incident = incident
            disclosure.created_by = disclosure.updated_by = request.user
            disclosure.save()
            log_action("concern.reported", request=request, incident=incident)
            # Only once the record is safely stored does anyone hear of it.
            transaction.on_commit(lambda: send_concern_alert(incident, request=request))
        return redirect("concern_receipt", reference=incident.reference)
    return render(request, "incidents/concern/form.html", {"form": form})


@login_required
def concern_receipt(request, reference):
    # Only its reporter sees a receipt; anyone else is told it does not exist.
    incident = (
        Incident.objects.select_related("school")
        .filter(reference=reference, reported_by=request.user)
        .first()
    )
    if incident is None:
        raise Http404("No such receipt")
    return render(request, "incidents/concern/receipt.html", {"incident": incident})
