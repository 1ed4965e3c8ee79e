"""The record page: the whole record of one incident and its chronology."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from incidents.access import Need, allowed, get_incident_for_user
from incidents.audit import log_action
from incidents.chronology import chronology
from incidents.models import Role
from incidents.record import complete_record, current_result, record_joined


def holds_edit_role(incident) -> bool:
    """Whether the reader writes this record: a DSL, or a deputy granted this incident.

    ``get_incident_for_user`` let the reader in; a deputy who is neither DSL nor headteacher
    can only have got in through a grant on this incident, so the grant is known here.
    """
    roles = incident.viewer_roles
    deputy_only = Role.DEPUTY_DSL in roles and not roles & {Role.DSL, Role.HEADTEACHER}
    return allowed(roles, Need.EDIT, granted=deputy_only)


def may_edit(incident) -> bool:
    """An approved record is locked: later facts go in a signed addendum (SPEC §10)."""
    return not incident.is_locked and holds_edit_role(incident)


@never_cache
@login_required
@require_GET
def incident_detail(request, reference):
    incident = complete_record(
        get_incident_for_user(request, reference, Need.READ, queryset=record_joined())
    )
    log_action("incident.viewed", request=request, incident=incident)
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "result": current_result(incident),
            "chronology": chronology(incident),
            "may_edit": may_edit(incident),
            "may_add_addendum": incident.is_locked and holds_edit_role(incident),
            "may_approve": allowed(incident.viewer_roles, Need.APPROVE, granted=False),
        },
    )
