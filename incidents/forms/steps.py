"""The forms of the wizard's steps after the disclosure.

Each form checks what one item can check on its own (dates, ages, a field that another makes
necessary); checks across items of a step live in the step (``incidents.wizard``).
"""

from datetime import datetime
from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.utils import timezone

from incidents import rules
from incidents.display import date_text
from incidents.forms.common import (
    CLOCK_SKEW,
    CheckedText,
    Choices,
    DateInput,
    DateTimeInput,
    TimeInput,
    check_not_before,
    check_past,
    radios,
)
from incidents.models import (
    FACT_FIELDS,
    RISK_CHOICE_FIELDS,
    RISK_FIELDS,
    Action,
    Adult,
    AdviceSought,
    AgencyMeeting,
    AnswerChoice,
    AssessmentResult,
    ChildAction,
    Containment,
    Decision,
    DeletionRequest,
    DeviceSearch,
    ImageryOrigin,
    ImageryViewing,
    Incident,
    InformationShared,
    InitialReview,
    Interview,
    OnlineReport,
    OnlineReportService,
    ParentContact,
    Referral,
    Review,
    RiskAssessment,
    YoungPerson,
    age_on,
)


def _no_blank(form: forms.BaseForm, *names: str) -> None:
    """Radio lists: drop the "---------" choice a model field without default adds."""
    for name in names:
        field = cast(forms.ChoiceField, form.fields[name])
        field.choices = [c for c in cast(Choices, field.choices) if c[0] != ""]


class RecordItemForm(CheckedText, forms.ModelForm[Any]):
    """An item of the record; knows its incident for date checks."""

    def __init__(self, *args: Any, incident: Incident | None = None, **kwargs: Any) -> None:
        self.incident = incident
        super().__init__(*args, **kwargs)


# People involved ---------------------------------------------------------------------------


class YoungPersonForm(RecordItemForm):
    age_if_no_date_of_birth = forms.IntegerField(
        label="Age at the incident, if the date of birth is not known",
        required=False,
        min_value=0,
        max_value=17,
        error_messages={
            "min_value": "Enter an age from 0 to 17.",
            "max_value": "Enter an age from 0 to 17: a person of 18 or over is an adult; "
            "record them under adults.",
            "invalid": "Enter the age as a whole number, like 14.",
        },
    )

    class Meta:
        model = YoungPerson
        fields = [
            "name",
            "date_of_birth",
            "age_if_no_date_of_birth",
            "year_group",
            "sex",
            "vulnerability",
            "is_pictured",
            "is_sender",
            "is_recipient",
            "is_sharer",
            "known_to_social_care",
        ]
        widgets = {
            "date_of_birth": DateInput,
            "sex": radios(),
            "known_to_social_care": radios(),
            "vulnerability": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _no_blank(self, "sex", "known_to_social_care")
        # The four parts a young person played are one question: a group with its legend
        # (WCAG 1.3.1), so a screen reader names it with each box.
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "name",
            "date_of_birth",
            "age_if_no_date_of_birth",
            "year_group",
            "sex",
            "vulnerability",
            Fieldset(
                "Their part in what happened (tick each that applies)",
                "is_pictured",
                "is_sender",
                "is_recipient",
                "is_sharer",
                css_class="mb-3",
            ),
            "known_to_social_care",
        )
        # The formset's own fields (the row's id, "remove") come after the layout.
        self.helper.render_unmentioned_fields = True

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        dob = data.get("date_of_birth")
        age = data.get("age_if_no_date_of_birth")
        if "date_of_birth" in self.errors or "age_if_no_date_of_birth" in self.errors:
            return data
        if dob is None and age is None:
            self.add_error(
                "date_of_birth", "Enter a date of birth, or the age at the incident if not known."
            )
            return data
        if dob is None:
            return data
        check_past(self, "date_of_birth", "The date of birth")
        on = self.incident.incident_date if self.incident else None
        if "date_of_birth" in self.errors or on is None:
            return data
        if dob > on:
            self.add_error(
                "date_of_birth",
                f"The date of birth is after the incident ({date_text(on)}): check both.",
            )
        elif age_on(dob, on) > 17:
            self.add_error(
                "date_of_birth",
                f"This makes them {age_on(dob, on)} at the incident: a person of 18 or over is "
                "an adult; record them under adults.",
            )
        elif age is not None and age != age_on(dob, on):
            self.add_error(
                "age_if_no_date_of_birth",
                f"The date of birth makes them {age_on(dob, on)} at the incident, not {age}: "
                "leave the age blank when the date of birth is known.",
            )
        return data


class AdultForm(RecordItemForm):
    class Meta:
        model = Adult
        fields = ["name", "relationship", "involvement"]
        widgets = {"involvement": forms.Textarea(attrs={"rows": 2})}


# Initial review meeting --------------------------------------------------------------------

