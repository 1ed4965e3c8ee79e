"""The rest of the record: review, risk, result, viewing, devices, decisions, follow-up.

Each model is one section of the record (docs/policy.md); names follow the policies so a
reader with the policy in one hand can find each clause.
"""

from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.expressions import Combinable
from django.utils import timezone

from incidents.models.choices import (
    ActionKind,
    AdviceAgency,
    Agency,
    AnswerChoice,
    ContactMethod,
    DecisionOutcome,
    DeviceOwnership,
    ImageryOrigin,
    InterviewWith,
    MeetingKind,
    NotInformedDecidedWith,
    OnlineReportOutcome,
    OnlineReportService,
    RiskRating,
    ViewingGround,
)
from incidents.models.incident import Incident, RecordEntry, YoungPerson
from incidents.models.locking import AppendOnlyHistoricalRecords, section_locked
from incidents.models.schools import School
from incidents.rules import FACT_QUESTIONS


def answer_field(verbose_name: str) -> "models.CharField[str | int | Combinable, str]":
    return models.CharField(
        verbose_name, max_length=10, choices=AnswerChoice.choices, default=AnswerChoice.UNKNOWN
    )


def answers_valid(model: str, fields: list[str]) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(**{f"{name}__in": AnswerChoice.values}), name=f"{model}_{name}_valid"
        )
        for name in fields
    ]


# The facts asked at the initial review meeting; each maps to ``rules.Facts``.
# ``known_to_social_care`` comes from the young people, ``high_risk_assessment`` from the risk
# assessment's overall rating, and the ages from dates of birth: each is held in one place.
FACT_FIELDS = [name for name, _question in FACT_QUESTIONS]


class InitialReview(RecordEntry):
    """Wolverhampton "Initial review meeting": date, attendees and the facts."""

    incident = models.OneToOneField(
        Incident, on_delete=models.PROTECT, related_name="initial_review"
    )
    meeting_date = models.DateField()
    # Asked from December 2026, so that no decision can appear to come before the review that
    # led to it; a meeting recorded before then is known to the day only.
    meeting_time = models.TimeField(
        "Time of the meeting", null=True, blank=True, help_text="When the meeting began."
    )
    attendees = models.TextField(help_text="Names and roles of those at the meeting.")
    adult_involved = answer_field("Is an adult (18 or over) involved?")
    coerced = answer_field("Was a young person coerced, pressured, blackmailed or groomed?")
    capacity_concern = answer_field("Is there concern about a young person's capacity to consent?")
    intent_to_harm = answer_field("Was there intent to harm (conflict, threats, humiliation)?")
    shared_without_consent = answer_field(
        "Was imagery taken or sent without the pictured person's knowing, willing participation?"
    )
    romantic_relationship = answer_field("Are the young people in an ongoing relationship?")
    attention_seeking = answer_field("Was it sent to draw sexual attention?")
    sent_to_others = answer_field("Was the imagery sent or shown to anyone at all?")
    unusual_or_violent_content = answer_field(
        "Does what is known suggest acts unusual for the developmental stage, or violence?"
    )
    immediate_risk_of_harm = answer_field("Is a young person at immediate risk of harm?")
    depicts_sexual_acts = answer_field("Does what is known of the imagery show sexual acts?")
    # 2026: sexual extortion and how the imagery came about (docs/policy.md#sexual-extortion).
    financial_extortion = answer_field(
        "Was money, gift cards or more imagery demanded under threat of sharing it?"
    )
    imagery_origin = models.CharField(
        "How the imagery came about",
        max_length=20,
        choices=ImageryOrigin.choices,
        default=ImageryOrigin.UNKNOWN,
        db_default=ImageryOrigin.UNKNOWN,
        help_text="Asked once: made or altered with AI or editing tools answers whether the "
        "imagery is AI-generated.",
    )
    extortion_demand = models.TextField(
        "What was demanded",
        blank=True,
        default="",
        db_default="",
        help_text="Money, gift cards, more images.",
    )
    extortion_paid = models.CharField(
        "Was anything paid or sent?",
        max_length=10,
        choices=AnswerChoice.choices,
        default=AnswerChoice.UNKNOWN,
        db_default=AnswerChoice.UNKNOWN,
    )
    extortion_contact = models.CharField(
        "How contact was made (platform or service)",
        max_length=300,
        blank=True,
        default="",
        db_default="",
    )
    told_not_to_pay = models.BooleanField(
        "The young person was told not to pay and to stop contact", default=False, db_default=False
    )
    told_to_keep_messages = models.BooleanField(
        "The young person was told to keep the messages, not delete them (evidence)",
        default=False,
        db_default=False,
    )
    accounts_reported = models.BooleanField(
        "The offender's accounts were reported", default=False, db_default=False
    )
    further_information = models.TextField("What further information is needed", blank=True)
    other_settings_to_contact = models.TextField(
        "Other schools, settings or individuals to contact", blank=True
    )

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]
        constraints = [
            *answers_valid("initial_review", FACT_FIELDS),
            models.CheckConstraint(
                condition=Q(imagery_origin__in=ImageryOrigin.values),
                name="initial_review_imagery_origin_valid",
            ),
            models.CheckConstraint(
                condition=Q(extortion_paid__in=AnswerChoice.values),
                name="initial_review_extortion_paid_valid",
            ),
        ]

    @property
    def meeting_at(self) -> datetime | None:
        """When the meeting began, where its time was recorded."""
        if self.meeting_time is None:
            return None
        return timezone.make_aware(datetime.combine(self.meeting_date, self.meeting_time))

    @property
    def ai_generated(self) -> str:
        """The ``ai_generated`` fact, derived from how the imagery came about (never asked)."""
        return ai_generated_answer(self.imagery_origin)

    def extortion_advice(self) -> list[tuple[str, bool]]:
        """The National Crime Agency's advice (April 2024), and whether this record shows it
        given: do not pay, keep the evidence, report the accounts."""
        return [
            ("told not to pay and to stop contact", self.told_not_to_pay),
            ("told to keep the messages, not delete them", self.told_to_keep_messages),
            ("the accounts reported", self.accounts_reported),
        ]


