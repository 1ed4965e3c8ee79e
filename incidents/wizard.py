"""The DSL's wizard: the record in steps that mirror the policies (docs/policy.md).

A flow is a list of step objects, as pretix's checkout flow. Each step knows whether it applies
to the record, whether it is complete, which steps must be complete before it, which forms it
shows, its template and what its page shows beside the forms, and what saving its forms
writes (``changes``, a ``services.StepChanges``). Saving is one call to a service
(``submit``): the step builds what to write, the service writes it in one transaction with the
record's version. One view (``incidents.views.wizard``) drives every step and special-cases
none.

Step identifiers are ``record.PARTS``: they are in the steps' addresses, and what a record
lacks (``requirements.missing_items``) names the step where it is put right.
"""

from __future__ import annotations

from typing import Any

from django.forms import BaseFormSet, BaseModelFormSet, ModelForm
from django.http import HttpRequest
from django.utils import timezone

from incidents import childfile, requirements, rules, services
from incidents.access import RecordAccess, reads_whole_school
from incidents.display import result_panel
from incidents.forms import steps as forms
from incidents.forms.concern import DisclosureForm
from incidents.models import (
    Agency,
    Containment,
    Decision,
    DecisionOutcome,
    Disclosure,
    Incident,
    InitialReview,
    ParentContact,
    Review,
    RiskAssessment,
    Status,
    User,
)
from incidents.record import (
    PARTS,
    agencies_referred,
    current_result,
    parent_contact_of,
    saved_steps,
    section,
    sent_back,
)
from incidents.services import StepChanges

Parts = dict[str, Any]


# What saving a form writes --------------------------------------------------------------------


def live_forms(formset: BaseModelFormSet[Any, Any]) -> list[ModelForm[Any]]:
    """The formset's forms that will hold an item after saving: not removed, not left blank."""
    deleted = set(map(id, formset.deleted_forms)) if formset.is_bound else set()
    return [
        f
        for f in formset.forms
        if id(f) not in deleted and (f.instance.pk is not None or f.has_changed())
    ]


def formset_error(formset: BaseFormSet[Any], message: str) -> None:
    """An error about a list as a whole, shown above it and in the error summary."""
    formset.non_form_errors().append(message)


def form_changes(form: ModelForm[Any], **extra: Any) -> StepChanges:
    """A form's row, unsaved, with ``extra`` attributes set on it."""
    row = form.save(commit=False)
    for name, value in extra.items():
        setattr(row, name, value)
    return StepChanges(saves=[row], fields=list(form.changed_data))


def formset_changes(formset: BaseModelFormSet[Any, Any]) -> StepChanges:
    """A list's new and changed rows, unsaved, and the rows ticked for removal."""
    saves = formset.save(commit=False)
    fields = {name for form in formset.forms for name in form.changed_data}
    deletes = list(formset.deleted_objects)
    if deletes:
        fields.add("DELETE")
    return StepChanges(saves=list(saves), deletes=deletes, fields=sorted(fields))


# Steps -----------------------------------------------------------------------------------------


