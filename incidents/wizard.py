"""The DSL's wizard (SPEC §5): the record in steps that mirror the policies.

A flow is a list of step objects, as pretix's checkout flow (STYLE habit 3). Each step knows
whether it applies to the record, whether it is complete, which steps must be complete before it,
and which forms it shows and saves. One view (``incidents.views.wizard``) drives them all: it
sends the user to the first incomplete prerequisite, saves a step in one transaction with the
record's version, and moves on to the next step that needs doing.

Step identifiers are fixed: other parts of the product link to them.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.utils import timezone

from incidents import rules
from incidents.assessment import current_result, record_assessment
from incidents.audit import log_action
from incidents.forms import steps as forms
from incidents.forms.concern import DisclosureForm
from incidents.models import (
    Action,
    ActionKind,
    Agency,
    AuditEvent,
    Decision,
    DecisionOutcome,
    Disclosure,
    ImageryViewing,
    Incident,
    InitialReview,
    ParentContact,
    Review,
    RiskAssessment,
    Status,
    ViewingGround,
    YoungPerson,
)

STEP_SAVED = "incident.step_saved"
# Referrals that involve an agency in the child's protection; a report to a hosting site or
# CEOP alone does not (SPEC §8, §9).
AGENCY_REFERRALS = {Agency.MASH, Agency.SOCIAL_CARE, Agency.POLICE_101, Agency.POLICE_999}
SOCIAL_CARE_REFERRALS = {Agency.MASH, Agency.SOCIAL_CARE}
POLICE_REFERRALS = {Agency.POLICE_101, Agency.POLICE_999}
STAFF_SUPPORT_DUE = timedelta(days=7)


# Loading the record once per request ---------------------------------------------------------


def load(incident: Incident) -> Incident:
    """The incident with every section the wizard reads, in a fixed number of queries."""
    loaded = (
        Incident.objects.select_related(
            "school", "disclosure", "initial_review", "risk_assessment", "decision", "review"
        )
        .prefetch_related(
            "young_people",
            "adults",
            "viewings",
            "device_searches",
            "referrals",
            Prefetch("parent_contacts", queryset=ParentContact.objects.order_by("created_at")),
            "deletions",
            "actions",
        )
        .get(pk=incident.pk)
    )
    loaded.viewer_roles = getattr(incident, "viewer_roles", frozenset())
    return loaded


def section(incident: Incident, name: str):
    """A one-to-one section of the record, or None when it is not written yet."""
    try:
        return getattr(incident, name)
    except ObjectDoesNotExist:
        return None


def result_of(incident: Incident):
    """The current rules' result (cached on the loaded incident).

    A record whose initial review was written outside the wizard may have no result yet: it is
    worked out here, once, so the assessment step always has one to show.
    """
    if not hasattr(incident, "_current_result"):
        result = current_result(incident)
        if result is None and section(incident, "initial_review") is not None:
            result = record_assessment(
                Incident.objects.select_related("school").get(pk=incident.pk)
            )
        incident._current_result = result
    return incident._current_result


def saved_steps(incident: Incident) -> set[str]:
    """The steps someone has saved at least once, from the audit log (cached)."""
    if not hasattr(incident, "_saved_steps"):
        incident._saved_steps = set(
            AuditEvent.objects.filter(incident=incident, action=STEP_SAVED)
            .values_list("data__step", flat=True)
            .distinct()
        )
    return incident._saved_steps


def parent_contact_of(incident: Incident, person: YoungPerson):
    """The latest parents' contact record of a young person, from the prefetched list."""
    contacts = [c for c in incident.parent_contacts.all() if c.young_person_id == person.pk]
    return contacts[-1] if contacts else None


def agencies_referred(incident: Incident) -> set[str]:
    return {r.agency for r in incident.referrals.all()}


def start_review(incident: Incident, request) -> None:
    """A reported concern comes under review when the DSL first saves a step of it."""
    if incident.status != Status.REPORTED:
        return
    Incident.objects.filter(pk=incident.pk, status=Status.REPORTED).update(
        status=Status.UNDER_REVIEW
    )
    incident.status = Status.UNDER_REVIEW
    log_action("incident.review_started", request=request, incident=incident)