def ai_generated_answer(origin: str) -> str:
    """The ``ai_generated`` answer for an ``ImageryOrigin`` value."""
    if origin == ImageryOrigin.MADE_OR_ALTERED:
        return AnswerChoice.YES
    if origin in (
        ImageryOrigin.TAKEN_BY_CHILD,
        ImageryOrigin.TAKEN_BY_OTHER,
        ImageryOrigin.LIVE_NO_RECORDING,
    ):
        return AnswerChoice.NO
    return AnswerChoice.UNKNOWN


# Wolverhampton "Assessing the risks": the ten questions, in the guidance's order.
RISK_FIELDS = [
    "why_shared",
    "coerced",
    "who_shared",
    "where_shared",
    "knowledge_of_pictured",
    "adults_involved",
    "impact",
    "vulnerabilities",
    "understands_consent",
    "previous_activity",
]


# The questions a yes / no / not known answers (SPEC §3.4: a choice where the question allows);
# the others need words. Their answers are stored as ``AnswerChoice`` values in the same text
# columns: an answer written before December 2026 is free text and is shown as written.
RISK_CHOICE_FIELDS = (
    "coerced",
    "knowledge_of_pictured",
    "adults_involved",
    "vulnerabilities",
    "understands_consent",
    "previous_activity",
)


class RiskAssessment(RecordEntry):
    """The ten questions, each with an answer and a note, and an overall rating."""

    incident = models.OneToOneField(
        Incident, on_delete=models.PROTECT, related_name="risk_assessment"
    )
    why_shared = models.TextField(blank=True)
    why_shared_note = models.TextField(blank=True)
    coerced = models.TextField(blank=True)
    coerced_note = models.TextField(blank=True)
    who_shared = models.TextField(blank=True)
    who_shared_note = models.TextField(blank=True)
    where_shared = models.TextField(blank=True)
    where_shared_note = models.TextField(blank=True)
    knowledge_of_pictured = models.TextField(blank=True)
    knowledge_of_pictured_note = models.TextField(blank=True)
    adults_involved = models.TextField(blank=True)
    adults_involved_note = models.TextField(blank=True)
    impact = models.TextField(blank=True)
    impact_note = models.TextField(blank=True)
    vulnerabilities = models.TextField(blank=True)
    vulnerabilities_note = models.TextField(blank=True)
    understands_consent = models.TextField(blank=True)
    understands_consent_note = models.TextField(blank=True)
    previous_activity = models.TextField(blank=True)
    previous_activity_note = models.TextField(blank=True)
    rating = models.CharField("Overall risk", max_length=10, choices=RiskRating.choices)

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__in=RiskRating.values), name="risk_rating_valid"
            )
        ]