class Step:
    identifier = ""
    # Steps that must be complete before this one is shown (each is reached first). The
    # disclosure is no step's prerequisite: it is written with the concern; the DSL's check of it
    # is where "Continue the record" starts, and check answers lists it until it is done.
    prerequisites: tuple[str, ...] = ()
    # Optional steps never hold the record up and are not where a user is sent next.
    optional = False
    # Saving changes the facts the rules work on, so the rules' result is worked out again.
    updates_facts = False
    intro = ""
    # "Save and add another" on steps that hold lists.
    adds_items = False
    template_name = "incidents/wizard/step.html"
    # A page that shows the record and saves nothing (check answers).
    read_only = False
    # What one item of each formset is called: "Young person 2", "Add a young person".
    item_titles: dict[str, str] = {}
    item_labels: dict[str, str] = {}

    @property
    def label(self) -> str:
        return PARTS[self.identifier]

    def is_applicable(self, incident: Incident) -> bool:
        return True

    def not_applicable_reason(self, incident: Incident) -> str:
        return ""

    def is_completed(self, incident: Incident) -> bool:
        raise NotImplementedError

    def forms(self, incident: Incident, data: Any = None) -> Parts:
        """The step's forms and formsets, by prefix; bound when ``data`` is given."""
        return {}

    def titles(self, incident: Incident) -> dict[str, str]:
        """A heading for each form or formset."""
        return {}

    def validate(self, incident: Incident, parts: Parts, adding: bool = False) -> None:
        """Checks across the step's forms, run once each is valid on its own.

        ``adding``: the user saves to add another item, so the list is not finished yet.
        """

    def context(self, incident: Incident) -> dict[str, Any]:
        """What the step's page shows beside its forms."""
        return {}

    def changes(self, incident: Incident, parts: Parts) -> StepChanges:
        """What saving the step's valid forms writes."""
        raise NotImplementedError

    def submit(
        self,
        incident: Incident,
        parts: Parts,
        expected_version: int,
        *,
        user: User,
        request: HttpRequest | None = None,
    ) -> list[str]:
        """Save the step through its one service, as ``user``; the names of the fields that
        changed. ``request`` is the page's, when there is one (the audit log takes its address)."""
        return services.save_step(
            incident=incident,
            user=user,
            step=self.identifier,
            expected_version=expected_version,
            changes=self.changes(incident, parts),
            updates_facts=self.updates_facts,
            request=request,
        )


class DisclosureStep(Step):
    identifier = "disclosure"
    updates_facts = True  # the incident date gives the ages
    intro = "Policy Step 1: what was disclosed, by whom and when. Check what the reporter wrote."

    def is_completed(self, incident: Incident) -> bool:
        # The reporter's account is where the disclosure starts; it is done once the
        # safeguarding team has checked and completed it here.
        disclosure = section(incident, "disclosure")
        return disclosure is not None and disclosure.checked_at is not None

    def forms(self, incident: Incident, data: Any = None) -> Parts:
        return {
            "disclosure": DisclosureForm(
                data,
                prefix="disclosure",
                instance=section(incident, "disclosure") or Disclosure(),
                incident=incident,
            )
        }

    def changes(self, incident: Incident, parts: Parts) -> StepChanges:
        form = parts["disclosure"]
        changes = form_changes(form, checked_at=timezone.now())
        changes.incident = {
            "incident_date": form.cleaned_data["incident_date"],
            "disclosed_at": form.cleaned_data["disclosed_at"],
        }
        return changes


class PeopleStep(Step):
    identifier = "people"
    prerequisites = ()
    updates_facts = True
    adds_items = True
    # The page adds a search of the school's roll above the forms.
    template_name = "incidents/wizard/people.html"
    intro = (
        "Each young person (under 18) and each adult involved. Ages are worked out at the "
        "incident date. Use the blank form to add one; save and add another for more."
    )
    item_titles = {"young_people": "Young person", "adults": "Adult"}
    item_labels = {"young_people": "a young person", "adults": "an adult"}

    def is_completed(self, incident: Incident) -> bool:
        return bool(incident.young_people.all())

    def forms(self, incident: Incident, data: Any = None) -> Parts:
        kwargs = {"incident": incident}
        return {
            "young_people": forms.YoungPersonFormSet(
                data,
                prefix="young_people",
                queryset=incident.young_people.all(),
                form_kwargs=kwargs,
            ),
            "adults": forms.AdultFormSet(
                data, prefix="adults", queryset=incident.adults.all(), form_kwargs=kwargs
            ),
        }

    def titles(self, incident: Incident) -> dict[str, str]:
        return {"young_people": "Young people", "adults": "Adults (18 or over)"}

    def validate(self, incident: Incident, parts: Parts, adding: bool = False) -> None:
        if not live_forms(parts["young_people"]):
            formset_error(
                parts["young_people"], "Add at least one young person: the record is about a child."
            )

    def changes(self, incident: Incident, parts: Parts) -> StepChanges:
        return formset_changes(parts["young_people"]) + formset_changes(parts["adults"])