def stamp(obj, user) -> None:
    """Attribute a record entry to whoever wrote it (SPEC §3: timestamped and attributed)."""
    if obj.pk is None:
        obj.created_by = user
    obj.updated_by = user


def live_forms(formset) -> list:
    """The formset's forms that will hold an item after saving: not removed, not left blank."""
    deleted = set(map(id, formset.deleted_forms)) if formset.is_bound else set()
    return [
        f
        for f in formset.forms
        if id(f) not in deleted and (f.instance.pk is not None or f.has_changed())
    ]


def save_formset(formset, incident: Incident, user) -> list[str]:
    """Save a step's list of items; return the names of the fields that changed."""
    changed: set[str] = set()
    for obj in formset.save(commit=False):
        obj.incident = incident
        stamp(obj, user)
        obj.save()
    for form in formset.forms:
        changed.update(form.changed_data)
    for obj in formset.deleted_objects:
        obj.delete()  # ProtectedError when another item still points at it: the view says so
        changed.add("DELETE")
    return sorted(changed)


def formset_error(formset, message: str) -> None:
    """An error about a list as a whole, shown above it and in the error summary."""
    formset.non_form_errors().append(message)


def save_form(form, incident: Incident, user, **extra) -> list[str]:
    obj = form.save(commit=False)
    obj.incident = incident
    for name, value in extra.items():
        setattr(obj, name, value)
    stamp(obj, user)
    obj.save()
    return list(form.changed_data)


# Steps -----------------------------------------------------------------------------------------


class Step:
    identifier = ""
    label = ""
    # Steps that must be complete before this one is shown (each is reached first).
    prerequisites: tuple[str, ...] = ()
    # Optional steps never hold the record up and are not where a user is sent next.
    optional = False
    # Saving changes the facts the rules work on, so the rules' result is worked out again.
    updates_facts = False
    intro = ""
    # "Save and add another" on steps that hold lists.
    adds_items = False

    def is_applicable(self, incident) -> bool:
        return True

    def not_applicable_reason(self, incident) -> str:
        return ""

    def is_completed(self, incident) -> bool:
        raise NotImplementedError

    def forms(self, incident, data=None) -> dict:
        """The step's forms and formsets, by prefix; bound when ``data`` is given."""
        return {}

    def titles(self, incident) -> dict:
        """A heading for each form or formset."""
        return {}

    # What one item of each formset is called: "Young person 2", "Add a young person".
    item_titles: dict[str, str] = {}
    item_labels: dict[str, str] = {}

    def validate(self, incident, parts: dict, adding: bool = False) -> None:
        """Checks across the step's forms, run once each is valid on its own.

        ``adding``: the user saves to add another item, so the list is not finished yet.
        """

    def save(self, request, incident, parts: dict) -> list[str]:
        raise NotImplementedError

    def context(self, incident) -> dict:
        return {}


class DisclosureStep(Step):
    identifier = "disclosure"
    label = "Disclosure"
    updates_facts = True  # the incident date gives the ages
    intro = "Policy Step 1: what was disclosed, by whom and when. Check what the reporter wrote."

    def is_completed(self, incident):
        return section(incident, "disclosure") is not None

    def forms(self, incident, data=None):
        return {
            "disclosure": DisclosureForm(
                data,
                prefix="disclosure",
                instance=section(incident, "disclosure") or Disclosure(),
                incident=incident,
            )
        }

    def save(self, request, incident, parts):
        form = parts["disclosure"]
        incident.incident_date = form.cleaned_data["incident_date"]
        incident.disclosed_at = form.cleaned_data["disclosed_at"]
        incident.save(update_fields=["incident_date", "disclosed_at", "updated_at"])
        return save_form(form, incident, request.user)


