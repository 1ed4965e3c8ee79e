"""The DSL's page to grant and revoke a deputy DSL's access to one incident."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from incidents import queries, services
from incidents.access import Need, get_incident_for_user
from incidents.forms.signing import GrantForm
from incidents.http import AuthenticatedRequest


@login_required
@require_http_methods(["GET", "POST"])
def incident_access(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    incident = get_incident_for_user(request, reference, Need.GRANT)
    holders = queries.granted_users(incident)
    grant_form = GrantForm(
        request.POST if request.POST.get("action") == "grant" else None,
        queryset=queries.grantable_deputies(incident).exclude(pk__in=holders),
    )
    revoke_form = GrantForm(
        request.POST if request.POST.get("action") == "revoke" else None, queryset=holders
    )
    if request.method == "POST":
        form = grant_form if request.POST.get("action") == "grant" else revoke_form
        if form.is_valid():
            deputy = form.cleaned_data["user"]
            change = services.grant_access if form is grant_form else services.revoke_access
            try:
                change(incident, request.user, deputy, request=request)
            except services.ServiceError as exc:
                form.add_error(None, str(exc))
            else:
                name = deputy.get_full_name() or deputy.username
                done = "now has" if form is grant_form else "no longer has"
                messages.success(request, f"{name} {done} access to {incident.reference}.")
                return redirect("incident_access", reference=incident.reference)
    return render(
        request,
        "incidents/grants/access.html",
        {
            "incident": incident,
            "holders": holders,
            "form": grant_form,
            "revoke_form": revoke_form,
        },
    )
