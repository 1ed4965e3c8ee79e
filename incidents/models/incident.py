"""The incident, the disclosure that opened it, and the people involved."""

from datetime import date
from typing import cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from incidents.models.choices import (
    AnswerChoice,
    ChildAction,
    DisclosedBy,
    ImageKind,
    ImageryLocation,
    Sex,
    Status,
)
from incidents.models.locking import (
    AppendOnlyHistoricalRecords,
    incident_locked,
    section_locked,
)
from incidents.models.pupils import Pupil
from incidents.models.schools import School


class Incident(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="incidents")
    reference = models.CharField(max_length=20, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(editable=False)
    sequence = models.PositiveIntegerField(editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REPORTED)
    incident_date = models.DateField(
        help_text="When the imagery was made or shared, as far as is known."
    )
    disclosed_at = models.DateTimeField(help_text="When the concern was first disclosed.")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reported_incidents"
    )
    # Names as they were when written: renaming an account changes no record (blank on rows
    # written before names were kept; the account's name is shown for those).
    reported_by_name = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking: every saved step raises it; a save against an older version is refused.
    version = models.PositiveIntegerField(default=1)
    # Set only by the database function that destroys the record at the end of its retention
    # (``services.retention.destroy_record``); the row stays, blank of content, as the tombstone.
    destroyed_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [incident_locked()]
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "sequence"], name="incident_sequence_unique_per_school"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="incident_status_valid"
            ),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="incident_sequence_positive"),
        ]
        indexes = [
            models.Index(fields=["school", "status", "-created_at"], name="incident_school_stage"),
            # The incident list, newest first: one page read from the index, not a sort of the
            # school's whole history (bench/README.md).
            models.Index(fields=["school", "-created_at", "-id"], name="incident_school_newest"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_locked(self) -> bool:
        return self.status == Status.APPROVED

    @property
    def is_destroyed(self) -> bool:
        return self.destroyed_at is not None


class RecordEntry(models.Model):
    """An item of the record: timestamped and attributed to whoever wrote it."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_by_name = models.CharField(max_length=300, blank=True, default="")
    updated_by_name = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        abstract = True


# One or more locations joined by commas, each one of ``ImageryLocation``.
_LOCATION = "(" + "|".join(ImageryLocation.values) + ")"
LOCATIONS_PATTERN = f"^{_LOCATION}(,{_LOCATION})*$"


def split_locations(stored: str) -> list[str]:
    """The values of a stored ``imagery_location``, in ``ImageryLocation``'s order."""
    given = {value for value in stored.split(",") if value}
    return [value for value in ImageryLocation.values if value in given]


def join_locations(values: list[str]) -> str:
    return ",".join(value for value in ImageryLocation.values if value in set(values))


class Disclosure(RecordEntry):
    """Policy Step 1: who disclosed, to whom, when, how, and what is known of the imagery."""

    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="disclosure")
    disclosed_by = models.CharField(max_length=20, choices=DisclosedBy.choices)
    disclosed_by_name = models.CharField(
        "Name of the person who disclosed", max_length=200, blank=True
    )
    disclosed_to = models.CharField("Disclosed to (name and role)", max_length=200)
    child_action = models.CharField(
        "Is the child disclosing receiving, sending or sharing an image?",
        max_length=20,
        choices=ChildAction.choices,
    )
    account = models.TextField(
        "What was said",
        help_text="In the words used, as soon as possible after the disclosure.",
    )
    image_kind = models.CharField(
        "What sort of image is it described to be?", max_length=30, choices=ImageKind.choices
    )
    imagery_description = models.TextField(
        "What the imagery is described to show",
        blank=True,
        help_text="Only what you have been told. Never view, copy or store the imagery itself.",
    )
    how_widely_shared = models.TextField("How widely it has been shared", blank=True)
    platforms = models.CharField(
        "Services or platforms used", max_length=300, blank=True, help_text="May be unknown."
    )
    # One or more ``ImageryLocation`` values joined by commas (a phone and a group chat); a
    # record made before several were allowed holds one, which reads the same way.
    imagery_location = models.CharField("Where the imagery is now", max_length=200)
    other_young_people = models.TextField("Other young people involved", blank=True)
    needs_immediate_support = models.CharField(
        "Does the child need immediate support or protection?",
        max_length=10,
        choices=AnswerChoice.choices,
    )
    immediate_support_notes = models.TextField("Support or protection given", blank=True)
    # When the safeguarding team last saved the disclosure in the wizard: until then it is the
    # reporter's account, not yet checked and completed by the DSL.
    checked_at = models.DateTimeField(null=True, blank=True)

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]
        constraints = [
            models.CheckConstraint(
                condition=Q(disclosed_by__in=DisclosedBy.values), name="disclosure_by_valid"
            ),
            models.CheckConstraint(
                condition=Q(child_action__in=ChildAction.values),
                name="disclosure_child_action_valid",
            ),
            models.CheckConstraint(
                condition=Q(image_kind__in=ImageKind.values), name="disclosure_image_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(imagery_location__regex=LOCATIONS_PATTERN),
                name="disclosure_locations_valid",
            ),
            models.CheckConstraint(
                condition=Q(needs_immediate_support__in=AnswerChoice.values),
                name="disclosure_support_valid",
            ),
        ]

    @property
    def locations(self) -> list[str]:
        """Where the imagery is now: the ``ImageryLocation`` values, in the list's order."""
        return split_locations(self.imagery_location)

    @property
    def location_labels(self) -> list[str]:
        """Each place in words."""
        labels = dict(ImageryLocation.choices)
        return [str(labels.get(value, value)) for value in self.locations]

    def get_imagery_location_display(self) -> str:
        """Each place in words, joined by semicolons (one place reads as before)."""
        return "; ".join(self.location_labels)