class PeopleStep(Step):
    identifier = "people"
    label = "People involved"
    prerequisites = ("disclosure",)
    updates_facts = True
    adds_items = True
    intro = (
        "Each young person (under 18) and each adult involved. Ages are worked out at the "
        "incident date. Use the blank form to add one; save and add another for more."
    )

    def is_completed(self, incident):
        return bool(incident.young_people.all())

    def forms(self, incident, data=None):
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

    def titles(self, incident):
        return {"young_people": "Young people", "adults": "Adults (18 or over)"}

    item_titles = {"young_people": "Young person", "adults": "Adult"}
    item_labels = {"young_people": "a young person", "adults": "an adult"}

    def validate(self, incident, parts, adding=False):
        if not live_forms(parts["young_people"]):
            formset_error(
                parts["young_people"], "Add at least one young person: the record is about a child."
            )

    def save(self, request, incident, parts):
        return save_formset(parts["young_people"], incident, request.user) + save_formset(
            parts["adults"], incident, request.user
        )


class InitialReviewStep(Step):
    identifier = "initial-review"
    label = "Initial review"
    prerequisites = ("disclosure", "people")
    updates_facts = True
    intro = (
        "Wolverhampton, Initial review meeting: record who met and answer each question from "
        "what you know. The rules' result beside the form changes as you answer."
    )

    def is_completed(self, incident):
        return section(incident, "initial_review") is not None

    def forms(self, incident, data=None):
        return {
            "review": forms.InitialReviewForm(
                data,
                prefix="review",
                instance=section(incident, "initial_review") or InitialReview(),
                incident=incident,
            )
        }

    def context(self, incident):
        return {"panel": panel(result_of(incident)), "live_assessment": True}

    def save(self, request, incident, parts):
        return save_form(parts["review"], incident, request.user)


def has_13_to_17(incident) -> bool:
    return any(13 <= p.age_at(incident.incident_date) <= 17 for p in incident.young_people.all())


class RiskAssessmentStep(Step):
    identifier = "risk-assessment"
    label = "Risk assessment"
    prerequisites = ("disclosure", "people")
    updates_facts = True
    intro = (
        "Wolverhampton, Assessing the risks: answer each of the ten questions, add a note where "
        "it helps, and rate the overall risk."
    )

    def is_applicable(self, incident):
        # SPEC §3.4: for 13–17 year olds, and whenever no referral is made.
        if not incident.young_people.all():
            return True  # not known until the people involved are recorded
        decision = section(incident, "decision")
        not_referred = (
            decision is not None and decision.outcome == DecisionOutcome.HANDLED_IN_SCHOOL
        )
        return has_13_to_17(incident) or not_referred

    def not_applicable_reason(self, incident):
        return "No young person involved is 13 to 17, and no decision not to refer is recorded."

    def is_completed(self, incident):
        return section(incident, "risk_assessment") is not None

    def forms(self, incident, data=None):
        return {
            "risk": forms.RiskAssessmentForm(
                data,
                prefix="risk",
                instance=section(incident, "risk_assessment") or RiskAssessment(),
                incident=incident,
            )
        }

    def save(self, request, incident, parts):
        return save_form(parts["risk"], incident, request.user)


class AssessmentStep(Step):
    identifier = "assessment"
    label = "Assessment"
    prerequisites = ("disclosure", "people", "initial-review", "risk-assessment")
    intro = (
        "The rules' result from the facts recorded so far, with the policy clause behind each "
        "reason. Confirm it, or record a different category with your reasons."
    )

    def is_completed(self, incident):
        result = result_of(incident)
        return result is not None and result.confirmed_at is not None

    def forms(self, incident, data=None):
        result = result_of(incident)
        initial = {}
        if result is not None and result.confirmed_at:
            initial = {
                "choice": "override" if result.overridden else "confirm",
                "override_category": result.override_category,
                "override_subtype": result.override_subtype,
                "override_reason": result.override_reason,
            }
        return {
            "assessment": forms.AssessmentForm(
                data, prefix="assessment", result=result, initial=initial
            )
        }

    def context(self, incident):
        result = result_of(incident)
        earlier = (
            incident.assessment_results.exclude(pk=result.pk)
            .filter(confirmed_at__isnull=False)
            .first()
            if result is not None and result.confirmed_at is None
            else None
        )
        return {"panel": panel(result), "earlier_confirmed": earlier}

    def save(self, request, incident, parts):
        result = result_of(incident)
        data = parts["assessment"].cleaned_data
        overridden = data["choice"] == "override"
        result.confirmed_by = request.user
        result.confirmed_at = timezone.now()
        result.overridden = overridden
        result.override_category = data["override_category"] if overridden else ""
        result.override_subtype = data["override_subtype"] if overridden else ""
        result.override_reason = data["override_reason"].strip() if overridden else ""
        result.save(
            update_fields=[
                "confirmed_by",
                "confirmed_at",
                "overridden",
                "override_category",
                "override_subtype",
                "override_reason",
            ]
        )
        return ["confirmed", *(["overridden"] if overridden else [])]