class InitialReviewStep(Step):
    identifier = "initial-review"
    prerequisites = ("people",)
    updates_facts = True
    template_name = "incidents/wizard/initial_review.html"
    intro = (
        "Wolverhampton, Initial review meeting: record who met and answer each question from "
        "what you know. The rules' result beside the form changes as you answer."
    )

    def is_completed(self, incident: Incident) -> bool:
        return section(incident, "initial_review") is not None

    def forms(self, incident: Incident, data: Any = None) -> Parts:
        return {
            "review": forms.InitialReviewForm(
                data,
                prefix="review",
                instance=section(incident, "initial_review") or InitialReview(),
                incident=incident,
            )
        }

    def context(self, incident: Incident) -> dict[str, Any]:
        return {"panel": result_panel(current_result(incident)), "live_assessment": True}

    def changes(self, incident: Incident, parts: Parts) -> StepChanges:
        return form_changes(parts["review"])


class RiskAssessmentStep(Step):
    identifier = "risk-assessment"
    prerequisites = ("people",)
    updates_facts = True
    intro = (
        "Wolverhampton, Assessing the risks: answer each of the ten questions, add a note where "
        "it helps, and rate the overall risk."
    )

    def is_applicable(self, incident: Incident) -> bool:
        return requirements.risk_assessment_applies(incident)

    def not_applicable_reason(self, incident: Incident) -> str:
        return "No young person involved is 13 to 17, and no decision not to refer is recorded."

    def is_completed(self, incident: Incident) -> bool:
        return section(incident, "risk_assessment") is not None

    template_name = "incidents/wizard/risk_assessment.html"

    def context(self, incident: Incident) -> dict[str, Any]:
        # "Has the young person taken part in this kind of activity before?": their earlier
        # incidents, shown to whoever reads every incident of the school (a deputy granted
        # this record alone is not shown the others).
        whole = reads_whole_school(getattr(incident, "access", RecordAccess(frozenset())).roles)
        return {
            "history_shown": whole,
            "earlier": childfile.earlier_incidents(incident) if whole else [],
        }

    def forms(self, incident: Incident, data: Any = None) -> Parts:
        return {
            "risk": forms.RiskAssessmentForm(
                data,
                prefix="risk",
                instance=section(incident, "risk_assessment") or RiskAssessment(),
                incident=incident,
            )
        }

    def changes(self, incident: Incident, parts: Parts) -> StepChanges:
        return form_changes(parts["risk"])


class AssessmentStep(Step):
    identifier = "assessment"
    prerequisites = ("people", "initial-review", "risk-assessment")
    template_name = "incidents/wizard/assessment.html"
    intro = (
        "The rules' result from the facts recorded so far, with the policy clause behind each "
        "reason. Confirm it, or record a different category with your reasons."
    )

    @staticmethod
    def result(incident: Incident) -> Any:
        """The stored result; for a record whose facts were written before the rules ran, the
        result worked out now (stored only when the DSL confirms it)."""
        stored = current_result(incident)
        if stored is None and section(incident, "initial_review") is not None:
            return requirements.assess_record(incident)
        return stored

    def is_completed(self, incident: Incident) -> bool:
        return requirements.confirmation(incident) is not None

    def forms(self, incident: Incident, data: Any = None) -> Parts:
        result = requirements.confirmation(incident)
        initial = {}
        if result is not None:
            initial = {
                "choice": "override" if result.overridden else "confirm",
                "override_category": result.override_category,
                "override_subtype": result.override_subtype,
                "override_reason": result.override_reason,
            }
        return {
            "assessment": forms.AssessmentForm(
                data, prefix="assessment", result=self.result(incident), initial=initial
            )
        }

    def context(self, incident: Incident) -> dict[str, Any]:
        result = current_result(incident)
        earlier = None
        if result is not None and requirements.confirmation(incident) is None:
            # Confirmed once, then the facts changed the outcome: it needs confirming again.
            confirmed = [r for r in incident.assessment_results.all() if r.confirmed_at is not None]
            earlier = max(confirmed, key=lambda r: (r.computed_at, r.pk)) if confirmed else None
        return {"panel": result_panel(self.result(incident)), "earlier_confirmed": earlier}

    def submit(
        self,
        incident: Incident,
        parts: Parts,
        expected_version: int,
        *,
        user: User,
        request: HttpRequest | None = None,
    ) -> list[str]:
        data = parts["assessment"].cleaned_data
        return services.confirm_assessment(
            incident=incident,
            user=user,
            expected_version=expected_version,
            overridden=data["choice"] == "override",
            category=data["override_category"],
            subtype=data["override_subtype"],
            reason=data["override_reason"],
            request=request,
        )