class AssessmentResult(models.Model):
    """One run of ``incidents.rules.assess`` over the record's facts, kept for ever.

    A new row is written whenever the facts change, so a decision can point at the exact result
    it was made against. Rows are never edited; the DSL's confirmation or override is
    written on the row it concerns.
    """

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="assessment_results"
    )
    computed_at = models.DateTimeField(default=timezone.now)
    policy = models.CharField(max_length=40)
    policy_version = models.CharField(max_length=20)
    facts = models.JSONField(help_text="The facts the rules were given, as stored.")
    category = models.CharField(max_length=20)
    subtype = models.CharField(max_length=30)
    mash_referral = models.BooleanField()
    mash_criteria = models.JSONField(default=list)
    police = models.CharField(max_length=20)
    social_care_contact = models.BooleanField()
    seek_advice = models.BooleanField()
    reasons = models.JSONField(default=list)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by_name = models.CharField(max_length=300, blank=True, default="")
    overridden = models.BooleanField(default=False)
    override_category = models.CharField(max_length=20, blank=True)
    override_subtype = models.CharField(max_length=30, blank=True)
    override_reason = models.TextField(blank=True)

    class Meta:
        triggers = [section_locked()]
        ordering = ["-computed_at", "-pk"]
        get_latest_by = ["computed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=["aggravated", "experimental"]),
                name="assessment_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(police__in=["required", "advised", "discretionary"]),
                name="assessment_police_valid",
            ),
            # An override without a written reason is not an override the policy allows.
            models.CheckConstraint(
                condition=Q(overridden=False) | ~Q(override_reason=""),
                name="assessment_override_has_reason",
            ),
        ]


