"""Demo data for a newcomer: one trust, two schools, a person in every role, six incidents.

The incidents are written from the scenarios in the two policies and spread over the typology
and over the stages of the record. Run by `make run`; refuses to run with DEBUG off, so it can
never put invented children into a live deployment.
"""

import sys
from base64 import b32decode
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.models import (
    Action,
    Adult,
    Agency,
    Decision,
    DecisionOutcome,
    DeletionRequest,
    DeviceSearch,
    Disclosure,
    ImageryViewing,
    InitialReview,
    Membership,
    ParentContact,
    Referral,
    Review,
    RiskAssessment,
    Role,
    School,
    Status,
    Trust,
    User,
    YoungPerson,
)
from incidents.record import load
from incidents.requirements import missing_items
from incidents.security import needs_second_factor
from incidents.services import approve_record, open_incident, sign_record
from incidents.services.records import _record_assessment as record_assessment

DEMO_PASSWORD = "safeguarding-demo-2026"
# The second factor of demo accounts: a fixed TOTP secret (base32) that `make run` prints, so a
# newcomer can add it to an authenticator app. Never used outside DEBUG.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"
LONDON = ZoneInfo("Europe/London")
SCHOOL_NAMES = {"oakfield": "Oakfield Academy", "riverside": "Riverside Primary"}

ACCOUNTS = [
    # username, first, last, school slug or None, role, is_staff
    ("oakfield-dsl", "Priya", "Shah", "oakfield", Role.DSL, False),
    ("oakfield-deputy", "Tom", "Byrne", "oakfield", Role.DEPUTY_DSL, False),
    ("oakfield-head", "Helen", "Okafor", "oakfield", Role.HEADTEACHER, False),
    ("oakfield-staff", "Sam", "Reid", "oakfield", Role.STAFF, False),
    ("riverside-dsl", "Gareth", "Lloyd", "riverside", Role.DSL, False),
    ("riverside-head", "Anna", "Kowalski", "riverside", Role.HEADTEACHER, False),
    ("trust-lead", "Maya", "Benson", None, Role.TRUST_LEAD, False),
    ("sysadmin", "Alex", "Admin", None, None, True),
]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