class InterviewsStep(Step):
    """Wolverhampton, Interviewing and talking to the young person; Evergreen Steps 1, 3 and 7:
    a child protection team member on hand, students told, colleagues briefed."""

    identifier = "interviews"
    prerequisites = ()
    optional = True
    adds_items = True
    intro = (
        "Once a young person is not at immediate risk, talk with them (the DSL if possible, or "
        "an adult they prefer): find out, without looking, what the image contains, whether "
        "anyone else was involved, who has seen or shared it. Then record how the incident is "
        "being contained."
    )
    item_titles = {"interviews": "Conversation"}
    item_labels = {"interviews": "a conversation with a young person"}

    def is_completed(self, incident: Incident) -> bool:
        return (
            self.identifier in saved_steps(incident)
            or bool(incident.interviews.all())
            or section(incident, "containment") is not None
        )

    def forms(self, incident: Incident, data: Any = None) -> Parts:
        kwargs = {"incident": incident}
        return {
            "interviews": forms.InterviewFormSet(
                data, prefix="interviews", queryset=incident.interviews.all(), form_kwargs=kwargs
            ),
            "containment": forms.ContainmentForm(
                data,
                prefix="containment",
                instance=section(incident, "containment") or Containment(),
                incident=incident,
            ),
        }

    def titles(self, incident: Incident) -> dict[str, str]:
        return {
            "interviews": "Talking to the young people",
            "containment": "Containing the incident (Evergreen Steps 1, 3 and 7)",
        }

    def changes(self, incident: Incident, parts: Parts) -> StepChanges:
        changes = formset_changes(parts["interviews"])
        containment = parts["containment"]
        if containment.instance.pk is not None or containment.has_changed():
            changes += form_changes(containment)
        return changes


class ImageryDevicesStep(Step):
    identifier = "imagery-devices"
    prerequisites = ()
    optional = True
    adds_items = True
    template_name = "incidents/wizard/imagery_devices.html"
    intro = (
        "Staff should not view the imagery. Record a viewing only if it happened, on one of the "
        "three grounds; record any device search. Never print, copy or move the material."
    )
    item_titles = {"viewings": "Viewing log", "devices": "Device search"}
    item_labels = {"viewings": "a viewing log", "devices": "a device search"}

    def is_completed(self, incident: Incident) -> bool:
        return (
            self.identifier in saved_steps(incident)
            or bool(incident.viewings.all())
            or bool(incident.device_searches.all())
        )

    def forms(self, incident: Incident, data: Any = None) -> Parts:
        kwargs = {"incident": incident}
        viewed = "yes" if incident.viewings.all() else "no"
        return {
            "imagery": forms.ImageryForm(data, prefix="imagery", initial={"viewed": viewed}),
            "viewings": forms.ViewingFormSet(
                data, prefix="viewings", queryset=incident.viewings.all(), form_kwargs=kwargs
            ),
            "devices": forms.DeviceSearchFormSet(
                data,
                prefix="devices",
                queryset=incident.device_searches.all(),
                form_kwargs=kwargs,
            ),
        }

    def titles(self, incident: Incident) -> dict[str, str]:
        return {
            "imagery": "Viewing",
            "viewings": "Viewing log",
            "devices": "Device searches and confiscation",
        }

    def context(self, incident: Incident) -> dict[str, Any]:
        return {"flags": requirements.flags(incident)}

    def validate(self, incident: Incident, parts: Parts, adding: bool = False) -> None:
        viewed = parts["imagery"].cleaned_data.get("viewed")
        logs = live_forms(parts["viewings"])
        if viewed == "no" and logs:
            parts["imagery"].add_error(
                "viewed",
                "You answered that the imagery was not viewed, but a viewing log is filled in: "
                "answer yes, or clear the log (tick remove on a saved one).",
            )
        if viewed == "yes" and not logs:
            parts["imagery"].add_error(
                "viewed",
                "Fill in the viewing log below: a viewing is recorded only with one of the "
                "three grounds (Wolverhampton, Viewing the imagery).",
            )

    def changes(self, incident: Incident, parts: Parts) -> StepChanges:
        return formset_changes(parts["viewings"]) + formset_changes(parts["devices"])


