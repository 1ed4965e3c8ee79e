"""Choice lists shared by the models and the forms; wording follows the two policies."""

from django.db import models


class AnswerChoice(models.TextChoices):
    """Yes / no / not known, as ``incidents.rules.Answer`` stores them."""

    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Not known"


class Role(models.TextChoices):
    """Roles are held per school (the trust lead per trust): docs/policy.md#who-does-what."""

    STAFF = "staff", "Staff"
    DEPUTY_DSL = "deputy_dsl", "Deputy DSL"
    DSL = "dsl", "Designated Safeguarding Lead"
    HEADTEACHER = "headteacher", "Headteacher"
    TRUST_LEAD = "trust_lead", "Trust safeguarding lead"
    # Signs off a non-referral decision and approves a record where the school's headteacher
    # is the incident's DSL, and does nothing else (docs/policy.md#who-does-what).
    SECOND_SIGNATORY = (
        "second_signatory",
        "Second signatory (deputy headteacher or chair of governors)",
    )


class Status(models.TextChoices):
    REPORTED = "reported", "Reported"
    UNDER_REVIEW = "under_review", "Under review"
    AWAITING_APPROVAL = "awaiting_approval", "Signed, awaiting headteacher approval"
    APPROVED = "approved", "Approved and locked"


class Phase(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"
    ALL_THROUGH = "all_through", "All-through"
    SPECIAL = "special", "Special"


class DisclosedBy(models.TextChoices):
    CHILD = "child", "The child themselves"
    FRIEND = "friend", "A friend or another young person"
    PARENT = "parent", "A parent or carer"
    STAFF = "staff", "A member of staff"
    MONITORING = "monitoring", "A monitoring or filtering system"
    POLICE = "police", "The police"
    OTHER = "other", "Someone else"


class ChildAction(models.TextChoices):
    """Evergreen Step 1: is the child disclosing receiving, sending or sharing an image?"""

    RECEIVING = "receiving", "Receiving an image"
    SENDING = "sending", "Sending an image"
    SHARING = "sharing", "Sharing an image"
    # The child pictured, telling of someone else passing their image on (Evergreen Step 1:
    # "if they don't know who has shared it, seen it or where it has ended up").
    SHARED_BY_OTHER = "shared_by_other", "An image of them was shared by someone else"
    NOT_APPLICABLE = "not_applicable", "Not applicable (disclosed by someone else)"


class ImageKind(models.TextChoices):
    """Evergreen Step 1: what sort of image is it? Potentially illegal or inappropriate?"""

    POTENTIALLY_ILLEGAL = "potentially_illegal", "Potentially illegal (indecent)"
    INAPPROPRIATE = "inappropriate", "Inappropriate"
    NOT_KNOWN = "not_known", "Not known"


class ImageryLocation(models.TextChoices):
    """Where the imagery is now: several at once (a phone and a group chat), stored as the
    values joined by commas (``Disclosure.locations``); a record made before held one."""

    DEVICE_IN_POSSESSION = "device_in_possession", "On a device in the child's possession"
    SCHOOL_DEVICE = "school_device", "On a school device or network"
    PERSONAL_DEVICE = "personal_device", "On someone else's personal device"
    ONLINE = "online", "On a website, app or social network"
    # A live webcam or video-call exposure (Evergreen, Appendix 3, Case study 1): nothing is
    # known to have been recorded, so there is nothing to delete, but it is still an incident.
    LIVE_NO_RECORDING = (
        "live_no_recording",
        "Nowhere known: it was seen live (webcam or video call), with no known recording",
    )
    NOT_KNOWN = "not_known", "Not known"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NOT_KNOWN = "not_known", "Not known or not recorded"


class RiskRating(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class ViewingGround(models.TextChoices):
    """Wolverhampton "Viewing the imagery": the only three grounds to view."""

    ONLY_WAY_TO_DECIDE = (
        "only_way_to_decide",
        ("The only way to decide whether to involve other agencies"),
    )
    REPORT_FOR_REMOVAL = (
        "report_for_removal",
        ("Necessary to report it to a website, app or agency to have it taken down"),
    )
    UNAVOIDABLE = (
        "unavoidable",
        (
            "Unavoidable: presented directly by a young person, "
            "or found on a school device or network"
        ),
    )


class DeviceOwnership(models.TextChoices):
    SCHOOL = "school", "School device"
    PERSONAL = "personal", "Personal device"


class Agency(models.TextChoices):
    MASH = "mash", "MASH / children's social care referral"
    SOCIAL_CARE = "social_care", "Children's social care (contact about a known child)"
    POLICE_101 = "police_101", "Police (101)"
    POLICE_999 = "police_999", "Police (999, emergency)"
    CEOP = "ceop", "CEOP report"
    HOSTING_SITE = "hosting_site", "Report to the hosting site or app"


class AdviceAgency(models.TextChoices):
    """Whom a DSL may ask for advice (Wolverhampton, Initial review meeting: "liaise with the
    MASH to seek further advice"; Evergreen, Case study 1). Advice is not a referral."""

    MASH = "mash", "The MASH"
    SOCIAL_CARE = "social_care", "Children's social care"
    POLICE_101 = "police_101", "Police (101)"
    CEOP = "ceop", "CEOP"
    LOCAL_AUTHORITY = (
        "local_authority",
        "The local authority (LADO or education safeguarding team)",
    )


class DecisionOutcome(models.TextChoices):
    REFERRED = "referred", "Referred to other agencies"
    HANDLED_IN_SCHOOL = "handled_in_school", "Handled in school without referral"


class ContactMethod(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Telephone"
    LETTER = "letter", "Letter"
    EMAIL = "email", "E-mail"
    OTHER = "other", "Other"


class NotInformedDecidedWith(models.TextChoices):
    MASH = "mash", "Decided with the MASH"
    POLICE = "police", "Decided with the police"
    SCHOOL = "school", "Decided by the school alone"


class ActionKind(models.TextChoices):
    PASTORAL = "pastoral", "Pastoral support"
    COUNSELLING = "counselling", "Counselling"
    EDUCATION = "education", "Education follow-up"
    SANCTION = "sanction", "Sanction"
    STAFF_SUPPORT = "staff_support", "Support for staff who saw imagery"
    CONTAINMENT = "containment", "Containment"
    OTHER = "other", "Other"


class SignatureKind(models.TextChoices):
    SIGNED = "signed", "Signed by the DSL"
    APPROVED = "approved", "Approved by the headteacher"
    SENT_BACK = "sent_back", "Sent back by the headteacher"
    NON_REFERRAL_SIGNOFF = "non_referral_signoff", "Non-referral decision signed off"
    ADDENDUM = "addendum", "Addendum signed"


class ImageryOrigin(models.TextChoices):
    """How the imagery came about: one answer, from which ``rules.Facts.ai_generated`` comes
    (UK Council for Internet Safety, Sharing nudes and semi-nudes, updated March 2024)."""

    TAKEN_BY_CHILD = "taken_by_child", "Taken by the child pictured"
    TAKEN_BY_OTHER = "taken_by_other", "Taken by someone else"
    MADE_OR_ALTERED = "made_or_altered", "Made or altered with AI or editing tools"
    # Evergreen, Appendix 3, Case study 1: a child "accidentally 'flashed' on webcam".
    LIVE_NO_RECORDING = (
        "live_no_recording",
        "Shown live on a webcam or video call, with no known recording",
    )
    UNKNOWN = "unknown", "Not known"


class OnlineReportService(models.TextChoices):
    """Where imagery is reported for removal (Wolverhampton, Reporting youth produced sexual
    imagery online; UK Council for Internet Safety, 2024; National Crime Agency alert, 2024)."""

    REPORT_REMOVE = "report_remove", "Report Remove (Childline and the IWF, under-18s)"
    TAKE_IT_DOWN = "take_it_down", "Take It Down (NCMEC, hash-based)"
    PLATFORM = "platform", "The platform's own report"
    CEOP = "ceop", "CEOP report"
    STOPNCII = "stopncii", "StopNCII (the person pictured is now 18 or over)"


class OnlineReportOutcome(models.TextChoices):
    SUBMITTED = "submitted", "Submitted, awaiting an answer"
    REMOVED = "removed", "Removed or blocked"
    NOT_REMOVED = "not_removed", "Not removed"
    NOT_KNOWN = "not_known", "Not known"


class InterviewWith(models.TextChoices):
    """Wolverhampton, Interviewing and talking to the young person: the DSL if possible, or a
    teacher the young person is more comfortable with."""

    DSL = "dsl", "The DSL"
    PREFERRED = "preferred", "An adult the young person preferred"
    OTHER = "other", "Another member of staff"


class MeetingKind(models.TextChoices):
    STRATEGY = "strategy", "Strategy meeting"
    CP_CONFERENCE = "cp_conference", "Child protection conference"
    TEAM_AROUND_FAMILY = "team_around_family", "Team around the family"
    OTHER = "other", "Other inter-agency meeting"
