"""The school's roll, its term dates, and the child's file moving with the child.

A ``Pupil`` comes from the school's management information system (``import_pupils``): the
same child is linked across incidents through it. ``Term`` and ``ClosureDay`` are the school's
own calendar, from which a transfer's deadline is counted in school days. A ``Transfer`` is the
child protection file sent to a new school; when that school is on this deployment it receives
a ``ReceivedFile``, a redacted snapshot it owns (never a live view of the sender's records).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from incidents.models.locking import append_only
from incidents.models.schools import School

# The DfE's Unique Pupil Number: a check letter, then twelve characters.
UPN_LENGTH = 13


class Pupil(models.Model):
    """A child on (or once on) a school's roll, as the MIS exported them.

    Cells are stored exactly as given: a value beginning ``=``, ``+``, ``-`` or ``@`` is text
    and is escaped wherever it leaves the product as a spreadsheet (``display.cell``).
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils")
    upn = models.CharField("UPN", max_length=UPN_LENGTH)
    legal_surname = models.CharField(max_length=100)
    legal_forename = models.CharField(max_length=100)
    preferred_forename = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=20, blank=True)
    year_group = models.CharField(max_length=20, blank=True)
    sen_status = models.CharField("SEN status", max_length=40, blank=True)
    on_roll = models.BooleanField(default=True)
    # The day an import first found the pupil missing from the roll.
    left_roll_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["legal_surname", "legal_forename", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "upn"], name="pupil_upn_unique_per_school"),
            models.CheckConstraint(
                condition=Q(on_roll=True, left_roll_on__isnull=True)
                | Q(on_roll=False, left_roll_on__isnull=False),
                name="pupil_left_roll_dated",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "legal_surname"], name="pupil_school_surname"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name the child is known by: preferred forename, else legal, then surname."""
        return f"{self.preferred_forename or self.legal_forename} {self.legal_surname}"


class Term(models.Model):
    """One term of a school's year: its first and last school days (inclusive)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(max_length=60, help_text="For example: Autumn 2026.")
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["school", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="term_ends_after_start"
            ),
            models.UniqueConstraint(fields=["school", "starts_on"], name="term_start_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on} to {self.ends_on})"


class ClosureDay(models.Model):
    """A weekday within a term when the school is closed (training day, bank holiday)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="closure_days")
    date = models.DateField()
    reason = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["school", "date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "date"], name="closure_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.reason}".strip()


class Transfer(models.Model):
    """The child protection file sent to a pupil's new school (KCSIE: within 5 school days,
    separately from the main pupil file, with confirmation of receipt)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="transfers")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="transfers_out")
    destination_name = models.CharField("Destination school", max_length=200)
    # Set when the destination is a school on this deployment: it receives a snapshot.
    destination_school = models.ForeignKey(
        School,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
    )
    place_confirmed_on = models.DateField("The new school confirmed the place on")
    end_of_term = models.BooleanField(default=False)
    due_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_how = models.CharField("How it was sent", max_length=200, blank=True)
    sent_to = models.CharField("To whom", max_length=200, blank=True)
    receipt_confirmed_at = models.DateTimeField(null=True, blank=True)
    # On this deployment: the receiving DSL who confirmed. Otherwise: the sending DSL who
    # recorded the receipt by hand, and ``receipt_note`` says who confirmed it and how.
    receipt_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    receipt_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(receipt_confirmed_at__isnull=True) | Q(sent_at__isnull=False),
                name="transfer_received_after_sent",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "receipt_confirmed_at"], name="transfer_open_out"),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} to {self.destination_name}"

    def is_overdue(self, today: object) -> bool:
        return self.receipt_confirmed_at is None and today > self.due_on  # type: ignore[operator]


class ReceivedFile(models.Model):
    """The receiving school's copy: a redacted snapshot of the file as it stood when sent.

    Owned by the receiving school; it never points at the sender's incidents, so nothing of
    theirs opens from it.
    """

    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, related_name="received")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="received_files")
    from_school_name = models.CharField(max_length=200)
    pupil_name = models.CharField(max_length=200)
    upn = models.CharField("UPN", max_length=UPN_LENGTH)
    date_of_birth = models.DateField()
    # The incidents as they stood: see ``incidents.childfile.snapshot``.
    content = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"File of {self.pupil_name} from {self.from_school_name}"


# Retention (IRMS toolkit for schools: child protection records to date of birth + 25 years,
# then reviewed; a legal hold stops destruction) ------------------------------------------------


class LegalHold(models.Model):
    """An instruction to keep records (a public inquiry's, for example): on a whole school, or
    on one record. While it stands (not lifted), destruction cannot be authorised."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="legal_holds")
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_holds",
        help_text="Leave empty to hold every record of the school.",
    )
    reason = models.TextField()
    placed_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at", "-pk"]

    def __str__(self) -> str:
        return f"Legal hold on {self.incident or self.school}"


class RetentionReview(models.Model):
    """The review of a record past its review date: kept (with a reason and a new review date),
    or its destruction authorised by both the DSL and the headteacher."""

    class Outcome(models.TextChoices):
        KEEP = "keep", "Kept"
        DESTROY = "destroy", "Destruction authorised"

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, related_name="retention_reviews"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.TextField()
    # Kept: when it is reviewed again.
    review_on = models.DateField(null=True, blank=True)
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Destruction: the second of the DSL and the headteacher (``decided_by`` is the first).
    countersigned_at = models.DateTimeField(null=True, blank=True)
    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="keep", review_on__isnull=False)
                | Q(outcome="destroy", review_on__isnull=True),
                name="retention_keep_has_review_date",
            ),
            models.CheckConstraint(
                condition=Q(countersigned_by__isnull=True) | ~Q(countersigned_by=F("decided_by")),
                name="retention_two_people",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.incident_id})"

    @property
    def authorised(self) -> bool:
        return self.outcome == self.Outcome.DESTROY and self.countersigned_at is not None


class Tombstone(models.Model):
    """What stays of a record destroyed at the end of its retention, beside the incident row
    itself (reference, school, incident and disclosure dates): when it was approved, when it
    was destroyed and by whom, and the authorisation (``review``: who proposed, who authorised,
    why). Written only by the database function ``incidents_destroy_record``."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.PROTECT, related_name="tombstone"
    )
    review = models.ForeignKey(RetentionReview, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField()
    destroyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        triggers = [append_only("tombstone_append_only")]

    def __str__(self) -> str:
        return f"Tombstone ({self.incident_id})"


__all__ = [
    "UPN_LENGTH",
    "ClosureDay",
    "LegalHold",
    "Pupil",
    "ReceivedFile",
    "RetentionReview",
    "Term",
    "Tombstone",
    "Transfer",
]