# Each fact as a short question, with the clause it rests on as the question's hint (read out
# after the question by a screen reader: the fieldset's aria-describedby). The full wording, with
# the clause, stays ``rules.FACT_QUESTIONS``.
FACT_LABELS: dict[str, tuple[str, str]] = {
    "adult_involved": (
        "Does the incident involve, or possibly involve, an adult (18 or over)?",
        "Did an adult create, solicit, receive or share the imagery, or know of it? "
        'Wolverhampton, Initial review meeting: "The incident also involves an adult (18 and '
        'above)". Evergreen, Step 2: "Any conduct involving, or possibly involving, the '
        'knowledge or participation of adults".',
    ),
    "coerced": (
        "Is there reason to believe a young person was coerced, blackmailed or groomed?",
        "Or put under pressure to produce the imagery. Wolverhampton, Initial review meeting and "
        "Assessing the risks.",
    ),
    "capacity_concern": (
        "Are there concerns about a young person's capacity to consent?",
        "For example owing to special educational needs. Wolverhampton, Initial review meeting.",
    ),
    "intent_to_harm": (
        "Did a young person act with intent to harm?",
        "Interpersonal conflict such as a break-up or a fight among friends, blackmail, threats, "
        'deception, or sexual abuse or exploitation. Wolak and Finkelhor typology: "Youth Only: '
        'Intent to Harm".',
    ),
    "shared_without_consent": (
        "Was the imagery taken or sent without the pictured young person's knowing, willing "
        "participation?",
        'Wolak and Finkelhor typology: "Youth Only: Reckless Misuse". Wolverhampton, Assessing '
        'the risks: "Was it shared and received with the knowledge of the pupil in the '
        'imagery?"',
    ),
    "romantic_relationship": (
        "Are the young people in an ongoing relationship?",
        "Making the imagery for themselves or each other, not meant to go beyond the pair. Wolak "
        'and Finkelhor typology: "Romantic".',
    ),
    "attention_seeking": (
        "Was the imagery sent to draw sexual attention?",
        "Sent between young people not known to be romantic partners, or sent to many others or "
        'posted online. Wolak and Finkelhor typology: "Sexual Attention Seeking".',
    ),
    "sent_to_others": (
        "Was the imagery sent or shown to anyone at all?",
        'Shown live on a webcam counts. Wolak and Finkelhor typology: "Other" covers pictures '
        'taken "for themselves (no evidence of any sending or sharing)".',
    ),
    "unusual_or_violent_content": (
        "Does what you know suggest sexual acts unusual for the young person's developmental "
        "stage, or violence?",
        "Answer from what you have been told; do not view the imagery. Wolverhampton, Initial "
        "review meeting.",
    ),
    "immediate_risk_of_harm": (
        "Is a young person at immediate risk of harm owing to the sharing?",
        "For example presenting as suicidal or self-harming. Wolverhampton, Initial review "
        "meeting.",
    ),
    "depicts_sexual_acts": (
        "Does what you have been told indicate that the imagery shows sexual acts?",
        "Answer from what you have been told; do not view the imagery. UKCIS 2020: a young "
        "person under 13 and imagery involving sexual acts.",
    ),
    "financial_extortion": (
        "Did someone demand money, gift cards or more imagery under threat of sharing it?",
        'Financially motivated sexual extortion ("sextortion"). National Crime Agency alert to '
        "education settings, April 2024; UK Council for Internet Safety, Sharing nudes and "
        "semi-nudes, updated March 2024.",
    ),
}
# What the record keeps of a sexual extortion (National Crime Agency alert, April 2024): asked
# when the extortion question is answered yes.
EXTORTION_FIELDS = (
    "extortion_demand",
    "extortion_paid",
    "extortion_contact",
    "told_not_to_pay",
    "told_to_keep_messages",
    "accounts_reported",
)