class AdviceStep(Step):
    """Advice sought from the MASH, children's social care, the police, CEOP or the local
    authority: recorded as advice, beside the requirement it bears on, and never as a referral."""

    identifier = "advice"
    prerequisites = ()
    optional = True
    adds_items = True
    template_name = "incidents/wizard/advice.html"
    intro = (
        "Record each time you asked an agency for advice: whom, when, what they advised and what "
        "the school did. Advice is not a referral: record referrals on the decision step."
    )
    item_titles = {"advice": "Advice sought"}
    item_labels = {"advice": "advice sought"}

    def is_completed(self, incident: Incident) -> bool:
        return self.identifier in saved_steps(incident) or bool(incident.advice.all())

    def forms(self, incident: Incident, data: Any = None) -> Parts:
        return {
            "advice": forms.AdviceFormSet(
                data,
                prefix="advice",
                queryset=incident.advice.all(),
                form_kwargs={"incident": incident},
            )
        }

    def titles(self, incident: Incident) -> dict[str, str]:
        return {"advice": "Advice sought"}

    def context(self, incident: Incident) -> dict[str, Any]:
        # Whom the school's policy profile says to ask when in doubt, in its own words.
        return {"doubt": rules.get_policy(incident.school.policy_profile).doubt.cite()}

    def changes(self, incident: Incident, parts: Parts) -> StepChanges:
        return formset_changes(parts["advice"])