class ImageryViewing(RecordEntry):
    """Wolverhampton "Viewing the imagery": recorded only with one of the three grounds."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="viewings")
    ground = models.CharField(max_length=30, choices=ViewingGround.choices)
    viewed_at = models.DateTimeField()
    viewed_by = models.CharField("Who viewed (name and role)", max_length=200)
    viewer_is_dsl_or_delegated = models.BooleanField(
        "The viewer is the DSL, or a safeguarding team member with the headteacher's delegated "
        "authority",
        default=False,
    )
    headteacher_consulted = models.BooleanField(
        "The decision to view was discussed with the headteacher", default=False
    )
    others_present = models.CharField("Who else was present", max_length=300, blank=True)
    second_staff_present = models.BooleanField(
        "Another member of staff was present in the room", default=False
    )
    location = models.CharField("Where it was viewed", max_length=200)
    on_school_premises = models.BooleanField("On school premises", default=False)
    same_sex_as_pictured = models.BooleanField(
        "The viewer is the same sex as the young person pictured", default=False
    )
    reason = models.TextField("Why the imagery was viewed")
    subsequent_actions = models.TextField("What followed", blank=True)
    signed_by_viewer = models.BooleanField(
        "The viewer confirms this log is accurate (signed and dated)", default=False
    )
    safeguards_explanation = models.TextField(
        "Why a safeguard could not be kept",
        blank=True,
        db_default="",
        help_text="Needed when any safeguard above is not ticked.",
    )
    # An unavoidable viewing (ground 3) records what happened instead of the checklist.
    how_it_came_about = models.TextField(
        "How it came about",
        blank=True,
        db_default="",
        help_text="Who showed it, or where it was found.",
    )
    device_action = models.TextField("What was done with the device", blank=True, db_default="")
    not_copied_or_shared = models.BooleanField(
        "The imagery was not copied, printed or shared", default=False, db_default=False
    )
    # Wolverhampton, Viewing the imagery: "Imagery will never be viewed if the act of viewing
    # will cause significant distress or harm to the pupil" (2026).
    no_significant_distress = models.BooleanField(
        "Before viewing, the DSL judged that viewing would not cause the young person "
        "significant distress or harm",
        default=False,
        db_default=False,
    )

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]
        ordering = ["viewed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ground__in=ViewingGround.values), name="viewing_ground_valid"
            )
        ]

    @property
    def is_deliberate(self) -> bool:
        """Grounds 1 and 2 are decisions to view; ground 3 is a viewing that could not be
        avoided (Wolverhampton, Viewing the imagery)."""
        return self.ground != ViewingGround.UNAVOIDABLE

    def safeguards(self) -> list[tuple[str, bool]]:
        """Each safeguard of a deliberate viewing, and whether this log shows it kept.

        None for an unavoidable viewing: the deliberate-viewing checklist does not apply to it.
        """
        if not self.is_deliberate:
            return []
        return [
            (
                "viewed by the DSL or a safeguarding team member with the headteacher's "
                "delegated authority",
                self.viewer_is_dsl_or_delegated,
            ),
            ("the headteacher consulted beforehand", self.headteacher_consulted),
            ("a second member of staff present", self.second_staff_present),
            ("on school premises", self.on_school_premises),
            ("viewed by someone of the same sex as the young person", self.same_sex_as_pictured),
            ("who else was present named", bool(self.others_present.strip())),
            ("what followed recorded", bool(self.subsequent_actions.strip())),
            ("signed and dated by the viewer", self.signed_by_viewer),
            (
                "judged beforehand not to cause the young person significant distress or harm",
                self.no_significant_distress,
            ),
        ]

    def missing_safeguards(self) -> list[str]:
        """The safeguards of a deliberate viewing this log does not show (flagged, never a bar
        to signing a true record: docs/policy.md#viewing-the-imagery)."""
        return [name for name, kept in self.safeguards() if not kept]


class DeviceSearch(RecordEntry):
    """Evergreen Steps 2–3: searching and confiscating a device."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="device_searches")
    young_person = models.ForeignKey(
        YoungPerson, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    device_description = models.CharField("Device", max_length=200)
    ownership = models.CharField(max_length=10, choices=DeviceOwnership.choices)
    reason_to_believe = models.TextField(
        "Reason to believe it holds indecent images or extreme pornography"
    )
    searched_at = models.DateTimeField()
    searched_by = models.CharField("Who searched (name and role)", max_length=200)
    searcher_authorised = models.BooleanField(
        "The searcher is the headteacher or a person they authorised", default=False
    )
    safeguarding_member_present = models.BooleanField(
        "A member of the safeguarding team was present", default=False
    )
    same_sex = models.BooleanField(
        "The searcher is the same sex as the young person", default=False
    )
    dsl_and_senior_told_before = models.BooleanField(
        "The DSL and senior staff were told before the search", default=False
    )
    likely_to_distress = models.BooleanField(
        "The search was likely to cause the child additional stress", default=False
    )
    distress_justification = models.TextField(
        "Clear evidence of an immediate problem that justified searching", blank=True
    )
    confiscated = models.BooleanField(default=False)
    switched_off = models.BooleanField(default=False)
    locked_away = models.BooleanField(default=False)
    handed_to_police_at = models.DateTimeField(null=True, blank=True)
    police_officer = models.CharField(max_length=200, blank=True)
    safeguards_explanation = models.TextField(
        "Why a safeguard could not be kept",
        blank=True,
        db_default="",
        help_text="Needed when any safeguard above is not ticked.",
    )

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]
        ordering = ["searched_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ownership__in=DeviceOwnership.values), name="device_ownership_valid"
            ),
            # Evergreen: never search if it will distress the child UNLESS there is clear
            # evidence of an immediate problem — so the justification must be written.
            models.CheckConstraint(
                condition=Q(likely_to_distress=False) | ~Q(distress_justification=""),
                name="device_distress_justified",
            ),
            models.CheckConstraint(
                condition=Q(handed_to_police_at__isnull=True) | ~Q(police_officer=""),
                name="device_police_officer_named",
            ),
        ]

    def safeguards(self) -> list[tuple[str, bool]]:
        """Each condition of the Evergreen policy (Step 2) for searching a device, and whether
        this log shows it kept."""
        return [
            ("searched by the headteacher or a person they authorised", self.searcher_authorised),
            ("a member of the safeguarding team present", self.safeguarding_member_present),
            ("searched by someone of the same sex as the young person", self.same_sex),
            ("the DSL and senior staff told before the search", self.dsl_and_senior_told_before),
        ]

    def missing_safeguards(self) -> list[str]:
        """Flagged on the record, never a bar to signing it."""
        return [name for name, kept in self.safeguards() if not kept]


class Decision(RecordEntry):
    """The DSL's decision, against the rules' result it was made on."""

    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="decision")
    # The incident's school, kept on the row by the service that writes it
    # (``services.records``): the dashboard and the queues filter on it, never reading another
    # school's rows (docs/architecture.md#performance).
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", editable=False)
    assessment = models.ForeignKey(
        AssessmentResult, on_delete=models.PROTECT, related_name="decisions"
    )
    outcome = models.CharField(max_length=20, choices=DecisionOutcome.choices)
    decided_at = models.DateTimeField()
    reasons = models.TextField(
        "Reasons for the decision",
        blank=True,
        help_text="Every decision states its reasons; what is not referred has its own below.",
    )
    headteacher_signoff_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    headteacher_signoff_at = models.DateTimeField(null=True, blank=True)
    # Who signed off and in which role, as they were then: the headteacher, or the second
    # signatory where the headteacher is the incident's DSL.
    headteacher_signoff_name = models.CharField(max_length=300, blank=True, default="")
    headteacher_signoff_role = models.CharField(max_length=20, blank=True, default="")
    # The DSL's written reasons for each requirement of the policy not met by a referral, by
    # requirement code (``incidents.requirements``).
    unmet_reasons = models.JSONField(default=dict, db_default={}, blank=True)
    # Whether the headteacher must sign the decision off, as ``requirements.of`` worked it out
    # when the decision or the facts under it were last saved: the dashboard and the
    # headteacher's queue find the waiting decisions by it without loading every record.
    signoff_required = models.BooleanField(default=False, db_default=False)

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]
        # Decisions waiting for the headteacher's sign-off: few at any time, found without
        # reading every decision ever made (dashboard, headteacher's queue).
        indexes = [
            models.Index(
                fields=["incident", "decided_at"],
                condition=Q(signoff_required=True, headteacher_signoff_by__isnull=True),
                name="decision_awaiting_signoff",
            ),
            models.Index(
                fields=["school", "decided_at"],
                condition=Q(signoff_required=True, headteacher_signoff_by__isnull=True),
                name="decision_school_signoff",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=DecisionOutcome.values), name="decision_outcome_valid"
            ),
            # Wolverhampton "Recording incidents": a decision not to refer records its reason.
            models.CheckConstraint(
                condition=~Q(outcome=DecisionOutcome.HANDLED_IN_SCHOOL) | ~Q(reasons=""),
                name="decision_non_referral_has_reasons",
            ),
            models.CheckConstraint(
                condition=Q(headteacher_signoff_by__isnull=True)
                | Q(headteacher_signoff_at__isnull=False),
                name="decision_signoff_dated",
            ),
        ]


class Referral(RecordEntry):
    """A referral or report to another agency, with when, who and the reference given."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="referrals")
    agency = models.CharField(max_length=20, choices=Agency.choices)
    made_at = models.DateTimeField()
    made_by = models.CharField("Made by (name and role)", max_length=200)
    contact_name = models.CharField("Who it was made to", max_length=200, blank=True)
    reference_number = models.CharField(max_length=100, blank=True)
    outcome = models.TextField("Outcome and follow-up", blank=True)

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]
        ordering = ["made_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__in=Agency.values), name="referral_agency_valid"
            )
        ]


