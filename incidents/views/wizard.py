"""One view for every step of the DSL's wizard (SPEC §5), and the live assessment preview.

The steps themselves live in ``incidents.wizard``: this view fetches and authorises the record,
sends the user to a missing prerequisite, and saves a step in one transaction that claims the
record's next version (optimistic locking), so two colleagues never overwrite each other.
"""

import dataclasses
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import ProtectedError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from incidents import assessment, rules, wizard
from incidents.access import Need, get_incident_for_user
from incidents.audit import log_action
from incidents.completeness import missing_items
from incidents.forms.common import date_text
from incidents.models import FACT_FIELDS, AnswerChoice, Status
from incidents.record import complete_record, record_joined
from incidents.services import RecordLocked, StaleVersion, bump_version


def step_url(incident, step) -> str:
    return reverse(
        "incident_step", kwargs={"reference": incident.reference, "step": step.identifier}
    )


@login_required
def wizard_start(request, reference):
    incident = wizard.load(get_incident_for_user(request, reference, Need.EDIT))
    return redirect(step_url(incident, wizard.Flow(incident).first_incomplete()))


@login_required
@require_http_methods(["GET", "POST"])
def incident_step(request, reference, step):
    current = wizard.get_step(step)
    if current is None:
        get_incident_for_user(request, reference, Need.EDIT)
        raise Http404("No such step")
    # The check page shows the whole record, read once; the other steps need less of it.
    if current.identifier == "check":
        incident = complete_record(
            get_incident_for_user(request, reference, Need.EDIT, queryset=record_joined())
        )
    else:
        incident = wizard.load(get_incident_for_user(request, reference, Need.EDIT))
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
    if current.identifier == "check":
        return check_answers(request, incident, flow, current)
    if incident.is_locked:
        messages.error(request, str(RecordLocked(incident)))
        return redirect(step_url(incident, wizard.get_step("check")))
    if incident.status == Status.AWAITING_APPROVAL:
        # A change now would no longer match what the DSL signed (SPEC §10).
        messages.error(
            request,
            f"{incident.reference} is signed and awaiting the headteacher's approval. To change "
            "it, ask the headteacher to send it back.",
        )
        return redirect(step_url(incident, wizard.get_step("check")))

    conflict = None
    version = incident.version
    if request.method == "POST":
        parts = current.forms(incident, request.POST)
        if all(part.is_valid() for part in parts.values()):
            current.validate(incident, parts, adding="add_another" in request.POST)
        try:
            expected = int(request.POST.get("version", ""))
        except ValueError:
            expected = None
        if all(part.is_valid() for part in parts.values()) and expected is not None:
            try:
                save_step(request, incident, current, parts, expected)
            except StaleVersion:
                conflict = theirs(incident, current, parts)
                version = conflict["version"]
            except ProtectedError:
                messages.error(
                    request,
                    "That item is still referred to elsewhere in the record (for example a "
                    "parent contact, a deletion request or a device search for this young "
                    "person): remove those first.",
                )
            else:
                if "add_another" in request.POST:
                    messages.success(request, "Saved. Add another below.")
                    return redirect(step_url(incident, current) + "?add=1")
                messages.success(request, f"{current.label}: saved.")
                fresh = wizard.load(incident)
                nxt = wizard.Flow(fresh).after(current)
                return redirect(step_url(incident, nxt))
        elif expected is None:
            messages.error(request, "The form was incomplete: reload the page and try again.")
    else:
        parts = current.forms(incident)
        # A step page shows the record: a read, like the record page (SPEC §11).
        log_action(
            "incident.viewed", request=request, incident=incident, data={"step": current.identifier}
        )
    return render_step(request, incident, flow, current, parts, version, conflict)


def save_step(request, incident, step, parts, expected_version) -> list[str]:
    """Save one step: claim the next version, write, rerun the rules, log — or change nothing."""
    with transaction.atomic():
        bump_version(incident, expected_version)
        changed = step.save(request, incident, parts)
        wizard.start_review(incident, request)
        if step.updates_facts:
            # The rules see the record as now saved, not the cached lists of this request.
            assessment.record_assessment(
                type(incident).objects.select_related("school").get(pk=incident.pk)
            )
        log_action(
            wizard.STEP_SAVED,
            request=request,
            incident=incident,
            data={"step": step.identifier, "fields": changed},
        )
    return changed


def theirs(incident, step, yours: dict) -> dict:
    """The step as a colleague has now saved it, to show beside what the user typed."""
    fresh = wizard.load(incident)
    return {
        "version": fresh.version,
        "parts": summarise(step.forms(fresh), step.titles(fresh), yours),
    }


def summarise(parts: dict, titles: dict, yours: dict) -> list[dict]:
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


def display(bound_field) -> str:
    value = bound_field.initial if bound_field.initial is not None else ""
    field = bound_field.field
    choices = getattr(field, "choices", None)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.date):
        return date_text(value)
    if choices is not None and not hasattr(field, "queryset"):
        return str(dict(choices).get(value, value) or "—")
    if hasattr(field, "queryset") and value:
        found = next((o for o in field.queryset if o.pk == value), None)
        return str(found or value)
    return str(value) if value not in ("", None) else "—"


def render_step(request, incident, flow, step, parts, version, conflict=None, status=200):
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
    if conflict:
        status = 409
    return render(request, f"incidents/wizard/{template_for(step)}", context, status=status)


def template_for(step) -> str:
    return {"initial-review": "initial_review.html"}.get(step.identifier, "step.html")


def check_answers(request, record, flow, step):
    log_action("incident.viewed", request=request, incident=record, data={"step": step.identifier})
    context = {
        "incident": record,
        "step": step,
        "progress": flow.progress(step),
        "missing": missing_items(record),
        "locked": record.is_locked or record.status == Status.AWAITING_APPROVAL,
    }
    return render(request, "incidents/wizard/check.html", context)


@login_required
@require_POST
def assessment_preview(request, reference):
    """The rules' result for the facts as posted (unsaved): htmx swaps it into the page."""
    incident = wizard.load(get_incident_for_user(request, reference, Need.EDIT))
    answers = {}
    for name in FACT_FIELDS:
        value = request.POST.get(f"review-{name}", AnswerChoice.UNKNOWN)
        answers[name] = value if value in AnswerChoice.values else AnswerChoice.UNKNOWN
    try:
        facts = dataclasses.replace(assessment.facts_for(incident), **answers)
        result = rules.assess(facts, policy=incident.school.policy_profile)
    except ValueError:
        result = None
    return render(
        request,
        "incidents/wizard/_assessment_panel.html",
        {"panel": wizard.panel(result), "preview": True, "incident": incident},
    )