class Command(BaseCommand):
    help = "Load the demo trust, schools, accounts and incidents (development only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DJANGO_DEBUG=true: it invents children.")
        if School.objects.filter(slug="oakfield").exists():
            self.stdout.write("Demo data is already loaded.")
        else:
            with transaction.atomic():
                users = self.create_accounts()
                self.create_incidents(users)
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.print_logins()

    def create_accounts(self) -> dict[str, User]:
        trust = Trust.objects.create(name="Evergreen Learning Trust", slug="evergreen")
        schools = {
            "oakfield": School.objects.create(
                trust=trust,
                name="Oakfield Academy",
                slug="oakfield",
                reference_prefix="OAK",
                phase="secondary",
            ),
            "riverside": School.objects.create(
                trust=trust,
                name="Riverside Primary",
                slug="riverside",
                reference_prefix="RIV",
                phase="primary",
            ),
        }
        users = {}
        for username, first, last, slug, role, is_staff in ACCOUNTS:
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                email=f"{username}@example.org",
                is_staff=is_staff,
                is_superuser=is_staff,
            )
            if role == Role.TRUST_LEAD:
                Membership.objects.create(user=user, trust=trust, role=role)
            elif role:
                Membership.objects.create(user=user, school=schools[slug], role=role)
            users[username] = user
        enrol_demo_second_factor(users)
        self.schools = schools
        return users

    def create_incidents(self, users):
        oak, riv = self.schools["oakfield"], self.schools["riverside"]
        dsl, staff = users["oakfield-dsl"], users["oakfield-staff"]
        today = date.today()
        records = {}

        # 1. Experimental, romantic: a Year 10 couple; handled in school (to be approved).
        d = today - timedelta(days=40)
        i = self.incident(oak, staff, d, at(d + timedelta(days=1), 8, 50))
        self.disclosure(
            i,
            dsl,
            "friend",
            "Tutor, Mr Reid",
            "not_applicable",
            "A friend told the tutor that J and K, who have been going out for months, sent each "
            "other topless pictures. Both say the pictures were only for each other.",
            "inappropriate",
            "Topless selfie of each, sent privately between the two.",
            "Between the two only, as far as is known.",
            "Snapchat",
            "device_in_possession",
            "no",
        )
        j = self.person(
            i,
            dsl,
            "Jordan Ellis",
            date(d.year - 15, 3, 2),
            "Year 10",
            "male",
            pictured=True,
            sender=True,
            recipient=True,
        )
        k = self.person(
            i,
            dsl,
            "Kayla Moss",
            date(d.year - 15, 9, 20),
            "Year 10",
            "female",
            pictured=True,
            sender=True,
            recipient=True,
        )
        self.review(
            i,
            dsl,
            d + timedelta(days=1),
            romantic_relationship="yes",
            sent_to_others="yes",
            adult_involved="no",
            coerced="no",
            capacity_concern="no",
            intent_to_harm="no",
            shared_without_consent="no",
            attention_seeking="no",
            unusual_or_violent_content="no",
            immediate_risk_of_harm="no",
            depicts_sexual_acts="no",
        )
        self.risk(i, dsl, "low")
        result = self.confirm(i, dsl)
        Decision.objects.create(
            incident=i,
            assessment=result,
            outcome=DecisionOutcome.HANDLED_IN_SCHOOL,
            decided_at=at(d + timedelta(days=2), 15),
            reasons="Experimental, romantic: both 15, consensual, not shared beyond the pair, "
            "no adult, no coercion, no vulnerability. Risks can be managed within pastoral "
            "support (Wolverhampton, Initial review meeting; Evergreen Step 2).",
            created_by=dsl,
            updated_by=dsl,
        )
        for person, parent in ((j, "Mrs Ellis"), (k, "Mr Moss")):
            ParentContact.objects.create(
                incident=i,
                young_person=person,
                informed=True,
                parent_name=parent,
                informed_at=at(d + timedelta(days=2), 16),
                informed_by="Priya Shah (DSL)",
                method="phone",
                created_by=dsl,
                updated_by=dsl,
            )
            DeletionRequest.objects.create(
                incident=i,
                young_person=person,
                asked_on=d + timedelta(days=2),
                asked_by="Priya Shah (DSL)",
                deadline=d + timedelta(days=3),
                told_possession_illegal=True,
                parents_told=True,
                confirmed_on=d + timedelta(days=3),
                confirmation_note="Confirmed with parent.",
                created_by=dsl,
                updated_by=dsl,
            )
        self.action(
            i,
            dsl,
            "education",
            "Healthy relationships and consent session with both.",
            "Priya Shah (DSL)",
            d + timedelta(days=10),
            done=d + timedelta(days=9),
        )
        Review.objects.create(
            incident=i,
            reviewed_on=d + timedelta(days=30),
            outcome="Images deleted and confirmed; both pupils supported; no further concern.",
            lessons="Year 10 PSHE to revisit the law on nude images this term.",
            policies_to_update="None.",
            created_by=dsl,
            updated_by=dsl,
        )
        records["approved"] = i

        # 2. Aggravated, youth intent to harm: shared after a break-up to humiliate.
        d = today - timedelta(days=12)
        i = self.incident(oak, staff, d, at(d + timedelta(days=1), 8, 15))
        self.disclosure(
            i,
            dsl,
            "child",
            "Ms Patel, Head of Year 9",
            "receiving",
            "L told her Head of Year that after she ended the relationship, M posted a nude "
            "picture she had sent him into the Year 9 group chat 'so everyone sees'.",
            "potentially_illegal",
            "A nude selfie of L, as she describes it.",
            "A group chat of about 40 pupils.",
            "WhatsApp",
            "personal_device",
            "yes",
        )
        leah = self.person(
            i,
            dsl,
            "Leah Turner",
            date(d.year - 14, 1, 11),
            "Year 9",
            "female",
            pictured=True,
            sender=True,
        )
        m = self.person(
            i,
            dsl,
            "Mason Hughes",
            date(d.year - 14, 6, 30),
            "Year 9",
            "male",
            recipient=True,
            sharer=True,
        )
        self.review(
            i,
            dsl,
            d + timedelta(days=1),
            adult_involved="no",
            coerced="no",
            intent_to_harm="yes",
            shared_without_consent="yes",
            sent_to_others="yes",
            romantic_relationship="no",
            attention_seeking="no",
            capacity_concern="no",
            unusual_or_violent_content="no",
            immediate_risk_of_harm="no",
            depicts_sexual_acts="no",
        )
        self.risk(i, dsl, "high")
        result = self.confirm(i, dsl)
        self.referral(i, dsl, Agency.MASH, at(d + timedelta(days=1), 11), "MASH-2026-4471")
        self.referral(i, dsl, Agency.POLICE_101, at(d + timedelta(days=1), 11, 40), "WM-0193-26")
        Decision.objects.create(
            incident=i,
            assessment=result,
            outcome=DecisionOutcome.REFERRED,
            decided_at=at(d + timedelta(days=1), 11),
            reasons="Aggravated with high risk.",
            created_by=dsl,
            updated_by=dsl,
        )
        DeviceSearch.objects.create(
            incident=i,
            young_person=m,
            device_description="Mason's mobile phone",
            ownership="personal",
            reason_to_believe="Leah says he posted the image from it.",
            searched_at=at(d + timedelta(days=1), 10),
            searched_by="Daniel Price (deputy head), authorised by the headteacher",
            searcher_authorised=True,
            safeguarding_member_present=True,
            same_sex=True,
            dsl_and_senior_told_before=True,
            confiscated=True,
            switched_off=True,
            locked_away=True,
            handed_to_police_at=at(d + timedelta(days=1), 15),
            police_officer="PC 4471 Green",
            created_by=dsl,
            updated_by=dsl,
        )
        self.action(
            i,
            dsl,
            "pastoral",
            "Daily check-in with Leah's Head of Year.",
            "Ms Patel",
            today + timedelta(days=7),
        )
        self.action(
            i,
            dsl,
            "containment",
            "Ask the group chat members to delete the image.",
            "Priya Shah (DSL)",
            today - timedelta(days=2),
        )
        for person, parent in ((leah, "Ms Turner"), (m, "Mr Hughes")):
            ParentContact.objects.create(
                incident=i,
                young_person=person,
                informed=True,
                parent_name=parent,
                informed_at=at(d + timedelta(days=1), 16),
                informed_by="Priya Shah (DSL)",
                method="in_person",
                created_by=dsl,
                updated_by=dsl,
            )
        Review.objects.create(
            incident=i,
            reviewed_on=today - timedelta(days=1),
            outcome="Referred to the MASH and the police; the image was removed from the chat; "
            "Leah is supported daily by her Head of Year.",
            lessons="Year 9 assembly on consent and on the law on sharing images.",
            policies_to_update="Anti-bullying policy: add image-based abuse.",
            created_by=dsl,
            updated_by=dsl,
        )
        records["awaiting"] = i

        # 3. Aggravated, adult involved: online grooming of a 15-year-old.
        d = today - timedelta(days=5)
        i = self.incident(oak, dsl, d, at(d, 17, 30))
        self.disclosure(
            i,
            dsl,
            "parent",
            "Priya Shah (DSL), by phone",
            "sending",
            "N's mother found messages from a man N met on a gaming platform asking for "
            "pictures; N had sent two.",
            "potentially_illegal",
            "Two semi-nude pictures, as N's mother describes them.",
            "To one adult, as far as is known.",
            "Discord",
            "online",
            "yes",
        )
        self.person(
            i,
            dsl,
            "Noah Fraser",
            date(d.year - 15, 12, 1),
            "Year 11",
            "male",
            pictured=True,
            sender=True,
            social_care="no",
        )
        Adult.objects.create(
            incident=i,
            name="Unknown man, online name 'kr4ken'",
            relationship="None: stranger",
            involvement="Solicited and received the images.",
            created_by=dsl,
            updated_by=dsl,
        )
        self.review(
            i,
            dsl,
            d + timedelta(days=1),
            adult_involved="yes",
            coerced="yes",
            sent_to_others="yes",
            immediate_risk_of_harm="unknown",
        )
        self.confirm(i, dsl)
        self.referral(i, dsl, Agency.MASH, at(d + timedelta(days=1), 9), "MASH-2026-4502")
        self.referral(i, dsl, Agency.POLICE_101, at(d + timedelta(days=1), 9, 20), "WM-0217-26")
        self.referral(i, dsl, Agency.CEOP, at(d + timedelta(days=1), 9, 45), "")
        records["under_review_adult"] = i

        # 4. Just reported: a monitoring alert, attention seeking suspected.
        d = today - timedelta(days=1)
        i = self.incident(oak, staff, d, at(today, 8, 5))
        self.disclosure(
            i,
            staff,
            "monitoring",
            "Sam Reid (IT)",
            "not_applicable",
            "The filtering system flagged that a Year 9 pupil sent a picture described as "
            "sexual to a large class group on a school laptop.",
            "not_known",
            "",
            "A class group, size not known.",
            "School e-mail",
            "school_device",
            "unknown",
        )
        records["reported"] = i

        # 5. Riverside: Evergreen case study 1 — a Year 6 webcam incident.
        d = today - timedelta(days=8)
        rdsl = users["riverside-dsl"]
        i = self.incident(riv, rdsl, d, at(d + timedelta(days=1), 9))
        self.disclosure(
            i,
            rdsl,
            "friend",
            "Class teacher, then the headteacher",
            "not_applicable",
            "A girl aged 10 told her class teacher that during a webcam chat the evening before, "
            "another girl had accidentally 'flashed' while getting ready for bed.",
            "inappropriate",
            "An accidental moment of nudity on a live webcam, not recorded as far as is known.",
            "Seen live by a group of four pupils.",
            "Webcam chat",
            "not_known",
            "no",
        )
        self.person(
            i,
            rdsl,
            "Olivia Grant",
            date(d.year - 10, 5, 5),
            "Year 6",
            "female",
            pictured=True,
            vulnerability="Mild learning difficulties (SEN support).",
        )
        self.person(
            i, rdsl, "Ruby Adams", date(d.year - 10, 2, 14), "Year 6", "female", recipient=True
        )
        self.review(
            i,
            rdsl,
            d + timedelta(days=1),
            adult_involved="no",
            coerced="no",
            intent_to_harm="no",
            shared_without_consent="no",
            sent_to_others="yes",
            romantic_relationship="no",
            attention_seeking="no",
            capacity_concern="yes",
            unusual_or_violent_content="no",
            immediate_risk_of_harm="no",
            depicts_sexual_acts="no",
        )
        self.confirm(i, rdsl)
        records["riverside"] = i

        # 6. Aggravated, reckless misuse: found on a school iPad; viewed unavoidably.
        d = today - timedelta(days=3)
        i = self.incident(oak, staff, d, at(d, 13, 10))
        self.disclosure(
            i,
            dsl,
            "monitoring",
            "Sam Reid (IT technician)",
            "not_applicable",
            "The IT technician found a picture of a pupil getting changed after PE on a "
            "shared school iPad, AirDropped from another pupil's phone.",
            "potentially_illegal",
            "A pupil in underwear in the changing room, unaware.",
            "AirDropped to at least one device.",
            "AirDrop",
            "school_device",
            "no",
        )
        self.person(
            i, dsl, "Sophie Clarke", date(d.year - 16, 4, 4), "Year 11", "female", pictured=True
        )
        p = self.person(
            i, dsl, "Tyler Ward", date(d.year - 16, 8, 19), "Year 11", "male", sender=True
        )
        self.review(
            i,
            dsl,
            d + timedelta(days=1),
            adult_involved="no",
            coerced="no",
            intent_to_harm="no",
            shared_without_consent="yes",
            sent_to_others="yes",
        )
        ImageryViewing.objects.create(
            incident=i,
            ground="unavoidable",
            viewed_at=at(d, 13, 0),
            viewed_by="Sam Reid (IT technician)",
            viewer_is_dsl_or_delegated=False,
            headteacher_consulted=False,
            others_present="",
            second_staff_present=False,
            location="IT office",
            on_school_premises=True,
            same_sex_as_pictured=False,
            reason="Found on a school device while resetting it.",
            subsequent_actions="iPad isolated and handed to the DSL.",
            signed_by_viewer=True,
            created_by=dsl,
            updated_by=dsl,
        )
        DeviceSearch.objects.create(
            incident=i,
            young_person=p,
            device_description="School iPad 14 (Year 11 trolley)",
            ownership="school",
            reason_to_believe="The technician saw the image on it.",
            searched_at=at(d, 14),
            searched_by="Priya Shah (DSL), authorised by the head",
            searcher_authorised=True,
            safeguarding_member_present=True,
            same_sex=False,
            dsl_and_senior_told_before=True,
            confiscated=True,
            locked_away=True,
            created_by=dsl,
            updated_by=dsl,
        )
        self.action(
            i,
            dsl,
            "staff_support",
            "Support for the IT technician who saw the image.",
            "Priya Shah (DSL)",
            today + timedelta(days=2),
        )
        record_assessment(i)
        records["under_review_misuse"] = i

        for incident in records.values():
            if incident.status == Status.REPORTED and hasattr(incident, "initial_review"):
                incident.status = Status.UNDER_REVIEW
                incident.save(update_fields=["status"])
        sign_demo_records(records, users)

    # Building blocks ---------------------------------------------------------------------------

    def incident(self, school, reporter, incident_date, disclosed_at):
        return open_incident(
            school=school,
            reported_by=reporter,
            incident_date=incident_date,
            disclosed_at=disclosed_at,
        )

    def disclosure(
        self,
        incident,
        user,
        by,
        to,
        child_action,
        account,
        kind,
        description,
        how_widely,
        platforms,
        location,
        support,
    ):
        return Disclosure.objects.create(
            incident=incident,
            disclosed_by=by,
            disclosed_to=to,
            child_action=child_action,
            account=account,
            image_kind=kind,
            imagery_description=description,
            how_widely_shared=how_widely,
            platforms=platforms,
            imagery_location=location,
            needs_immediate_support=support,
            created_by=user,
            updated_by=user,
        )

    def person(
        self,
        incident,
        user,
        name,
        dob,
        year_group,
        sex,
        *,
        pictured=False,
        sender=False,
        recipient=False,
        sharer=False,
        social_care="no",
        vulnerability="",
    ):
        return YoungPerson.objects.create(
            incident=incident,
            name=name,
            date_of_birth=dob,
            year_group=year_group,
            sex=sex,
            is_pictured=pictured,
            is_sender=sender,
            is_recipient=recipient,
            is_sharer=sharer,
            known_to_social_care=social_care,
            vulnerability=vulnerability,
            created_by=user,
            updated_by=user,
        )

    def review(self, incident, user, day, **facts):
        return InitialReview.objects.create(
            incident=incident,
            meeting_date=day,
            attendees="Priya Shah (DSL), Helen Okafor (headteacher), Head of Year",
            created_by=user,
            updated_by=user,
            **facts,
        )

    def risk(self, incident, user, rating):
        answers = {
            "why_shared": "Described by the young people in their own words.",
            "coerced": "No pressure described.",
            "impact": "Upset, supported by family and school.",
        }
        return RiskAssessment.objects.create(
            incident=incident, rating=rating, created_by=user, updated_by=user, **answers
        )

    def confirm(self, incident, user):
        result = record_assessment(incident)
        result.confirmed_by = user
        result.confirmed_at = incident.disclosed_at + timedelta(days=1)
        result.save(update_fields=["confirmed_by", "confirmed_at"])
        return result

    def referral(self, incident, user, agency, when, reference):
        return Referral.objects.create(
            incident=incident,
            agency=agency,
            made_at=when,
            made_by=user.get_full_name(),
            reference_number=reference,
            created_by=user,
            updated_by=user,
        )

    def action(self, incident, user, kind, description, owner, due, done=None):
        return Action.objects.create(
            incident=incident,
            kind=kind,
            description=description,
            owner=owner,
            due_date=due,
            done_on=done,
            created_by=user,
            updated_by=user,
        )

    def print_logins(self):
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for every account: {DEMO_PASSWORD})")
        for username, first, last, slug, role, _ in ACCOUNTS:
            where = SCHOOL_NAMES.get(slug) or ("Evergreen Learning Trust" if role else "no school")
            label = Role(role).label if role else "System administrator"
            self.stdout.write(f"  {username:<17} {first} {last}: {label}, {where}")
        self.stdout.write(
            f"Accounts that read records ask for a second factor: add the secret "
            f"{DEMO_TOTP_SECRET} to an authenticator app (TOTP, 6 digits, 30 seconds)."
        )