class ImageryDevicesStep(Step):
    identifier = "imagery-devices"
    label = "Imagery and devices"
    prerequisites = ("disclosure",)
    optional = True
    adds_items = True
    intro = (
        "Staff should not view the imagery. Record a viewing only if it happened, on one of the "
        "three grounds; record any device search. Never print, copy or move the material."
    )

    def is_completed(self, incident):
        return (
            self.identifier in saved_steps(incident)
            or bool(incident.viewings.all())
            or bool(incident.device_searches.all())
        )

    def forms(self, incident, data=None):
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

    def titles(self, incident):
        return {
            "imagery": "Viewing",
            "viewings": "Viewing log",
            "devices": "Device searches and confiscation",
        }

    item_titles = {"viewings": "Viewing log", "devices": "Device search"}
    item_labels = {"viewings": "a viewing log", "devices": "a device search"}

    def context(self, incident):
        return {
            "viewing_flags": [(v, v.missing_safeguards()) for v in incident.viewings.all()],
            "search_flags": [(s, s.missing_safeguards()) for s in incident.device_searches.all()],
        }

    def validate(self, incident, parts, adding=False):
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

    def save(self, request, incident, parts):
        changed = save_formset(parts["viewings"], incident, request.user)
        changed += save_formset(parts["devices"], incident, request.user)
        ensure_staff_support(incident, request.user)
        return changed


def ensure_staff_support(incident, user) -> Action | None:
    """SPEC §6: staff who saw imagery unavoidably get a support action."""
    if not ImageryViewing.objects.filter(
        incident=incident, ground=ViewingGround.UNAVOIDABLE
    ).exists():
        return None
    if Action.objects.filter(incident=incident, kind=ActionKind.STAFF_SUPPORT).exists():
        return None
    return Action.objects.create(
        incident=incident,
        kind=ActionKind.STAFF_SUPPORT,
        description=(
            "Offer support to the member(s) of staff who saw the imagery unavoidably "
            "(Wolverhampton, Viewing the imagery)."
        ),
        owner=user.get_full_name() or user.username,
        due_date=timezone.localdate() + STAFF_SUPPORT_DUE,
        created_by=user,
        updated_by=user,
    )


def referral_requirements(result) -> list[str]:
    """What the rules' result asks of the decision, in words (SPEC §5: shows why)."""
    if result is None:
        return []
    needs = []
    if result.mash_referral:
        criteria = "; ".join(rules.CRITERION_LABELS.get(c, c) for c in result.mash_criteria)
        needs.append(f"An immediate referral to the MASH is required ({criteria}).")
    if result.police == "required":
        needs.append("A referral to the police is required (an adult is, or may be, involved).")
    elif result.police == "advised":
        needs.append("A referral to the police is almost always proportionate (aggravated).")
    if result.social_care_contact:
        needs.append(
            "Contact children's social care: a young person involved is, or has been, known "
            "to them."
        )
    return needs


def unmet_requirements(result, agencies: set[str]) -> list[str]:
    """The referrals the result asks for that the given agencies do not cover."""
    if result is None:
        return []
    unmet = []
    if result.mash_referral and not agencies & SOCIAL_CARE_REFERRALS:
        unmet.append("the rules require an immediate referral to the MASH")
    if result.police in ("required", "advised") and not agencies & POLICE_REFERRALS:
        unmet.append(
            "the rules say a police referral is "
            + ("required" if result.police == "required" else "almost always proportionate")
        )
    if result.social_care_contact and not agencies & SOCIAL_CARE_REFERRALS:
        unmet.append("a young person is known to children's social care")
    return unmet