class AdviceSought(RecordEntry):
    """Advice the school sought from an agency: not a referral, and never counted as one.

    Wolverhampton, Initial review meeting: "If we have any doubts about whether to involve other
    agencies, establishments should liaise with the MASH to seek further advice"; Evergreen,
    Case study 1: the police and children's social care consulted, the incident handled in school.
    """

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="advice")
    agency = models.CharField("Asked", max_length=20, choices=AdviceAgency.choices)
    sought_at = models.DateTimeField("When")
    sought_by = models.CharField("Who asked (name and role)", max_length=200)
    spoke_to = models.CharField("Who gave the advice (name and role)", max_length=200)
    advice = models.TextField("What was advised")
    school_response = models.TextField("What the school did with the advice")

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]
        ordering = ["sought_at", "pk"]
        verbose_name_plural = "advice sought"
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__in=AdviceAgency.values), name="advice_agency_valid"
            )
        ]


class ParentContact(RecordEntry):
    """Informing parents or carers, or the recorded reason not to."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="parent_contacts")
    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.PROTECT, related_name="parent_contacts"
    )
    informed = models.BooleanField()
    parent_name = models.CharField("Parent or carer informed", max_length=200, blank=True)
    informed_at = models.DateTimeField(null=True, blank=True)
    informed_by = models.CharField("Informed by", max_length=200, blank=True)
    method = models.CharField(max_length=20, choices=ContactMethod.choices, blank=True)
    reason_not_informed = models.TextField(
        "Why informing them would put the child at risk", blank=True
    )
    decided_with = models.CharField(
        "Decision not to inform made with",
        max_length=10,
        choices=NotInformedDecidedWith.choices,
        blank=True,
    )

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(informed=True, informed_at__isnull=False) & ~Q(parent_name=""))
                | (Q(informed=False) & ~Q(reason_not_informed="") & ~Q(decided_with="")),
                name="parent_contact_informed_or_reason",
            ),
        ]


class DeletionRequest(RecordEntry):
    """Young people asked to delete imagery by a deadline, and their confirmation."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="deletions")
    # The incident's school, kept on the row by the service that writes it
    # (``services.records``): the dashboard and the queues filter on it, never reading another
    # school's rows (docs/architecture.md#performance).
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", editable=False)
    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.PROTECT, related_name="deletion_requests"
    )
    asked_on = models.DateField()
    asked_by = models.CharField(max_length=200)
    deadline = models.DateField()
    told_possession_illegal = models.BooleanField(
        "Told that possessing the imagery is illegal", default=False
    )
    parents_told = models.BooleanField("Parents or carers told", default=False)
    confirmed_on = models.DateField("Deletion confirmed on", null=True, blank=True)
    confirmation_note = models.TextField(blank=True)

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]
        # Unconfirmed deletions only: the overdue flags never read the confirmed history.
        indexes = [
            models.Index(
                fields=["incident", "deadline"],
                condition=Q(confirmed_on__isnull=True),
                name="deletion_unconfirmed",
            ),
            models.Index(
                fields=["school", "deadline"],
                condition=Q(confirmed_on__isnull=True),
                name="deletion_school_unconfirmed",
            ),
        ]
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=F("asked_on")), name="deletion_deadline_after_asked"
            ),
            models.CheckConstraint(
                condition=Q(confirmed_on__isnull=True) | Q(confirmed_on__gte=F("asked_on")),
                name="deletion_confirmed_after_asked",
            ),
        ]

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.confirmed_on is None and self.deadline < today


