"""POST data for the concern form and each wizard step, valid unless a test changes it."""

from datetime import date, timedelta

from django.urls import reverse

from incidents.models import FACT_FIELDS, RISK_CHOICE_FIELDS, RISK_FIELDS

TODAY = date.today()
INCIDENT_DAY = TODAY - timedelta(days=5)
DISCLOSED = f"{TODAY - timedelta(days=3):%Y-%m-%d}T09:30"


def step_url(incident, step: str) -> str:
    return reverse("incident_step", kwargs={"reference": incident.reference, "step": step})


def management(prefix: str, total: int, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def items(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = management(prefix, len(rows), initial)
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def concern_data(**over) -> dict:
    data = {
        "incident_date": f"{INCIDENT_DAY:%Y-%m-%d}",
        "disclosed_at": DISCLOSED,
        "disclosed_by": "child",
        "disclosed_by_name": "",
        "disclosed_to": "Sam Teacher, Year 9 tutor",
        "child_action": "receiving",
        "account": "She said a boy in her year sent her a picture and asked for one back.",
        "image_kind": "inappropriate",
        "imagery_location": "device_in_possession",
        "other_young_people": "A boy in Year 9",
        "needs_immediate_support": "no",
        "immediate_support_notes": "",
    }
    data.update(over)
    return data


def disclosure_data(version: int, **over) -> dict:
    data = {f"disclosure-{k}": v for k, v in concern_data().items()}
    data.update(
        {
            "disclosure-imagery_description": "A picture of her top half, as described.",
            "disclosure-how_widely_shared": "Only between the two of them, as far as known.",
            "disclosure-platforms": "Snapchat",
            "version": str(version),
        }
    )
    data.update({f"disclosure-{k}": v for k, v in over.items()})
    return data


def young_person(name="Amelia Hart", age="14", **over) -> dict:
    row = {
        "name": name,
        "date_of_birth": "",
        "age_if_no_date_of_birth": age,
        "year_group": "Year 9",
        "sex": "female",
        "vulnerability": "",
        "is_pictured": "on",
        "known_to_social_care": "no",
    }
    row.update(over)
    return row


def people_data(version: int, young=None, adults=None, initial_young=0, initial_adults=0) -> dict:
    young = [young_person()] if young is None else young
    data = items("young_people", young, initial_young)
    data.update(items("adults", adults or [], initial_adults))
    data["version"] = str(version)
    return data


EXPERIMENTAL_FACTS = dict.fromkeys(FACT_FIELDS, "no") | {
    "romantic_relationship": "yes",
    "sent_to_others": "yes",
}
AGGRAVATED_ADULT_FACTS = dict.fromkeys(FACT_FIELDS, "no") | {
    "adult_involved": "yes",
    "coerced": "yes",
    "sent_to_others": "yes",
}


def initial_review_data(version: int, facts=None, **over) -> dict:
    data = {
        "review-meeting_date": f"{TODAY - timedelta(days=2):%Y-%m-%d}",
        "review-meeting_time": "10:15",
        "review-attendees": "DSL, deputy DSL, head of year",
        "review-further_information": "",
        "review-other_settings_to_contact": "",
        "version": str(version),
    }
    data.update({f"review-{k}": v for k, v in (facts or EXPERIMENTAL_FACTS).items()})
    data.update({f"review-{k}": v for k, v in over.items()})
    return data


def risk_data(version: int, rating="low", **over) -> dict:
    data = {
        f"risk-{name}": "no" if name in RISK_CHOICE_FIELDS else "Answered after talking to them."
        for name in RISK_FIELDS
    }
    data.update({f"risk-{name}_note": "" for name in RISK_FIELDS})
    data["risk-rating"] = rating
    data["version"] = str(version)
    data.update({f"risk-{k}": v for k, v in over.items()})
    return data


def assessment_data(version: int, **over) -> dict:
    data = {
        "assessment-choice": "confirm",
        "assessment-override_category": "",
        "assessment-override_subtype": "",
        "assessment-override_reason": "",
        "version": str(version),
    }
    data.update({f"assessment-{k}": v for k, v in over.items()})
    return data


def imagery_data(version: int, viewed="no", viewings=None, devices=None, **over) -> dict:
    data = {"imagery-viewed": viewed, "version": str(version)}
    data.update(items("viewings", viewings or []))
    data.update(items("devices", devices or []))
    data.update(over)
    return data


def viewing(**over) -> dict:
    row = {
        "ground": "unavoidable",
        "viewed_at": f"{TODAY - timedelta(days=3):%Y-%m-%d}T10:00",
        "viewed_by": "Dee Lead, DSL",
        "viewer_is_dsl_or_delegated": "on",
        "headteacher_consulted": "on",
        "others_present": "Head teacher",
        "second_staff_present": "on",
        "location": "Head's office",
        "on_school_premises": "on",
        "same_sex_as_pictured": "on",
        "reason": "The young person held the phone up to show it before staff could stop her.",
        "subsequent_actions": "Phone switched off and locked away.",
        "signed_by_viewer": "on",
        "safeguards_explanation": "",
        "how_it_came_about": "She held her phone up to show it before staff could stop her.",
        "device_action": "Phone switched off and locked away.",
        "not_copied_or_shared": "on",
    }
    row.update(over)
    return row


def device(**over) -> dict:
    row = {
        "young_person": "",
        "device_description": "Black iPhone",
        "ownership": "personal",
        "reason_to_believe": "The young person said the picture is on it.",
        "searched_at": f"{TODAY - timedelta(days=3):%Y-%m-%d}T11:00",
        "searched_by": "Head teacher",
        "searcher_authorised": "on",
        "safeguarding_member_present": "on",
        "same_sex": "on",
        "dsl_and_senior_told_before": "on",
        "distress_justification": "",
        "confiscated": "on",
        "switched_off": "on",
        "locked_away": "on",
        "handed_to_police_at": "",
        "police_officer": "",
        "safeguards_explanation": "",
    }
    row.update(over)
    return row


def decision_data(version: int, outcome="handled_in_school", referrals=None, **over) -> dict:
    data = {
        "decision-outcome": outcome,
        "decision-decided_at": f"{TODAY - timedelta(days=2):%Y-%m-%d}T15:00",
        "decision-reasons": "Experimental and romantic; risks managed in school.",
        # Read only when nothing is referred to the police or children's social care.
        "decision-reason_not_referred": "No adult, no coercion; the school can manage the risks.",
        "version": str(version),
    }
    data.update(items("referrals", referrals or []))
    data.update({f"decision-{k}": v for k, v in over.items()})
    return data


def referral(agency="mash", **over) -> dict:
    row = {
        "agency": agency,
        "made_at": f"{TODAY - timedelta(days=2):%Y-%m-%d}T14:00",
        "made_by": "Dee Lead, DSL",
        "contact_name": "Duty social worker",
        "reference_number": "MASH-123",
        "outcome": "",
    }
    row.update(over)
    return row


def parents_data(version: int, people, **over) -> dict:
    data = {"version": str(version)}
    for person in people:
        p = f"yp{person.pk}"
        data.update(
            {
                f"{p}-informed": "yes",
                f"{p}-parent_name": "Mrs Hart",
                f"{p}-informed_at": f"{TODAY - timedelta(days=2):%Y-%m-%d}T16:00",
                f"{p}-informed_by": "Dee Lead, DSL",
                f"{p}-method": "phone",
                f"{p}-reason_not_informed": "",
                f"{p}-decided_with": "",
            }
        )
    data.update(over)
    return data


def follow_up_data(version: int, actions=None, deletions=None) -> dict:
    data = {"version": str(version)}
    data.update(items("actions", actions or []))
    data.update(items("deletions", deletions or []))
    return data


def action(**over) -> dict:
    row = {
        "kind": "pastoral",
        "description": "Weekly check-in with the head of year.",
        "owner": "Head of year 9",
        "due_date": f"{TODAY + timedelta(days=7):%Y-%m-%d}",
        "done_on": "",
    }
    row.update(over)
    return row


def deletion(person, **over) -> dict:
    row = {
        "young_person": str(person.pk),
        "asked_on": f"{TODAY - timedelta(days=2):%Y-%m-%d}",
        "asked_by": "Dee Lead, DSL",
        "deadline": f"{TODAY + timedelta(days=1):%Y-%m-%d}",
        "told_possession_illegal": "on",
        "parents_told": "on",
        "confirmed_on": "",
        "confirmation_note": "",
    }
    row.update(over)
    return row


def review_data(version: int, **over) -> dict:
    data = {
        "review-reviewed_on": f"{TODAY:%Y-%m-%d}",
        "review-outcome": "Resolved in school; both young people supported.",
        "review-lessons": "Refresh RSE lessons on consent in Year 9.",
        "review-policies_to_update": "",
        "version": str(version),
    }
    data.update({f"review-{k}": v for k, v in over.items()})
    return data