class DecisionStep(Step):
    identifier = "decision"
    prerequisites = ("people", "initial-review", "risk-assessment", "assessment")
    adds_items = True
    template_name = "incidents/wizard/decision.html"
    intro = (
        "Record each referral made (agency, when, by whom, the reference given) and your "
        "decision. Each requirement of the policy that no referral meets needs your written "
        "reasons, and most need the headteacher's sign-off."
    )
    item_titles = {"referrals": "Referral or report"}
    item_labels = {"referrals": "a referral or report"}

    def is_completed(self, incident: Incident) -> bool:
        return requirements.decision_is_current(incident)

    def forms(self, incident: Incident, data: Any = None) -> Parts:
        return {
            "referrals": forms.ReferralFormSet(
                data,
                prefix="referrals",
                queryset=incident.referrals.all(),
                form_kwargs={"incident": incident},
            ),
            "decision": forms.DecisionForm(
                data,
                prefix="decision",
                instance=section(incident, "decision") or Decision(),
                incident=incident,
                requirements=requirements.of(incident, agencies=set()),
            ),
        }

    def titles(self, incident: Incident) -> dict[str, str]:
        return {"referrals": "Referrals and reports", "decision": "Decision"}

    def context(self, incident: Incident) -> dict[str, Any]:
        return {
            "panel": result_panel(current_result(incident)),
            "requirements": requirements.of(incident, deciding=True),
            "decision_stale": section(incident, "decision") is not None
            and not requirements.decision_is_current(incident),
        }

    def validate(self, incident: Incident, parts: Parts, adding: bool = False) -> None:
        decision = parts["decision"]
        outcome = decision.cleaned_data.get("outcome")
        agencies = typed_agencies(parts["referrals"])
        involved = agencies & requirements.AGENCY_REFERRALS
        if outcome == DecisionOutcome.HANDLED_IN_SCHOOL and involved:
            named = ", ".join(sorted(Agency(a).label for a in involved))
            decision.add_error(
                "outcome",
                f"You recorded a referral ({named}) but chose to handle it in school without "
                "referral: choose referred, or remove the referral.",
            )
        if outcome == DecisionOutcome.REFERRED and not agencies:
            decision.add_error(
                "outcome", "You chose referred: record the referral below (agency, when, who)."
            )
        # While referrals are still being added, the missing ones may be next; check answers
        # still lists them until they are recorded or the reasons are written.
        if adding or not outcome:
            return
        asked = requirements.of(incident, agencies=agencies, reasons=decision.unmet_reasons())
        for requirement in asked:
            if requirement.reasons_missing:
                decision.add_error(
                    forms.reason_field(requirement.code),
                    f"No referral above meets this ({requirement.why}): record the referral, "
                    "or write why you are not making it.",
                )

    def changes(self, incident: Incident, parts: Parts) -> StepChanges:
        decision = parts["decision"]
        agencies = typed_agencies(parts["referrals"])
        asked = requirements.of(incident, agencies=agencies, reasons=decision.unmet_reasons())
        # Only the reasons for what the policy asks of the referrals as recorded are kept.
        reasons = {r.code: r.reasons for r in asked.asking_reasons if r.reasons.strip()}
        changes = formset_changes(parts["referrals"]) + form_changes(
            decision,
            assessment=current_result(incident),
            unmet_reasons=reasons,
            signoff_required=asked.signoff_needed,
        )
        saved = section(incident, "decision")
        if saved is not None and reasons != (saved.unmet_reasons or {}):
            changes.fields.append("unmet_reasons")
        if changes.fields and saved is not None and saved.headteacher_signoff_at is not None:
            # The headteacher signed off the decision as it was; a changed one needs it again.
            row = changes.saves[-1]
            row.headteacher_signoff_by = None  # type: ignore[attr-defined]
            row.headteacher_signoff_at = None  # type: ignore[attr-defined]
            changes.fields.append("headteacher_signoff")
        return changes


def typed_agencies(formset: BaseModelFormSet[Any, Any]) -> set[str]:
    """The agencies of the referrals a decision step's form holds (saved or typed)."""
    return {
        str(f.cleaned_data["agency"]) for f in live_forms(formset) if f.cleaned_data.get("agency")
    }


class OnlineReportsStep(Step):
    """Wolverhampton, Reporting youth produced sexual imagery online: help with removal, each
    report with who supported the young person, when and the outcome."""

    identifier = "online-reports"
    prerequisites = ()
    optional = True
    adds_items = True
    intro = (
        "Each report made to have imagery removed: Report Remove (Childline and the IWF) for "
        "under-18s, Take It Down, the platform's own report, a CEOP report, or StopNCII where "
        "the person pictured is now 18 or over. Record who supported the young person, when, "
        "and what came of it."
    )
    item_titles = {"online_reports": "Online report"}
    item_labels = {"online_reports": "an online report"}

    def is_completed(self, incident: Incident) -> bool:
        return self.identifier in saved_steps(incident) or bool(incident.online_reports.all())

    def forms(self, incident: Incident, data: Any = None) -> Parts:
        return {
            "online_reports": forms.OnlineReportFormSet(
                data,
                prefix="online_reports",
                queryset=incident.online_reports.all(),
                form_kwargs={"incident": incident},
            )
        }

    def titles(self, incident: Incident) -> dict[str, str]:
        return {"online_reports": "Reports for removal"}

    def changes(self, incident: Incident, parts: Parts) -> StepChanges:
        return formset_changes(parts["online_reports"])