class Action(RecordEntry):
    """A support or containment action with an owner and a due date."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="actions")
    # The incident's school, kept on the row by the service that writes it
    # (``services.records``): the dashboard and the queues filter on it, never reading another
    # school's rows (docs/architecture.md#performance).
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", editable=False)
    kind = models.CharField(max_length=20, choices=ActionKind.choices)
    description = models.TextField()
    owner = models.CharField(max_length=200)
    due_date = models.DateField()
    done_on = models.DateField(null=True, blank=True)

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]
        # Open actions only: the overdue flags never read the finished history.
        indexes = [
            models.Index(
                fields=["incident", "due_date"],
                condition=Q(done_on__isnull=True),
                name="action_open",
            ),
            models.Index(
                fields=["school", "due_date"],
                condition=Q(done_on__isnull=True),
                name="action_school_open",
            ),
        ]
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ActionKind.values), name="action_kind_valid"
            )
        ]

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.done_on is None and self.due_date < today


class Review(RecordEntry):
    """Policy Step 8: reviewing outcomes and procedures."""

    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="review")
    reviewed_on = models.DateField()
    outcome = models.TextField("How the incident was resolved")
    lessons = models.TextField("What the school learned", blank=True)
    policies_to_update = models.TextField("Policies to update", blank=True)

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]


# 2026: what the policies ask that was not recorded (docs/policy.md#interviews, ...). ---------


class Interview(RecordEntry):
    """Wolverhampton, Interviewing and talking to the young person: when, who spoke with them,
    what was established without looking at the imagery, and who has seen or shared it."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="interviews")
    young_person = models.ForeignKey(
        YoungPerson, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    held_at = models.DateTimeField("When")
    spoke_with = models.CharField("Who spoke with them (name and role)", max_length=200)
    who = models.CharField(
        "Who that was", max_length=20, choices=InterviewWith.choices, default=InterviewWith.DSL
    )
    established = models.TextField(
        "What was established, without looking at the imagery",
        help_text="What the image contains and whether anyone else was involved, as told.",
    )
    seen_or_shared = models.TextField(
        "Who has seen or shared it, and how further sharing can be stopped", blank=True
    )

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]
        ordering = ["held_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(who__in=InterviewWith.values), name="interview_who_valid"
            )
        ]