class InitialReviewForm(RecordItemForm):
    class Meta:
        model = InitialReview
        fields = [
            "meeting_date",
            "meeting_time",
            "attendees",
            "imagery_origin",
            *FACT_FIELDS,
            *EXTORTION_FIELDS,
            "further_information",
            "other_settings_to_contact",
        ]
        widgets = {
            "meeting_date": DateInput,
            "meeting_time": TimeInput,
            "attendees": forms.Textarea(attrs={"rows": 2}),
            "further_information": forms.Textarea(attrs={"rows": 2}),
            "other_settings_to_contact": forms.Textarea(attrs={"rows": 2}),
            "imagery_origin": radios(),
            "extortion_paid": radios(),
            "extortion_demand": forms.Textarea(attrs={"rows": 2}),
            **{name: radios() for name in FACT_FIELDS},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in FACT_FIELDS:
            field = self.fields[name]
            field.label, field.help_text = FACT_LABELS.get(name, (field.label, ""))
            field.error_messages["required"] = "Answer yes, no or not known."
            # A new meeting's questions start unanswered: "not known" is an answer the DSL
            # gives, never one the form gives for them.
            if self.instance.pk is None:
                self.initial[name] = None
        _no_blank(self, *FACT_FIELDS, "imagery_origin", "extortion_paid")
        self.fields["meeting_date"].label = "Date of the meeting"
        time = self.fields["meeting_time"]
        time.required = True
        time.help_text = (
            "When the meeting began, for example 14:30: the chronology and the inspection pack "
            "put the review before the decisions that followed it."
        )
        time.error_messages["required"] = "Enter the time the meeting began, for example 14:30."
        time.error_messages["invalid"] = "Enter the time as hours and minutes, for example 14:30."
        origin = self.fields["imagery_origin"]
        origin.label = "How did the imagery come about?"
        origin.help_text = (
            "Asked once: made or altered with AI or editing tools is how the record knows the "
            "imagery is AI-generated (UK Council for Internet Safety, updated March 2024). A "
            "live webcam or video-call exposure with no known recording is still an incident "
            "(Evergreen, Appendix 3, Case study 1)."
        )
        # Not known until the DSL says otherwise (the model's default).
        self.fields["imagery_origin"].required = False
        self.fields["extortion_paid"].required = False

    def clean_imagery_origin(self) -> str:
        return str(self.cleaned_data.get("imagery_origin") or ImageryOrigin.UNKNOWN)

    def clean_extortion_paid(self) -> str:
        return str(self.cleaned_data.get("extortion_paid") or AnswerChoice.UNKNOWN)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            data.get("financial_extortion") == AnswerChoice.YES
            and not (data.get("extortion_demand") or "").strip()
        ):
            self.add_error(
                "extortion_demand",
                "You answered that something was demanded under threat: say what was demanded "
                "(money, gift cards, more images).",
            )
        extortion_details = [
            name for name in EXTORTION_FIELDS if name != "extortion_paid" and data.get(name)
        ] + (["extortion_paid"] if data.get("extortion_paid") not in (None, "", "unknown") else [])
        if data.get("financial_extortion") == AnswerChoice.NO and extortion_details:
            self.add_error(
                "financial_extortion",
                "You answered that nothing was demanded under threat, but extortion details are "
                "filled in: answer yes or not known, or clear them.",
            )
        check_past(self, "meeting_date", "The meeting date")
        if self.incident is not None:
            check_not_before(
                self,
                "meeting_date",
                self.incident.disclosed_at,
                "The meeting cannot be before the disclosure "
                f"({date_text(self.incident.disclosed_at)}).",
            )
            self._check_meeting_time(self.incident)
            self._check_disclosure(self.incident)
            adults = self.incident.adults.count()
            if data.get("adult_involved") == "no" and adults:
                self.add_error(
                    "adult_involved",
                    f"The people involved include {adults} adult(s): answer yes or not known, "
                    "or remove them on the people step.",
                )
        return data

    def _check_meeting_time(self, incident: Incident) -> None:
        """The meeting's date and time together: not in the future, not before the disclosure."""
        data = self.cleaned_data
        day, time = data.get("meeting_date"), data.get("meeting_time")
        if day is None or time is None or "meeting_date" in self.errors:
            return
        began = timezone.make_aware(datetime.combine(day, time))
        if began > timezone.now() + CLOCK_SKEW:
            self.add_error("meeting_time", "The meeting cannot begin in the future.")
        elif began.replace(second=0, microsecond=0) < incident.disclosed_at.replace(
            second=0, microsecond=0
        ):
            self.add_error(
                "meeting_time",
                "The meeting cannot begin before the disclosure "
                f"({timezone.localtime(incident.disclosed_at):%H:%M} on "
                f"{date_text(incident.disclosed_at)}).",
            )

    def _check_disclosure(self, incident: Incident) -> None:
        """Answers the disclosure already rules out (a slip the DSL should put right)."""
        disclosure = getattr(incident, "disclosure", None)
        data = self.cleaned_data
        if data.get("sent_to_others") != AnswerChoice.NO:
            return
        if disclosure is not None and disclosure.child_action == ChildAction.SHARED_BY_OTHER:
            self.add_error(
                "sent_to_others",
                "The disclosure says the child's image was shared by someone else: answer yes "
                "or not known, or correct the disclosure.",
            )
        elif data.get("imagery_origin") == ImageryOrigin.LIVE_NO_RECORDING:
            self.add_error(
                "sent_to_others",
                "You answered that it was shown live on a webcam or video call, so it was shown "
                "to someone: answer yes or not known.",
            )


# Risk assessment ---------------------------------------------------------------------------

RISK_LABELS = dict(rules.RISK_QUESTIONS)
# What each question needs in words, where it needs words (Wolverhampton, "Assessing the risks").
RISK_HINTS = {
    "why_shared": "For example within a relationship, to draw attention, as a joke, out of "
    "malice or under pressure.",
    "coerced": "Including blackmail, threats, or someone demanding more imagery.",
    "who_shared": "Names or descriptions: young people, adults, or not known.",
    "where_shared": "Devices, apps, group chats, websites; say if not known.",
    "knowledge_of_pictured": "Yes if the young person pictured knew and was willing.",
    "adults_involved": "Any adult who made, asked for, received, shared or knew of it.",
    "impact": "On each young person involved: distress, friendships, attendance, safety.",
    "vulnerabilities": "For example special educational needs, care experience, earlier harm.",
    "understands_consent": "In the DSL's judgement, from talking to them.",
    "previous_activity": "Earlier incidents of pupils picked from the roll are listed under "
    "“Taken part before?”.",
}
_RISK_ANSWERS = [(c.value, c.label) for c in AnswerChoice]