class DecisionStep(Step):
    identifier = "decision"
    label = "Decision and referrals"
    prerequisites = ("disclosure", "people", "initial-review", "risk-assessment", "assessment")
    adds_items = True
    intro = (
        "Record each referral made (agency, when, by whom, the reference given) and your "
        "decision. Not referring to the police or children's social care needs written reasons "
        "and the headteacher's sign-off."
    )

    def is_completed(self, incident):
        decision = section(incident, "decision")
        result = result_of(incident)
        return decision is not None and result is not None and decision.assessment_id == result.pk

    def forms(self, incident, data=None):
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
            ),
        }

    def titles(self, incident):
        return {"referrals": "Referrals and reports", "decision": "Decision"}

    item_titles = {"referrals": "Referral or report"}
    item_labels = {"referrals": "a referral or report"}

    def context(self, incident):
        result = result_of(incident)
        decision = section(incident, "decision")
        stale = decision is not None and result is not None and decision.assessment_id != result.pk
        return {
            "panel": panel(result),
            "requirements": referral_requirements(result),
            "decision_stale": stale,
        }

    def validate(self, incident, parts, adding=False):
        result = result_of(incident)
        decision = parts["decision"]
        outcome = decision.cleaned_data.get("outcome")
        reasons = (decision.cleaned_data.get("reasons") or "").strip()
        agencies = {
            f.cleaned_data.get("agency")
            for f in live_forms(parts["referrals"])
            if f.cleaned_data.get("agency")
        }
        if outcome == DecisionOutcome.HANDLED_IN_SCHOOL and agencies & AGENCY_REFERRALS:
            named = ", ".join(sorted(Agency(a).label for a in agencies & AGENCY_REFERRALS))
            decision.add_error(
                "outcome",
                f"You recorded a referral ({named}) but chose to handle it in school without "
                "referral: choose referred, or remove the referral.",
            )
        if outcome == DecisionOutcome.REFERRED and not agencies:
            decision.add_error(
                "outcome", "You chose referred: record the referral below (agency, when, who)."
            )
        unmet = unmet_requirements(result, agencies)
        # While referrals are still being added, the missing ones may be next; check answers
        # still lists them until they are recorded or the reasons are written.
        if outcome and unmet and not reasons and not adding:
            decision.add_error(
                "reasons",
                "Write your reasons for not making this referral: " + "; ".join(unmet) + ".",
            )

    def save(self, request, incident, parts):
        changed = save_formset(parts["referrals"], incident, request.user)
        changed += save_form(
            parts["decision"], incident, request.user, assessment=result_of(incident)
        )
        return changed


class ParentsStep(Step):
    identifier = "parents"
    label = "Parents and carers"
    prerequisites = ("disclosure", "people")
    intro = (
        "For each young person: who informed their parents or carers, when and how; or why "
        "informing them would put the child at risk, and with whom that was decided."
    )

    def is_completed(self, incident):
        people = incident.young_people.all()
        return bool(people) and all(parent_contact_of(incident, p) for p in people)

    def forms(self, incident, data=None):
        return {
            f"yp{person.pk}": forms.ParentContactForm(
                data,
                prefix=f"yp{person.pk}",
                instance=parent_contact_of(incident, person) or ParentContact(),
                incident=incident,
            )
            for person in incident.young_people.all()
        }

    def titles(self, incident):
        return {f"yp{p.pk}": p.name for p in incident.young_people.all()}

    def save(self, request, incident, parts):
        people = {f"yp{p.pk}": p for p in incident.young_people.all()}
        changed: list[str] = []
        for prefix, form in parts.items():
            if form.instance.pk and not form.has_changed():
                continue
            changed += save_form(form, incident, request.user, young_person=people[prefix])
        return sorted(set(changed))


