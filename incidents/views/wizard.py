"""One view for every step of the DSL's wizard, and the live assessment preview.

The steps themselves live in ``incidents.wizard``: this view fetches and authorises the record
(read once), sends the user to a missing prerequisite, and hands a valid submission to the
step, which makes one call to a service. A colleague's save in between is shown beside what the
user typed (optimistic locking), so two colleagues never overwrite each other.
"""

import datetime
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import ProtectedError
from django.forms import BoundField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from incidents import record, requirements, wizard
from incidents.access import Need, get_incident_for_user
from incidents.audit import AuditAction, log_action
from incidents.display import date_text, result_panel
from incidents.http import AuthenticatedRequest
from incidents.models import FACT_FIELDS, Incident, Status
from incidents.security import keeps_typed_work, restored
from incidents.services import AwaitingApproval, RecordLocked, ServiceError, StaleVersion


def step_url(incident: Incident, step: wizard.Step) -> str:
    return reverse(
        "incident_step", kwargs={"reference": incident.reference, "step": step.identifier}
    )


def _load(request: HttpRequest, reference: str, *, whole: bool = False) -> Incident:
    """The record, for a step that edits it (its content) or shows it whole (check answers)."""
    return record.load(
        get_incident_for_user(request, reference, Need.EDIT, queryset=record.incidents()),
        whole=whole,
    )


@login_required
def wizard_start(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    incident = _load(request, reference)
    return redirect(step_url(incident, wizard.Flow(incident).first_incomplete()))


def _refusal(incident: Incident) -> str:
    """Why a record cannot be changed now, or "" when it can."""
    if incident.is_locked:
        return str(RecordLocked(incident))
    if incident.status == Status.AWAITING_APPROVAL:
        # A change now would no longer match what the DSL signed.
        return str(AwaitingApproval(incident))
    return ""


@keeps_typed_work
@login_required
@require_http_methods(["GET", "POST"])
def incident_step(request: AuthenticatedRequest, reference: str, step: str) -> HttpResponse:
    current = wizard.get_step(step)
    incident = _load(request, reference, whole=current is not None and current.read_only)
    if current is None:
        raise Http404("No such step")
    flow = wizard.Flow(incident)
    if current not in flow.applicable:
        messages.info(
            request,
            f"“{current.label}” does not apply to this record: "
            f"{current.not_applicable_reason(incident)}",
        )
        return redirect(step_url(incident, flow.after(current)))
    blocker = flow.blocker(current)
    if blocker is not None:
        messages.warning(
            request, f"Complete “{blocker.label}” first: “{current.label}” depends on it."
        )
        return redirect(step_url(incident, blocker))
    refusal = _refusal(incident)
    if refusal and not current.read_only:
        messages.error(request, refusal)
        # The check step is always there: it ends every flow.
        return redirect(step_url(incident, cast(wizard.Step, wizard.get_step("check"))))

    conflict = None
    version = incident.version
    if request.method == "POST" and not current.read_only:
        parts = current.forms(incident, request.POST)
        valid = all(part.is_valid() for part in parts.values())
        if valid:
            current.validate(incident, parts, adding="add_another" in request.POST)
            valid = all(part.is_valid() for part in parts.values())
        try:
            expected = int(request.POST.get("version", ""))
        except ValueError:
            expected = None
        if valid and expected is not None:
            try:
                current.submit(incident, parts, expected, user=request.user, request=request)
            except StaleVersion:
                conflict = theirs(request, incident, current, parts)
                version = conflict["version"]
            except ProtectedError:
                messages.error(
                    request,
                    "That item is still referred to elsewhere in the record (for example a "
                    "parent contact, a deletion request or a device search for this young "
                    "person): remove those first.",
                )
            except ServiceError as exc:
                messages.error(request, str(exc))
            else:
                if "add_another" in request.POST:
                    messages.success(request, "Saved. Add another below.")
                    return redirect(step_url(incident, current) + "?add=1")
                messages.success(request, f"{current.label}: saved.")
                fresh = _load(request, reference)
                return redirect(step_url(incident, wizard.Flow(fresh).after(current)))
        elif expected is None:
            messages.error(request, "The form was incomplete: reload the page and try again.")
    else:
        # What the DSL typed when their session ended, shown again (once) for them to save.
        kept = None if current.read_only else restored(request)
        parts = current.forms(incident, kept) if kept is not None else current.forms(incident)
        if kept is not None:
            version = _version(kept, incident.version)
        # A step page shows the record: a read, like the record page.
        log_action(
            AuditAction.VIEWED,
            request=request,
            incident=incident,
            data={"step": current.identifier},
        )
    return render_step(request, incident, flow, current, parts, version, conflict)


def _version(data: Any, current: int) -> int:
    """The version a kept form was typed against: saving it then shows a colleague's change
    made since beside it, as any late save does."""
    try:
        return int(data.get("version", ""))
    except ValueError:
        return current


def theirs(
    request: HttpRequest, incident: Incident, step: wizard.Step, yours: wizard.Parts
) -> dict[str, Any]:
    """The step as a colleague has now saved it, to show beside what the user typed."""
    fresh = _load(request, incident.reference)
    return {
        "version": fresh.version,
        "parts": summarise(step.forms(fresh), step.titles(fresh), yours),
    }


def summarise(
    parts: wizard.Parts, titles: dict[str, str], yours: wizard.Parts
) -> list[dict[str, Any]]:
    """The saved values of unbound forms and formsets as labelled text, each row marked where
    it differs from what the user typed (``yours``: the bound forms, matched by position)."""
    sections = []
    for name, part in parts.items():
        typed = yours.get(name)
        if hasattr(part, "forms"):
            pairs = [
                (form, typed.forms[i] if typed is not None and i < len(typed.forms) else None)
                for i, form in enumerate(part.forms)
                if form.instance.pk
            ]
        else:
            pairs = [(part, typed)]
        rows = []
        for form, mine in pairs:
            for field in form.visible_fields():
                if field.name == "DELETE":
                    continue
                differs = mine is not None and field.field.has_changed(
                    field.initial, mine[field.name].data
                )
                rows.append({"label": field.label, "value": display(field), "differs": differs})
        sections.append({"title": titles.get(name, ""), "rows": rows})
    return sections


def display(bound_field: BoundField) -> str:
    value = bound_field.initial if bound_field.initial is not None else ""
    field = bound_field.field
    choices = getattr(field, "choices", None)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.date):
        return date_text(value)
    if choices is not None and isinstance(value, list | tuple):
        # Several choices of one question (where the imagery is now).
        labels = dict(choices)
        return "; ".join(str(labels.get(v, v)) for v in value) or "—"
    if choices is not None and not hasattr(field, "queryset"):
        return str(dict(choices).get(value, value) or "—")
    if hasattr(field, "queryset") and value:
        found = next((o for o in field.queryset if o.pk == value), None)
        return str(found or value)
    return str(value) if value not in ("", None) else "—"