def age_on(date_of_birth: date, on: date) -> int:
    """Whole years between a date of birth and a day."""
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - before_birthday


class YoungPerson(RecordEntry):
    """A young person (under 18) involved. The age is derived at the incident date."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="young_people")
    # Set when the young person was picked from the school's roll: the same child across
    # incidents. Typed by hand (another school's pupil), it stays empty.
    pupil = models.ForeignKey(
        Pupil, null=True, blank=True, on_delete=models.PROTECT, related_name="young_people"
    )
    name = models.CharField(max_length=200)
    date_of_birth = models.DateField(null=True, blank=True)
    age_if_no_date_of_birth = models.PositiveSmallIntegerField(
        "Age at the incident, if the date of birth is not known", null=True, blank=True
    )
    year_group = models.CharField(max_length=20, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices)
    vulnerability = models.TextField("Special educational needs or other vulnerability", blank=True)
    is_pictured = models.BooleanField("Pictured in the imagery", default=False)
    is_sender = models.BooleanField("Sent the imagery", default=False)
    is_recipient = models.BooleanField("Received the imagery", default=False)
    is_sharer = models.BooleanField("Shared it on", default=False)
    known_to_social_care = models.CharField(
        "Known to children's social care, now or in the past",
        max_length=10,
        choices=AnswerChoice.choices,
    )

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=False) | Q(age_if_no_date_of_birth__isnull=False),
                name="young_person_has_dob_or_age",
            ),
            models.CheckConstraint(
                condition=Q(age_if_no_date_of_birth__isnull=True)
                | Q(age_if_no_date_of_birth__lte=17),
                name="young_person_age_under_18",
            ),
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="young_person_sex_valid"),
            models.CheckConstraint(
                condition=Q(known_to_social_care__in=AnswerChoice.values),
                name="young_person_social_care_valid",
            ),
            # A pupil from the roll is in a record once.
            models.UniqueConstraint(
                fields=["incident", "pupil"],
                condition=Q(pupil__isnull=False),
                name="young_person_pupil_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def age_at(self, on: date) -> int:
        if self.date_of_birth is not None:
            return age_on(self.date_of_birth, on)
        # The check constraint young_person_has_dob_or_age: without a date of birth, an age.
        return cast(int, self.age_if_no_date_of_birth)

    @property
    def age(self) -> int:
        """Age at the incident date: the rules take ages at the incident, not today."""
        return self.age_at(self.incident.incident_date)

    @property
    def roles(self) -> list[str]:
        flags = [
            (self.is_pictured, "pictured"),
            (self.is_sender, "sender"),
            (self.is_recipient, "recipient"),
            (self.is_sharer, "sharer"),
        ]
        return [label for flag, label in flags if flag]


class Adult(RecordEntry):
    """An adult (18 or over) involved, and their relationship to the child."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="adults")
    # A pupil of 18 or over at the incident date, picked from the roll, is recorded here.
    pupil = models.ForeignKey(
        Pupil, null=True, blank=True, on_delete=models.PROTECT, related_name="as_adult"
    )
    name = models.CharField(max_length=200, help_text="Or a description if not known.")
    relationship = models.CharField("Relationship to the child", max_length=200)
    involvement = models.TextField(
        "How they are involved",
        help_text="Created, solicited, received or shared the imagery, or knew of it.",
    )

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name


__all__ = [
    "LOCATIONS_PATTERN",
    "Adult",
    "Disclosure",
    "Incident",
    "RecordEntry",
    "YoungPerson",
    "age_on",
    "join_locations",
    "split_locations",
]
