"""The disclosure: reported by any member of staff, completed by the DSL."""

from datetime import date
from typing import Any, cast

from django import forms
from django.utils import timezone

from incidents.display import date_text
from incidents.forms.common import (
    CheckedText,
    Choices,
    DateInput,
    DateTimeInput,
    Ticks,
    check_not_before,
    check_past,
    day_of,
    radios,
)
from incidents.models import (
    Disclosure,
    ImageryLocation,
    Incident,
    User,
    join_locations,
    split_locations,
)

# Policy Step 1, in the order a member of staff is told it.
CONCERN_FIELDS = [
    "disclosed_by",
    "disclosed_by_name",
    "disclosed_to",
    "child_action",
    "account",
    "image_kind",
    "imagery_location",
    "other_young_people",
    "needs_immediate_support",
    "immediate_support_notes",
]
# What the DSL adds when completing the disclosure in the wizard.
DSL_EXTRA_FIELDS = ["imagery_description", "how_widely_shared", "platforms"]


# "Not known" and "seen live, no known recording" each say there is no place to name.
_ALONE = (ImageryLocation.NOT_KNOWN, ImageryLocation.LIVE_NO_RECORDING)


class DisclosureForm(CheckedText, forms.ModelForm[Disclosure]):
    """The disclosure with the two dates of the incident it opens."""

    imagery_location = forms.MultipleChoiceField(
        label="Where is the imagery now?",
        help_text="Choose every place it is known to be, for example a phone and a group chat.",
        choices=ImageryLocation.choices,
        widget=Ticks,
        error_messages={
            "required": "Choose where the imagery is now, or “Not known”.",
            "invalid_choice": "Choose from the places listed.",
        },
    )

    incident_date = forms.DateField(
        label="When the imagery was made or shared",
        help_text="As far as is known. If only roughly known, give your best estimate.",
        widget=DateInput,
    )
    disclosed_at = forms.DateTimeField(
        label="When the concern was disclosed",
        help_text="Date and time you were told, or the monitoring system alerted.",
        widget=DateTimeInput,
    )

    class Meta:
        model = Disclosure
        fields = CONCERN_FIELDS[:6] + DSL_EXTRA_FIELDS + CONCERN_FIELDS[6:]
        widgets = {
            "disclosed_by": radios(),
            "child_action": radios(),
            "image_kind": radios(),
            "imagery_location": radios(),
            "needs_immediate_support": radios(),
            "account": forms.Textarea(attrs={"rows": 5}),
            "imagery_description": forms.Textarea(attrs={"rows": 3}),
            "how_widely_shared": forms.Textarea(attrs={"rows": 2}),
            "other_young_people": forms.Textarea(attrs={"rows": 2}),
            "immediate_support_notes": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"disclosed_by": "Who disclosed, or how did the concern come to light?"}
        help_texts = {
            "other_young_people": "Names or descriptions, if known.",
            "account": "In the words used, as soon as possible after the disclosure. "
            "Do not ask leading questions.",
        }

    def __init__(self, *args: Any, incident: Incident | None = None, **kwargs: Any) -> None:
        self.incident = incident
        if incident is not None:
            kwargs.setdefault("initial", {}).update(
                incident_date=incident.incident_date, disclosed_at=incident.disclosed_at
            )
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["imagery_location"] = split_locations(self.instance.imagery_location)
        for name in ("disclosed_by", "child_action", "image_kind"):
            # A radio list with a blank "---------" choice reads as an answer; drop it.
            field = cast(forms.ChoiceField, self.fields[name])
            field.choices = [c for c in cast(Choices, field.choices) if c[0]]
        support = cast(forms.ChoiceField, self.fields["needs_immediate_support"])
        support.choices = [c for c in cast(Choices, support.choices) if c[0]]

    def clean_imagery_location(self) -> str:
        places = list(self.cleaned_data.get("imagery_location") or [])
        for alone in _ALONE:
            if alone in places and len(places) > 1:
                raise forms.ValidationError(
                    f"“{alone.label}” cannot be chosen with a place: choose it alone, or only "
                    "the places."
                )
        return join_locations(places)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        check_past(self, "incident_date", "The incident date")
        check_past(self, "disclosed_at", "The disclosure")
        if "incident_date" not in self.errors:
            check_not_before(
                self,
                "disclosed_at",
                data.get("incident_date"),
                "The disclosure cannot be before the incident: check both dates.",
            )
        incident_date = data.get("incident_date")
        if self.incident is not None and incident_date and "incident_date" not in self.errors:
            self._check_ages(self.incident, incident_date)
        if (
            data.get("needs_immediate_support") == "yes"
            and not (data.get("immediate_support_notes") or "").strip()
        ):
            self.add_error(
                "immediate_support_notes",
                "Say what support or protection was given, since the child needs it now.",
            )
        return data

    def _check_ages(self, incident: Incident, incident_date: date) -> None:
        """Moving the incident date must not make a recorded young person unborn or adult."""
        for person in incident.young_people.all():
            if person.date_of_birth is None:
                continue
            if person.date_of_birth > incident_date:
                self.add_error(
                    "incident_date",
                    f"{person.name} was born on {date_text(person.date_of_birth)}, after this "
                    "date: check the incident date or their date of birth.",
                )
            elif person.age_at(incident_date) > 17:
                self.add_error(
                    "incident_date",
                    f"{person.name} would be {person.age_at(incident_date)} on this date, an "
                    "adult: check the incident date or their date of birth.",
                )


class ConcernForm(DisclosureForm):
    """The short form any member of staff fills in to report a concern."""

    class Meta(DisclosureForm.Meta):
        fields = CONCERN_FIELDS
        labels = {
            **DisclosureForm.Meta.labels,
            "account": "What the child (or the person disclosing) said",
            "disclosed_to": "Who was told (your name and role, or a colleague's)",
        }

    def __init__(self, *args: Any, reporter: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if reporter is not None and not self.is_bound:
            self.initial.setdefault("disclosed_to", reporter.get_full_name() or reporter.username)
            # Most concerns are written straight after being told: start from now.
            self.initial.setdefault(
                "disclosed_at", timezone.localtime().replace(second=0, microsecond=0)
            )


__all__ = ["CONCERN_FIELDS", "ConcernForm", "DisclosureForm", "day_of"]