class Containment(RecordEntry):
    """Evergreen Steps 1, 3 and 7: a child protection team member on hand, students told not to
    view, send, share or save the imagery, colleagues briefed to act if it continues."""

    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="containment")
    cp_member_on_hand = models.BooleanField(
        "A member of the child protection team was on hand", default=False
    )
    cp_member = models.CharField("Who (name and role)", max_length=200, blank=True)
    students_told = models.BooleanField(
        "Students were told not to view, send, share or save the imagery", default=False
    )
    students_told_on = models.DateField("When they were told", null=True, blank=True)
    colleagues_briefed = models.TextField(
        "Colleagues briefed to act if it continues (names and roles)", blank=True
    )

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]

    def gaps(self) -> list[str]:
        """What Evergreen Steps 1, 3 and 7 ask that this record does not show."""
        found = []
        if not self.cp_member_on_hand:
            found.append("a member of the child protection team on hand")
        if not self.students_told:
            found.append("students told not to view, send, share or save the imagery")
        if not self.colleagues_briefed.strip():
            found.append("colleagues briefed to act if it continues")
        return found


class OnlineReport(RecordEntry):
    """A report for removal made with or for a young person (Wolverhampton, Reporting youth
    produced sexual imagery online): the service, who supported them, when, the outcome."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="online_reports")
    young_person = models.ForeignKey(
        YoungPerson, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service = models.CharField(max_length=20, choices=OnlineReportService.choices)
    platform = models.CharField(
        "Platform or service reported to", max_length=200, blank=True, help_text="If it names one."
    )
    made_at = models.DateTimeField("When")
    supported_by = models.CharField(
        "Who supported the young person (name and role)", max_length=200
    )
    reference = models.CharField("Reference given", max_length=100, blank=True)
    outcome = models.CharField(
        max_length=20, choices=OnlineReportOutcome.choices, default=OnlineReportOutcome.SUBMITTED
    )
    outcome_note = models.TextField("Outcome and follow-up", blank=True)

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]
        ordering = ["made_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service__in=OnlineReportService.values),
                name="online_report_service_valid",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=OnlineReportOutcome.values),
                name="online_report_outcome_valid",
            ),
        ]


class AgencyMeeting(RecordEntry):
    """An inter-agency meeting (Wolverhampton, Recording incidents: "attendance at or
    contribution to inter-agency meetings and conferences")."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField("Meeting", max_length=20, choices=MeetingKind.choices)
    held_on = models.DateField("Date")
    attendees = models.TextField("Who attended (names, roles, agencies)")
    school_attended = models.BooleanField("The school attended", default=True)
    contribution = models.TextField("What the school contributed")

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]
        ordering = ["held_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=MeetingKind.values), name="agency_meeting_kind_valid"
            )
        ]


class InformationShared(RecordEntry):
    """Information shared with another agency or setting (Wolverhampton, Recording incidents:
    "effective partnership working and sharing of information")."""

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="information_shared"
    )
    shared_with = models.CharField("With whom (name, role, agency)", max_length=200)
    what = models.TextField("What was shared")
    shared_at = models.DateTimeField("When")
    basis = models.TextField(
        "On what basis", help_text="For example consent, or to safeguard a child without consent."
    )

    history = AppendOnlyHistoricalRecords()

    class Meta:
        triggers = [section_locked()]
        ordering = ["shared_at", "pk"]
        verbose_name_plural = "information shared"