class RiskAssessmentForm(RecordItemForm):
    """One answer per question (yes / no / not known where the question allows, words where it
    needs them), each with an optional note (SPEC §3.4)."""

    class Meta:
        model = RiskAssessment
        fields = [name for field in RISK_FIELDS for name in (field, f"{field}_note")] + ["rating"]
        widgets = {
            **{name: forms.Textarea(attrs={"rows": 2}) for name in RISK_FIELDS},
            **{f"{name}_note": forms.Textarea(attrs={"rows": 1}) for name in RISK_FIELDS},
            "rating": radios(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in RISK_FIELDS:
            question = RISK_LABELS[name]
            if name in RISK_CHOICE_FIELDS:
                self.fields[name] = forms.ChoiceField(
                    label=question,
                    choices=_RISK_ANSWERS,
                    widget=radios(),
                    error_messages={"required": "Answer yes, no or not known."},
                )
            else:
                self.fields[name].required = True
                self.fields[name].error_messages["required"] = (
                    f"Write an answer to: {question[0].lower()}{question[1:]}"
                )
            self.fields[name].label = question
            self.fields[name].help_text = RISK_HINTS[name]
            if name in RISK_CHOICE_FIELDS:
                self._keep_old_answer(name)
            note = self.fields[f"{name}_note"]
            note.label = "Note on this answer (optional)"
            note.help_text = ""
        self.fields["rating"].label = "Overall risk"
        self.fields["rating"].error_messages["required"] = "Choose the overall risk."
        _no_blank(self, "rating")

    def _keep_old_answer(self, name: str) -> None:
        """An answer written in words before this question became a choice: nothing is lost.
        It is moved into the note (shown before the DSL chooses), and the choice starts empty."""
        old = str(self.initial.get(name) or "").strip()
        if not old or old in AnswerChoice.values:
            return
        self.initial[name] = None
        note = str(self.initial.get(f"{name}_note") or "").strip()
        self.initial[f"{name}_note"] = f"{old}\n{note}" if note else old
        self.fields[name].help_text = (
            f"{RISK_HINTS[name]} Your earlier answer, in words, is kept in the note below: "
            "choose the answer it gives."
        )


# Assessment: confirm or override the rules' result -------------------------------------------

SUBTYPES_OF = {
    "aggravated": ("adult_involved", "youth_intent_to_harm", "youth_reckless_misuse"),
    "experimental": ("romantic", "attention_seeking", "other"),
}


class AssessmentForm(CheckedText, forms.Form):
    choice = forms.ChoiceField(
        label="Do you agree with the rules' result?",
        choices=[
            ("confirm", "Yes, confirm the result"),
            ("override", "No, I will record a different category with my reasons"),
        ],
        widget=radios(),
        error_messages={"required": "Confirm the result, or choose to override it."},
    )
    override_category = forms.ChoiceField(
        label="Category",
        choices=[("", "Choose"), *rules.CATEGORY_LABELS.items()],
        required=False,
    )
    override_subtype = forms.ChoiceField(
        label="Subtype",
        choices=[("", "Choose"), *rules.SUBTYPE_LABELS.items()],
        required=False,
    )
    override_reason = forms.CharField(
        label="Why you disagree with the rules' result",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        result: AssessmentResult | rules.Assessment | None = None,
        **kwargs: Any,
    ) -> None:
        self.result = result
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        choice = data.get("choice")
        category = data.get("override_category")
        subtype = data.get("override_subtype")
        reason = (data.get("override_reason") or "").strip()
        if choice == "confirm":
            if category or subtype or reason:
                self.add_error(
                    "choice",
                    "You chose to confirm the result but filled in an override: clear the "
                    "override, or choose to override.",
                )
            return data
        if choice != "override":
            return data
        if not category:
            self.add_error("override_category", "Choose the category you have decided on.")
        if not subtype:
            self.add_error("override_subtype", "Choose the subtype you have decided on.")
        elif category and subtype not in SUBTYPES_OF[category]:
            self.add_error(
                "override_subtype",
                f"{rules.SUBTYPE_LABELS[subtype]} is not a subtype of "
                f"{rules.CATEGORY_LABELS[category].lower()} incidents.",
            )
        if not reason:
            self.add_error("override_reason", "Write why you disagree with the rules' result.")
        if (
            self.result is not None
            and category == self.result.category
            and subtype == self.result.subtype
        ):
            self.add_error(
                "override_subtype",
                "This is the rules' own result: choose to confirm it instead.",
            )
        return data


# Imagery viewing and device searches -----------------------------------------------------


class ImageryForm(CheckedText, forms.Form):
    viewed = forms.ChoiceField(
        label="Was the imagery viewed by anyone at school?",
        choices=[("no", "No (the default: staff should not view it)"), ("yes", "Yes")],
        initial="no",
        widget=radios(),
    )


# What a viewing log's safeguards are worked out from (``ImageryViewing.safeguards``).
VIEWING_CHECKS = (
    "ground",
    "viewer_is_dsl_or_delegated",
    "headteacher_consulted",
    "others_present",
    "second_staff_present",
    "on_school_premises",
    "same_sex_as_pictured",
    "subsequent_actions",
    "signed_by_viewer",
    "no_significant_distress",
)


class ViewingForm(RecordItemForm):
    class Meta:
        model = ImageryViewing
        fields = [
            "ground",
            "viewed_at",
            "viewed_by",
            "viewer_is_dsl_or_delegated",
            "headteacher_consulted",
            "others_present",
            "second_staff_present",
            "location",
            "on_school_premises",
            "same_sex_as_pictured",
            "reason",
            "subsequent_actions",
            "signed_by_viewer",
            "no_significant_distress",
            "safeguards_explanation",
            "how_it_came_about",
            "device_action",
            "not_copied_or_shared",
        ]
        labels = {
            "ground": "On which ground was it viewed?",
            "reason": "Why it had to be viewed",
        }
        widgets = {
            "ground": radios(),
            "viewed_at": DateTimeInput,
            "reason": forms.Textarea(attrs={"rows": 2}),
            "subsequent_actions": forms.Textarea(attrs={"rows": 2}),
            "safeguards_explanation": forms.Textarea(attrs={"rows": 2}),
            "how_it_came_about": forms.Textarea(attrs={"rows": 2}),
            "device_action": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _no_blank(self, "ground")
        # Why it was viewed is asked of a deliberate viewing; an unavoidable one says how it
        # came about instead (checked in ``clean``).
        self.fields["reason"].required = False
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "ground",
            "viewed_at",
            "viewed_by",
            "location",
            Fieldset(
                "A deliberate viewing (the first two grounds): the safeguards",
                HTML(
                    '<p class="form-text">Tick each safeguard that was kept. One that was not '
                    "is shown on the record as not kept, with your reason: it does not stop "
                    "the record being signed.</p>"
                ),
                "reason",
                "viewer_is_dsl_or_delegated",
                "headteacher_consulted",
                "second_staff_present",
                "others_present",
                "on_school_premises",
                "same_sex_as_pictured",
                "signed_by_viewer",
                "no_significant_distress",
                "safeguards_explanation",
            ),
            Fieldset(
                "An unavoidable viewing (the third ground): what happened",
                HTML(
                    '<p class="form-text">A young person showed it, or it was found on a school '
                    "device or network. The member of staff who saw it is offered support.</p>"
                ),
                "how_it_came_about",
                "device_action",
                "not_copied_or_shared",
            ),
            "subsequent_actions",
        )
        # The formset's own fields (the row's id, "remove") come after the layout.
        self.helper.render_unmentioned_fields = True

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        check_past(self, "viewed_at", "The time of viewing")
        if self.incident is not None:
            check_not_before(
                self,
                "viewed_at",
                self.incident.incident_date,
                "The imagery cannot have been viewed before the incident.",
            )
        ground = data.get("ground")
        if not ground:
            return data
        log = ImageryViewing(**{name: data.get(name) for name in VIEWING_CHECKS})
        if not log.is_deliberate:
            # Wolverhampton, Viewing the imagery: unavoidable viewing "either following a
            # disclosure from a young person or as a result of a member of staff undertaking
            # their daily role": record what happened, not the deliberate-viewing checklist.
            if not (data.get("how_it_came_about") or "").strip():
                self.add_error(
                    "how_it_came_about",
                    "Say how the viewing came about: who showed it, or where it was found.",
                )
            if not (data.get("device_action") or "").strip():
                self.add_error(
                    "device_action",
                    "Say what was done with the device (for example switched off and locked "
                    "away), or that no device was kept.",
                )
            if not data.get("not_copied_or_shared"):
                self.add_error(
                    "not_copied_or_shared",
                    "Confirm the imagery was not copied, printed or shared: doing so is an "
                    "offence. If it was, record what happened and tell the police.",
                )
        else:
            if not (data.get("reason") or "").strip():
                self.add_error("reason", "Say why the imagery had to be viewed.")
        if log.missing_safeguards() and not (data.get("safeguards_explanation") or "").strip():
            self.add_error(
                "safeguards_explanation",
                "Say why these safeguards could not be kept: "
                + "; ".join(log.missing_safeguards())
                + ". The record will show them as not kept, with your reason.",
            )
        return data


# The conditions of a device search (Evergreen policy, Step 2), as the model names them.
SEARCH_SAFEGUARDS = (
    "searcher_authorised",
    "safeguarding_member_present",
    "same_sex",
    "dsl_and_senior_told_before",
)


class DeviceSearchForm(RecordItemForm):
    class Meta:
        model = DeviceSearch
        fields = [
            "young_person",
            "device_description",
            "ownership",
            "reason_to_believe",
            "searched_at",
            "searched_by",
            "searcher_authorised",
            "safeguarding_member_present",
            "same_sex",
            "dsl_and_senior_told_before",
            "likely_to_distress",
            "distress_justification",
            "confiscated",
            "switched_off",
            "locked_away",
            "handed_to_police_at",
            "police_officer",
            "safeguards_explanation",
        ]
        labels = {"young_person": "Whose device (the young person)"}
        widgets = {
            "ownership": radios(),
            "reason_to_believe": forms.Textarea(attrs={"rows": 2}),
            "distress_justification": forms.Textarea(attrs={"rows": 2}),
            "searched_at": DateTimeInput,
            "handed_to_police_at": DateTimeInput,
            "safeguards_explanation": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _no_blank(self, "ownership")
        people = self.incident.young_people.all() if self.incident else YoungPerson.objects.none()
        cast("forms.ModelChoiceField[YoungPerson]", self.fields["young_person"]).queryset = people

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        check_past(self, "searched_at", "The time of the search")
        check_past(self, "handed_to_police_at", "The hand-over to the police")
        if self.incident is not None:
            check_not_before(
                self,
                "searched_at",
                self.incident.incident_date,
                "The search cannot be before the incident.",
            )
        check_not_before(
            self,
            "handed_to_police_at",
            data.get("searched_at"),
            "The device cannot have been handed to the police before it was searched.",
        )
        if (
            data.get("likely_to_distress")
            and not (data.get("distress_justification") or "").strip()
        ):
            self.add_error(
                "distress_justification",
                "Evergreen policy: never search a device if it will cause the child additional "
                "stress, unless there is clear evidence of an immediate problem. Write that "
                "evidence here.",
            )
        if data.get("handed_to_police_at") and not (data.get("police_officer") or "").strip():
            self.add_error("police_officer", "Name the officer the device was handed to.")
        if (data.get("police_officer") or "").strip() and not data.get("handed_to_police_at"):
            self.add_error(
                "handed_to_police_at", "Give when the device was handed to this officer."
            )
        search = DeviceSearch(
            **{k: v for k, v in data.items() if k in SEARCH_SAFEGUARDS and v is not None}
        )
        gaps = search.missing_safeguards()
        if gaps and not (data.get("safeguards_explanation") or "").strip():
            self.add_error(
                "safeguards_explanation",
                "Say why these conditions of the Evergreen policy could not be met: "
                + "; ".join(gaps)
                + ". The record will show them as not met, with your reason.",
            )
        return data


# Decision and referrals ----------------------------------------------------------------------


class ReferralForm(RecordItemForm):
    class Meta:
        model = Referral
        fields = ["agency", "made_at", "made_by", "contact_name", "reference_number", "outcome"]
        widgets = {"made_at": DateTimeInput, "outcome": forms.Textarea(attrs={"rows": 2})}

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        check_past(self, "made_at", "The referral")
        if self.incident is not None:
            check_not_before(
                self,
                "made_at",
                self.incident.disclosed_at,
                "The referral cannot be before the school knew of the incident (disclosed "
                f"{date_text(self.incident.disclosed_at)}).",
            )
        return data


class AdviceForm(RecordItemForm):
    """Advice sought from an agency: what was asked, of whom, and what the school did."""

    class Meta:
        model = AdviceSought
        fields = ["agency", "sought_at", "sought_by", "spoke_to", "advice", "school_response"]
        widgets = {
            "agency": radios(),
            "sought_at": DateTimeInput,
            "advice": forms.Textarea(attrs={"rows": 2}),
            "school_response": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _no_blank(self, "agency")

    def clean(self) -> dict[str, Any]:
        super().clean()
        check_past(self, "sought_at", "When the advice was sought")
        if self.incident is not None:
            check_not_before(
                self,
                "sought_at",
                self.incident.disclosed_at,
                "Advice cannot have been sought before the school knew of the incident "
                f"(disclosed {date_text(self.incident.disclosed_at)}).",
            )
        return self.cleaned_data


class DecisionForm(RecordItemForm):
    """The DSL's decision, with a box of written reasons for each requirement of the policy
    that a referral should meet (``requirements``: what ``incidents.requirements.of`` says)."""

    class Meta:
        model = Decision
        fields = ["outcome", "decided_at", "reasons"]
        labels = {
            "outcome": "Your decision",
            "reasons": "Your reasons for the decision, in your own words",
        }
        widgets = {
            "outcome": radios(),
            "decided_at": DateTimeInput,
            "reasons": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, requirements: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _no_blank(self, "outcome")
        saved = self.instance.unmet_reasons or {}
        for requirement in requirements.asking_reasons if requirements is not None else ():
            name = reason_field(requirement.code)
            self.fields[name] = forms.CharField(
                label=f"{requirement.what} ({requirement.level_words}): if no referral above "
                "meets it, why not?",
                help_text=f"Why the policy asks it: {requirement.why}.",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.initial.setdefault(name, saved.get(requirement.code, ""))

    def unmet_reasons(self) -> dict[str, str]:
        """The reasons written, by requirement code (only those with words in them)."""
        prefix = reason_field("")
        return {
            name.removeprefix(prefix): str(value).strip()
            for name, value in self.cleaned_data.items()
            if name.startswith(prefix) and str(value or "").strip()
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        check_past(self, "decided_at", "The decision")
        if self.incident is not None:
            check_not_before(
                self,
                "decided_at",
                self.incident.disclosed_at,
                "The decision cannot be before the disclosure "
                f"({date_text(self.incident.disclosed_at)}).",
            )
        if not (data.get("reasons") or "").strip():
            self.add_error("reasons", "Write your reasons for the decision.")
        return data


def reason_field(code: str) -> str:
    """The decision form's field for the reasons of one requirement."""
    return f"reason_{code}"


# Parents and carers ------------------------------------------------------------------------


class ParentContactForm(RecordItemForm):
    informed = forms.TypedChoiceField(
        label="Have the parents or carers been informed?",
        choices=[("yes", "Yes"), ("no", "No: informing them would put the child at risk")],
        coerce=lambda v: v == "yes",
        widget=radios(),
        error_messages={"required": "Say whether the parents or carers have been informed."},
    )

    class Meta:
        model = ParentContact
        fields = [
            "informed",
            "parent_name",
            "informed_at",
            "informed_by",
            "method",
            "reason_not_informed",
            "decided_with",
        ]
        widgets = {
            "informed_at": DateTimeInput,
            "reason_not_informed": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["informed"] = "yes" if self.instance.informed else "no"

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        informed = data.get("informed")
        reason = (data.get("reason_not_informed") or "").strip()
        if informed is True:
            if not (data.get("parent_name") or "").strip():
                self.add_error("parent_name", "Name the parent or carer who was informed.")
            if not data.get("informed_at"):
                self.add_error("informed_at", "Give when they were informed.")
            if not (data.get("informed_by") or "").strip():
                self.add_error("informed_by", "Say who informed them.")
            if not data.get("method"):
                self.add_error("method", "Say how they were informed.")
            if reason or data.get("decided_with"):
                self.add_error(
                    "reason_not_informed",
                    "You answered that they were informed: clear the reason for not informing.",
                )
        elif informed is False:
            if not reason:
                self.add_error(
                    "reason_not_informed",
                    "Write why informing them would put the child at risk.",
                )
            if not data.get("decided_with"):
                self.add_error("decided_with", "Say with whom the decision not to inform was made.")
            if (data.get("parent_name") or "").strip() or data.get("informed_at"):
                self.add_error(
                    "parent_name",
                    "You answered that they were not informed: clear who and when.",
                )
        check_past(self, "informed_at", "The time they were informed")
        return data


# Deletion, support and containment -----------------------------------------------------


class DeletionRequestForm(RecordItemForm):
    class Meta:
        model = DeletionRequest
        fields = [
            "young_person",
            "asked_on",
            "asked_by",
            "deadline",
            "told_possession_illegal",
            "parents_told",
            "confirmed_on",
            "confirmation_note",
        ]
        labels = {"young_person": "Young person asked to delete the imagery"}
        widgets = {
            "asked_on": DateInput,
            "deadline": DateInput,
            "confirmed_on": DateInput,
            "confirmation_note": forms.Textarea(attrs={"rows": 1}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = self.incident.young_people.all() if self.incident else YoungPerson.objects.none()
        cast("forms.ModelChoiceField[YoungPerson]", self.fields["young_person"]).queryset = people

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        check_past(self, "asked_on", "The day they were asked")
        check_past(self, "confirmed_on", "The confirmation")
        if "asked_on" not in self.errors:
            check_not_before(
                self,
                "deadline",
                data.get("asked_on"),
                "The deadline cannot be before the day they were asked.",
            )
            check_not_before(
                self,
                "confirmed_on",
                data.get("asked_on"),
                "Deletion cannot be confirmed before they were asked.",
            )
        return data


class ActionForm(RecordItemForm):
    class Meta:
        model = Action
        fields = ["kind", "description", "owner", "due_date", "done_on"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 1}),
            "due_date": DateInput,
            "done_on": DateInput,
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        check_past(self, "done_on", "The day it was done")
        if self.incident is not None:
            check_not_before(
                self,
                "due_date",
                self.incident.incident_date,
                "The due date is before the incident.",
            )
            check_not_before(
                self,
                "done_on",
                self.incident.incident_date,
                "It cannot be done before the incident.",
            )
        return data


class ReviewForm(RecordItemForm):
    class Meta:
        model = Review
        fields = ["reviewed_on", "outcome", "lessons", "policies_to_update"]
        widgets = {
            "reviewed_on": DateInput,
            "outcome": forms.Textarea(attrs={"rows": 3}),
            "lessons": forms.Textarea(attrs={"rows": 3}),
            "policies_to_update": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        check_past(self, "reviewed_on", "The review")
        if self.incident is not None:
            check_not_before(
                self,
                "reviewed_on",
                self.incident.disclosed_at,
                "The review cannot be before the disclosure.",
            )
        return data


# 2026: interviews, containment, online reports, inter-agency work --------------------------


class _PersonChoice(RecordItemForm):
    """A form whose ``young_person`` is one of its incident's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = self.incident.young_people.all() if self.incident else YoungPerson.objects.none()
        cast("forms.ModelChoiceField[YoungPerson]", self.fields["young_person"]).queryset = people

    def check_when(self, name: str, what: str) -> None:
        check_past(self, name, what)
        if self.incident is not None:
            check_not_before(
                self,
                name,
                self.incident.disclosed_at,
                f"{what} cannot be before the school knew of the incident (disclosed "
                f"{date_text(self.incident.disclosed_at)}).",
            )


class InterviewForm(_PersonChoice):
    class Meta:
        model = Interview
        fields = ["young_person", "held_at", "spoke_with", "who", "established", "seen_or_shared"]
        labels = {"young_person": "The young person spoken with"}
        widgets = {
            "held_at": DateTimeInput,
            "who": radios(),
            "established": forms.Textarea(attrs={"rows": 2}),
            "seen_or_shared": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _no_blank(self, "who")

    def clean(self) -> dict[str, Any]:
        super().clean()
        self.check_when("held_at", "The conversation")
        return self.cleaned_data


class ContainmentForm(RecordItemForm):
    class Meta:
        model = Containment
        fields = [
            "cp_member_on_hand",
            "cp_member",
            "students_told",
            "students_told_on",
            "colleagues_briefed",
        ]
        widgets = {
            "students_told_on": DateInput,
            "colleagues_briefed": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("cp_member_on_hand") and not (data.get("cp_member") or "").strip():
            self.add_error("cp_member", "Name the member of the child protection team.")
        if data.get("students_told") and not data.get("students_told_on"):
            self.add_error("students_told_on", "Say when the students were told.")
        if data.get("students_told_on") and not data.get("students_told"):
            self.add_error(
                "students_told", "Tick this if the students were told, or clear the date."
            )
        check_past(self, "students_told_on", "The day students were told")
        return data


class OnlineReportForm(_PersonChoice):
    class Meta:
        model = OnlineReport
        fields = [
            "service",
            "young_person",
            "platform",
            "made_at",
            "supported_by",
            "reference",
            "outcome",
            "outcome_note",
        ]
        labels = {"service": "Reported through", "young_person": "The young person supported"}
        widgets = {
            "service": radios(),
            "outcome": radios(),
            "made_at": DateTimeInput,
            "outcome_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _no_blank(self, "service", "outcome")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        self.check_when("made_at", "The report")
        person = data.get("young_person")
        service = data.get("service")
        if person is not None and person.date_of_birth is not None and service:
            # Report Remove is for under-18s; StopNCII for a person pictured now 18 or over
            # (checked where the date of birth is known).
            age_now = age_on(person.date_of_birth, timezone.localdate())
            if service == OnlineReportService.STOPNCII and age_now < 18:
                self.add_error(
                    "service",
                    f"StopNCII is for people 18 or over; {person.name} is under 18: use Report "
                    "Remove or Take It Down.",
                )
            if service == OnlineReportService.REPORT_REMOVE and age_now >= 18:
                self.add_error(
                    "service",
                    f"Report Remove is for under-18s; {person.name} is now 18 or over: use "
                    "StopNCII.",
                )
        if service == OnlineReportService.PLATFORM and not (data.get("platform") or "").strip():
            self.add_error("platform", "Name the platform the report was made to.")
        return data


class AgencyMeetingForm(RecordItemForm):
    class Meta:
        model = AgencyMeeting
        fields = ["kind", "held_on", "attendees", "school_attended", "contribution"]
        widgets = {
            "kind": radios(),
            "held_on": DateInput,
            "attendees": forms.Textarea(attrs={"rows": 2}),
            "contribution": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _no_blank(self, "kind")

    def clean(self) -> dict[str, Any]:
        super().clean()
        check_past(self, "held_on", "The meeting")
        if self.incident is not None:
            check_not_before(
                self,
                "held_on",
                self.incident.incident_date,
                "The meeting cannot be before the incident.",
            )
        return self.cleaned_data


class InformationSharedForm(RecordItemForm):
    class Meta:
        model = InformationShared
        fields = ["shared_with", "what", "shared_at", "basis"]
        widgets = {
            "shared_at": DateTimeInput,
            "what": forms.Textarea(attrs={"rows": 2}),
            "basis": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        check_past(self, "shared_at", "When it was shared")
        if self.incident is not None:
            check_not_before(
                self,
                "shared_at",
                self.incident.disclosed_at,
                "Information cannot have been shared before the school knew of the incident.",
            )
        return self.cleaned_data


class ItemFormSet(forms.BaseModelFormSet[Any, Any]):
    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this entry from the record"


def item_formset(
    form: type[RecordItemForm], *, extra: int = 1
) -> type[forms.BaseModelFormSet[Any, Any]]:
    """A formset of a step's items: one blank form to add, and a box to remove each saved one."""
    return forms.modelformset_factory(
        form._meta.model,
        form=form,
        formset=ItemFormSet,
        extra=extra,
        can_delete=True,
        can_delete_extra=False,
    )


YoungPersonFormSet = item_formset(YoungPersonForm)
AdultFormSet = item_formset(AdultForm)
ViewingFormSet = item_formset(ViewingForm)
DeviceSearchFormSet = item_formset(DeviceSearchForm)
ReferralFormSet = item_formset(ReferralForm)
AdviceFormSet = item_formset(AdviceForm)
DeletionFormSet = item_formset(DeletionRequestForm)
ActionFormSet = item_formset(ActionForm)
InterviewFormSet = item_formset(InterviewForm)
OnlineReportFormSet = item_formset(OnlineReportForm)
AgencyMeetingFormSet = item_formset(AgencyMeetingForm)
InformationSharedFormSet = item_formset(InformationSharedForm)