# Signing: owned by the sign-off work (issue 5) -------------------------------------------------


def enrol_demo_second_factor(users):
    """Enrol the demo accounts that read records with the fixed demo TOTP secret."""
    key = b32decode(DEMO_TOTP_SECRET).hex()
    for user in users.values():
        if needs_second_factor(user):
            TOTPDevice.objects.create(user=user, name="Demo authenticator", key=key, confirmed=True)


def _demo_code(user) -> str:
    """A code the user's demo authenticator accepts now, never one already used."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.drift += max(0, device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"


def sign_demo_records(records, users):
    """Sign ``records["awaiting"]`` and sign and approve ``records["approved"]``.

    Through the same service functions as the pages, so the demo's signatures, digests and
    audit entries are real. The demo authenticators are then reset, so the codes used here do
    not stop a newcomer signing in with the current code.
    """
    dsl, head = users["oakfield-dsl"], users["oakfield-head"]
    for key in ("approved", "awaiting"):
        missing = missing_items(load(records[key]))
        if missing:
            # Signing refuses an incomplete record; say what the demo record lacks.
            sys.stderr.write(
                f"Demo record {records[key].reference} ({key}) is left unsigned: "
                + " ".join(item.message for item in missing)
                + "\n"
            )
            continue
        sign_record(records[key], dsl, DEMO_PASSWORD, _demo_code(dsl))
    approve_record(
        records["approved"], head, DEMO_PASSWORD, _demo_code(head), sign_off_non_referral=True
    )
    TOTPDevice.objects.filter(user__in=[dsl, head]).update(last_t=-1, drift=0)