class InterAgencyStep(Step):
    """Wolverhampton, Recording incidents: partnership working and information sharing, and
    attendance at or contribution to inter-agency meetings and conferences."""

    identifier = "inter-agency"
    prerequisites = ()
    optional = True
    adds_items = True
    intro = (
        "Inter-agency meetings (strategy meetings, child protection conferences, team around the "
        "family): when, who attended, what the school contributed. And each time information "
        "was shared: with whom, what, when, and on what basis."
    )
    item_titles = {"meetings": "Meeting", "information_shared": "Information shared"}
    item_labels = {"meetings": "a meeting", "information_shared": "information shared"}

    def is_completed(self, incident: Incident) -> bool:
        return (
            self.identifier in saved_steps(incident)
            or bool(incident.meetings.all())
            or bool(incident.information_shared.all())
        )

    def forms(self, incident: Incident, data: Any = None) -> Parts:
        kwargs = {"incident": incident}
        return {
            "meetings": forms.AgencyMeetingFormSet(
                data, prefix="meetings", queryset=incident.meetings.all(), form_kwargs=kwargs
            ),
            "information_shared": forms.InformationSharedFormSet(
                data,
                prefix="information_shared",
                queryset=incident.information_shared.all(),
                form_kwargs=kwargs,
            ),
        }

    def titles(self, incident: Incident) -> dict[str, str]:
        return {"meetings": "Inter-agency meetings", "information_shared": "Information shared"}

    def changes(self, incident: Incident, parts: Parts) -> StepChanges:
        return formset_changes(parts["meetings"]) + formset_changes(parts["information_shared"])


class ParentsStep(Step):
    identifier = "parents"
    prerequisites = ("people",)
    intro = (
        "For each young person: who informed their parents or carers, when and how; or why "
        "informing them would put the child at risk, and with whom that was decided."
    )

    def is_completed(self, incident: Incident) -> bool:
        people = incident.young_people.all()
        return bool(people) and all(parent_contact_of(incident, p) for p in people)

    def forms(self, incident: Incident, data: Any = None) -> Parts:
        return {
            f"yp{person.pk}": forms.ParentContactForm(
                data,
                prefix=f"yp{person.pk}",
                instance=parent_contact_of(incident, person) or ParentContact(),
                incident=incident,
            )
            for person in incident.young_people.all()
        }

    def titles(self, incident: Incident) -> dict[str, str]:
        return {f"yp{p.pk}": p.name for p in incident.young_people.all()}

    def changes(self, incident: Incident, parts: Parts) -> StepChanges:
        people = {f"yp{p.pk}": p for p in incident.young_people.all()}
        changes = StepChanges()
        for prefix, form in parts.items():
            if form.instance.pk and not form.has_changed():
                continue
            changes += form_changes(form, young_person=people[prefix])
        return changes


class FollowUpStep(Step):
    identifier = "follow-up"
    prerequisites = ("people",)
    optional = True
    adds_items = True
    template_name = "incidents/wizard/follow_up.html"
    intro = (
        "Support and containment actions, each with an owner and a due date; and, where no "
        "agency is involved, young people asked to delete the imagery by a deadline."
    )
    item_titles = {"actions": "Action", "deletions": "Deletion request"}
    item_labels = {"actions": "an action", "deletions": "a request to delete the imagery"}

    def is_completed(self, incident: Incident) -> bool:
        return (
            self.identifier in saved_steps(incident)
            or bool(incident.deletions.all())
            or bool(incident.actions.all())
        )

    def forms(self, incident: Incident, data: Any = None) -> Parts:
        kwargs = {"incident": incident}
        return {
            "actions": forms.ActionFormSet(
                data, prefix="actions", queryset=incident.actions.all(), form_kwargs=kwargs
            ),
            "deletions": forms.DeletionFormSet(
                data, prefix="deletions", queryset=incident.deletions.all(), form_kwargs=kwargs
            ),
        }

    def titles(self, incident: Incident) -> dict[str, str]:
        return {
            "actions": "Support and containment actions",
            "deletions": "Deletion of the imagery",
        }

    def context(self, incident: Incident) -> dict[str, Any]:
        return {
            "agency_involved": bool(agencies_referred(incident) & requirements.AGENCY_REFERRALS),
            "overdue_deletions": [d for d in incident.deletions.all() if d.is_overdue()],
            "overdue_actions": [a for a in incident.actions.all() if a.is_overdue()],
        }

    def changes(self, incident: Incident, parts: Parts) -> StepChanges:
        return formset_changes(parts["actions"]) + formset_changes(parts["deletions"])


