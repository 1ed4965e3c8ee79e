"""The record page: the whole record of one incident and its chronology."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from incidents import record
from incidents.access import Need, RecordAccess, get_incident_for_user
from incidents.audit import AuditAction, log_action
from incidents.chronology import chronology
from incidents.http import AuthenticatedRequest


@never_cache
@login_required
@require_GET
def incident_detail(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    incident = record.load(
        get_incident_for_user(request, reference, Need.READ, queryset=record.incidents())
    )
    log_action(AuditAction.VIEWED, request=request, incident=incident)
    access: RecordAccess = incident.access  # type: ignore[attr-defined]  # set by the check
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "result": record.current_result(incident),
            "sent_back": record.sent_back(incident),
            "chronology": chronology(incident),
            "may_edit": access.may_change(incident),
            "may_add_addendum": access.may_add_addendum(incident),
            "may_approve": access.approve,
            "own_decision": access.own_decision and not incident.is_locked,
        },
    )