def render_step(
    request: HttpRequest,
    incident: Incident,
    flow: wizard.Flow,
    step: wizard.Step,
    parts: wizard.Parts,
    version: int,
    conflict: dict[str, Any] | None = None,
) -> HttpResponse:
    titles = step.titles(incident)
    adding = "add" in request.GET
    context = {
        "incident": incident,
        "step": step,
        "progress": flow.progress(step),
        "parts": [
            {
                "name": name,
                "part": part,
                "title": titles.get(name, ""),
                "is_formset": hasattr(part, "forms"),
                "item_title": step.item_titles.get(name, titles.get(name, "")),
                "item_label": step.item_labels.get(name, "another"),
                # The blank "add" form starts folded, unless the user asked to add another or
                # the list must not stay empty.
                "open_new": adding
                or (
                    name == "young_people"
                    and hasattr(part, "forms")
                    and not part.initial_form_count()
                ),
            }
            for name, part in parts.items()
        ],
        "has_errors": any((part.is_bound and not part.is_valid()) for part in parts.values()),
        "version": version,
        "conflict": conflict,
        **step.context(incident),
    }
    return render(request, step.template_name, context, status=409 if conflict else 200)


@login_required
@require_POST
def assessment_preview(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    """The rules' result for the facts as posted (unsaved): htmx swaps it into the page."""
    incident = _load(request, reference)
    answers = {
        name: request.POST.get(f"review-{name}", "") for name in (*FACT_FIELDS, "imagery_origin")
    }
    try:
        result = requirements.assess_record(incident, answers)
    except ValueError:
        result = None
    return render(
        request,
        "incidents/wizard/_assessment_panel.html",
        {"panel": result_panel(result), "preview": True, "incident": incident},
    )