class ReviewStep(Step):
    identifier = "review"
    prerequisites = ("people", "initial-review", "risk-assessment", "assessment")
    intro = "Policy Step 8: how the incident was resolved, what the school learned, and policies."

    def is_completed(self, incident: Incident) -> bool:
        return section(incident, "review") is not None

    def forms(self, incident: Incident, data: Any = None) -> Parts:
        return {
            "review": forms.ReviewForm(
                data,
                prefix="review",
                instance=section(incident, "review") or Review(),
                incident=incident,
            )
        }

    def changes(self, incident: Incident, parts: Parts) -> StepChanges:
        return form_changes(parts["review"])


class CheckStep(Step):
    """The whole record, what it still lacks, and the way to sign. It saves nothing."""

    identifier = "check"
    template_name = "incidents/wizard/check.html"
    read_only = True

    def is_completed(self, incident: Incident) -> bool:
        return not requirements.blocking(requirements.missing_items(incident))

    def context(self, incident: Incident) -> dict[str, Any]:
        missing = requirements.missing_items(incident)
        return {
            "missing": requirements.blocking(missing),
            "for_headteacher": [item for item in missing if not item.blocks_signing],
            "prompts": requirements.prompts(incident),
            "locked": incident.is_locked or incident.status == Status.AWAITING_APPROVAL,
            "sent_back": sent_back(incident),
        }


STEPS: tuple[Step, ...] = (
    DisclosureStep(),
    PeopleStep(),
    InitialReviewStep(),
    RiskAssessmentStep(),
    AssessmentStep(),
    InterviewsStep(),
    ImageryDevicesStep(),
    AdviceStep(),
    DecisionStep(),
    OnlineReportsStep(),
    InterAgencyStep(),
    ParentsStep(),
    FollowUpStep(),
    ReviewStep(),
    CheckStep(),
)
STEP_IDS = tuple(s.identifier for s in STEPS)
_BY_ID = {s.identifier: s for s in STEPS}


def get_step(identifier: str) -> Step | None:
    return _BY_ID.get(identifier)


class Flow:
    """The steps of one record: which apply, which are done, where to go next."""

    def __init__(self, incident: Incident):
        self.incident = incident
        self.applicable = [s for s in STEPS if s.is_applicable(incident)]

    def blocker(self, step: Step) -> Step | None:
        """The first incomplete prerequisite of ``step``, in the flow's order."""
        for candidate in self.applicable:
            if candidate is step:
                return None
            if candidate.identifier in step.prerequisites and not candidate.is_completed(
                self.incident
            ):
                return candidate
        return None

    def after(self, step: Step) -> Step:
        """Where to go once ``step`` is saved: the first step still needing work up to the next."""
        position = STEPS.index(step)
        following = [s for s in self.applicable if STEPS.index(s) > position]
        target = following[0] if following else self.applicable[-1]
        for candidate in self.applicable[: self.applicable.index(target)]:
            if (
                candidate is not step
                and not candidate.optional
                and not candidate.is_completed(self.incident)
            ):
                return candidate
        return target

    def first_incomplete(self) -> Step:
        for step in self.applicable:
            if not step.is_completed(self.incident):
                return step
        return self.applicable[-1]

    def progress(self, current: Step | None) -> list[dict[str, Any]]:
        applicable = set(map(id, self.applicable))
        items = []
        for step in STEPS:
            if id(step) not in applicable:
                state = "skipped"
            elif step is current:
                state = "current"
            elif step.is_completed(self.incident):
                state = "done"
            else:
                state = "todo"
            items.append({"step": step, "state": state})
        return items
