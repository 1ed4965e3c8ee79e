"""The school's people: roles waiting for a second person's confirmation, leavers, and the
follow-up actions a leaver still owned."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from incidents import access, queries, services
from incidents.audit import AuditAction, log_action
from incidents.display import person_name
from incidents.forms.people import ConfirmRoleForm, DeactivateForm, ReassignForm
from incidents.http import AuthenticatedRequest
from incidents.models import Role, School, User


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def role_confirmations(request: AuthenticatedRequest) -> HttpResponse:
    """Roles granted to someone, waiting for this person (a school's headteacher or DSL, a
    trust lead) to confirm or refuse them. Never their own, nor one they granted."""
    if not access.is_confirmer(request.user):
        raise PermissionDenied("Only a headteacher, a DSL or a trust lead confirms roles.")
    pending = (
        access.confirmable(request.user)
        .select_related("user", "school", "trust", "granted_by")
        .order_by("granted_at", "pk")
    )
    form = ConfirmRoleForm(request.POST or None, queryset=pending)
    if request.method == "POST" and form.is_valid():
        membership = form.cleaned_data["membership"]
        confirm = form.cleaned_data["decision"] == "confirm"
        try:
            if confirm:
                services.confirm_role(membership, request.user, request)
            else:
                services.refuse_role(membership, request.user, request)
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            done = "confirmed" if confirm else "refused"
            messages.success(
                request,
                f"{person_name(membership.user)}'s role as "
                f"{membership.get_role_display()} is {done}.",
            )
            return redirect("role_confirmations")
    return render(
        request, "incidents/people/confirmations.html", {"pending": pending, "form": form}
    )


def _school_lead(request: AuthenticatedRequest) -> School:
    """The current school, if the user is its DSL or headteacher; else 403."""
    school = request.school
    if not school or not (frozenset(request.roles) & access.SCHOOL_CONFIRMERS):
        raise PermissionDenied("Only the school's DSL or headteacher manages its people.")
    return school


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def school_people(request: AuthenticatedRequest) -> HttpResponse:
    """The school's people and their roles; the DSL or headteacher deactivates a leaver."""
    school = _school_lead(request)
    people = list(queries.school_people(school))
    form = DeactivateForm(
        request.POST or None,
        queryset=queries.school_people(school).filter(is_active=True).exclude(pk=request.user.pk),
    )
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]
        try:
            ended = services.deactivate_leaver(person, school, request.user, request)
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"{person_name(person)}'s account is deactivated ({ended} session(s) ended). "
                "Their entries in the records keep their name. Reassign their open actions "
                "below.",
            )
            return redirect("leaver_actions", person_id=person.pk)
    return render(
        request,
        "incidents/people/school_people.html",
        {"people": people, "form": form, "school": school},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def leaver_actions(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    """A person's open follow-up actions in this school's records, for the DSL to give to
    someone else. The list shows what each action is: a read of those records, audited."""
    school = _school_lead(request)
    person = queries.school_people(school).filter(pk=person_id).first()
    if person is None:
        raise Http404("No such person in this school")
    if request.method == "POST" and Role.DSL not in request.roles:
        raise PermissionDenied("Only the school's DSL reassigns follow-up actions.")
    actions = queries.open_actions_of(person, school)
    rows = list(actions)
    form = ReassignForm(
        request.POST or None,
        actions=actions,
        people=queries.colleagues(school).exclude(pk=person.pk),
    )
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        to: User = form.cleaned_data["to"]
        try:
            services.reassign_action(action, to, request.user, request)
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"The action on {action.incident.reference} is now {person_name(to)}'s.",
            )
            return redirect("leaver_actions", person_id=person.pk)
    log_action(
        AuditAction.LEAVER_ACTIONS_VIEWED,
        request=request,
        school=school,
        data={"account_id": person.pk, "actions": [action.pk for action in rows]},
    )
    return render(
        request,
        "incidents/people/leaver_actions.html",
        {
            "person": person,
            "rows": rows,
            "form": form,
            "colleagues": form.fields["to"].queryset,  # type: ignore[attr-defined]
            "may_reassign": Role.DSL in request.roles,
            "reassignable": services.people.REASSIGNABLE,
        },
    )