class FollowUpStep(Step):
    identifier = "follow-up"
    label = "Deletion, support and containment"
    prerequisites = ("disclosure", "people")
    optional = True
    adds_items = True
    intro = (
        "Support and containment actions, each with an owner and a due date; and, where no "
        "agency is involved, young people asked to delete the imagery by a deadline."
    )

    def is_completed(self, incident):
        return (
            self.identifier in saved_steps(incident)
            or bool(incident.deletions.all())
            or bool(incident.actions.all())
        )

    def forms(self, incident, data=None):
        kwargs = {"incident": incident}
        return {
            "actions": forms.ActionFormSet(
                data, prefix="actions", queryset=incident.actions.all(), form_kwargs=kwargs
            ),
            "deletions": forms.DeletionFormSet(
                data, prefix="deletions", queryset=incident.deletions.all(), form_kwargs=kwargs
            ),
        }

    def titles(self, incident):
        return {
            "actions": "Support and containment actions",
            "deletions": "Deletion of the imagery",
        }

    item_titles = {"actions": "Action", "deletions": "Deletion request"}
    item_labels = {"actions": "an action", "deletions": "a request to delete the imagery"}

    def context(self, incident):
        return {
            "agency_involved": bool(agencies_referred(incident) & AGENCY_REFERRALS),
            "overdue_deletions": [d for d in incident.deletions.all() if d.is_overdue()],
            "overdue_actions": [a for a in incident.actions.all() if a.is_overdue()],
        }

    def save(self, request, incident, parts):
        return save_formset(parts["actions"], incident, request.user) + save_formset(
            parts["deletions"], incident, request.user
        )


class ReviewStep(Step):
    identifier = "review"
    label = "Review"
    prerequisites = ("disclosure", "people", "initial-review", "risk-assessment", "assessment")
    intro = "Policy Step 8: how the incident was resolved, what the school learned, and policies."

    def is_completed(self, incident):
        return section(incident, "review") is not None

    def forms(self, incident, data=None):
        return {
            "review": forms.ReviewForm(
                data,
                prefix="review",
                instance=section(incident, "review") or Review(),
                incident=incident,
            )
        }

    def save(self, request, incident, parts):
        return save_form(parts["review"], incident, request.user)


class CheckStep(Step):
    identifier = "check"
    label = "Check answers"

    def is_completed(self, incident):
        from incidents.completeness import missing_items

        return not missing_items(incident)

    def save(self, request, incident, parts):  # pragma: no cover - the check page has no form
        return []


STEPS: tuple[Step, ...] = (
    DisclosureStep(),
    PeopleStep(),
    InitialReviewStep(),
    RiskAssessmentStep(),
    AssessmentStep(),
    ImageryDevicesStep(),
    DecisionStep(),
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
                and not (candidate.is_completed(self.incident))
            ):
                return candidate
        return target

    def first_incomplete(self) -> Step:
        for step in self.applicable:
            if not step.is_completed(self.incident):
                return step
        return self.applicable[-1]

    def progress(self, current: Step | None) -> list[dict]:
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


# The rules' result, for display ------------------------------------------------------------


def panel(result) -> dict | None:
    """The rules' result in words, for an ``AssessmentResult`` or a ``rules.Assessment``."""
    if result is None:
        return None
    return {
        "result": result,
        "category": rules.CATEGORY_LABELS.get(result.category, result.category),
        "subtype": rules.SUBTYPE_LABELS.get(result.subtype, result.subtype),
        "mash_referral": result.mash_referral,
        "criteria": [rules.CRITERION_LABELS.get(c, c) for c in result.mash_criteria],
        "police": rules.POLICE_LABELS.get(result.police, result.police),
        "police_level": result.police,
        "social_care_contact": result.social_care_contact,
        "seek_advice": result.seek_advice,
        "reasons": list(result.reasons),
        "policy": f"{result.policy} ({result.policy_version})",
        "confirmed_at": getattr(result, "confirmed_at", None),
        "confirmed_by": getattr(result, "confirmed_by", None),
        "overridden": getattr(result, "overridden", False),
        "override_category": rules.CATEGORY_LABELS.get(getattr(result, "override_category", "")),
        "override_subtype": rules.SUBTYPE_LABELS.get(getattr(result, "override_subtype", "")),
        "override_reason": getattr(result, "override_reason", ""),
    }
