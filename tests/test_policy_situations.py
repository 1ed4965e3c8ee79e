"""Seven situations in which the record could say the opposite of the truth, through the pages.

Each is written from a clause of the Wolverhampton guidance or the Evergreen policy
(docs/policy.md): a required referral skipped, an experimental incident not referred to the
police, advice sought, an unavoidable viewing, the national profile's own words, reasons that
name only what is established, and when a thing happened against when it was typed.
"""

import html
from datetime import timedelta

import pytest
from django.urls import reverse

from incidents import requirements, services
from incidents.export import render_record_pdf
from incidents.export.pack import build_pack
from incidents.models import (
    FACT_FIELDS,
    Action,
    ActionKind,
    AdviceSought,
    AssessmentResult,
    Decision,
    Incident,
    Referral,
)
from incidents.record import load_reference
from tests import wizard_data as d
from tests.conftest import client_login, fresh_totp_code, totp_device
from tests.test_export_pdf import pages_of

# Youth only, intent to harm: a picture shared to hurt a former partner.
INTENT_TO_HARM = dict.fromkeys(FACT_FIELDS, "no") | {
    "intent_to_harm": "yes",
    "shared_without_consent": "yes",
    "sent_to_others": "yes",
}


@pytest.fixture
def reported(client, world):
    client_login(client, world.oak_staff)
    client.post(reverse("report_concern"), d.concern_data())
    client_login(client, world.oak_dsl)
    return Incident.objects.get()


def version(incident) -> int:
    return Incident.objects.get(pk=incident.pk).version


def post(client, incident, step, data):
    return client.post(d.step_url(incident, step), data)


def saved(response):
    assert response.status_code == 302, response.content.decode()[:4000]


def refused(response, field, message):
    """The step is shown again with ``message`` beside ``field``, and what was typed kept."""
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert message in html, html[:4000]
    (form,) = [p["part"] for p in response.context["parts"] if p["name"] == "decision"]
    assert message in " ".join(form.errors.get(field, [])), form.errors


def up_to_the_decision(client, incident, facts, *, people=None, rating="low"):
    """The DSL saves every step before the decision, through the pages."""
    saved(post(client, incident, "disclosure", d.disclosure_data(version(incident))))
    saved(post(client, incident, "people", d.people_data(version(incident), young=people)))
    saved(post(client, incident, "initial-review", d.initial_review_data(version(incident), facts)))
    if "risk-assessment" in client.get(d.step_url(incident, "risk-assessment")).content.decode():
        post(client, incident, "risk-assessment", d.risk_data(version(incident), rating=rating))
    saved(post(client, incident, "assessment", d.assessment_data(version(incident))))
    saved(post(client, incident, "imagery-devices", d.imagery_data(version(incident))))


def after_the_decision(client, incident):
    """Parents, follow-up and review, so only the decision's own items can be missing."""
    loaded = Incident.objects.get(pk=incident.pk)
    people = list(loaded.young_people.all())
    saved(post(client, incident, "parents", d.parents_data(version(incident), people)))
    if requirements.risk_assessment_applies(load_reference(incident.reference)) and not hasattr(
        loaded, "risk_assessment"
    ):
        saved(post(client, incident, "risk-assessment", d.risk_data(version(incident))))
    saved(post(client, incident, "review", d.review_data(version(incident))))


def code(user) -> dict:
    return {"otp_token": fresh_totp_code(totp_device(user))}


def dsl_missing(incident) -> list[str]:
    items = requirements.missing_items(load_reference(incident.reference))
    return [i.message for i in requirements.blocking(items)]


# 1. A required referral skipped -----------------------------------------------------------


def test_a_ceop_report_alone_does_not_meet_a_required_referral(client, world, reported):
    """Wolverhampton, Initial review meeting: the criteria for an immediate referral to the
    MASH; Recording incidents: a decision not to refer is recorded and signed off."""
    up_to_the_decision(client, reported, INTENT_TO_HARM, rating="high")
    result = AssessmentResult.objects.filter(incident=reported).first()
    assert result.mash_referral and "high_risk_13_17" in result.mash_criteria

    data = d.decision_data(
        version(reported),
        outcome="referred",
        referrals=[d.referral("ceop", reference_number="CEOP-551")],
        reasons="Reported to CEOP so the picture can be taken down.",
    )
    response = post(client, reported, "decision", data)
    refused(response, "reason_immediate_referral", "No referral above meets this")
    refused(response, "reason_police", "No referral above meets this (the incident is aggravated)")
    assert 'value="CEOP-551"' in response.content.decode()
    assert not Decision.objects.exists()

    data["decision-reason_immediate_referral"] = "The family asked us not to; we are talking."
    data["decision-reason_police"] = "Not yet: the family first."
    saved(post(client, reported, "decision", data))
    decision = Decision.objects.get()
    assert decision.signoff_required
    assert decision.unmet_reasons["immediate_referral"].startswith("The family asked")
    after_the_decision(client, reported)

    # The DSL signs: only the headteacher's sign-off is outstanding, and the record says so.
    assert dsl_missing(reported) == []
    check = client.get(d.step_url(reported, "check")).content.decode()
    assert "The headteacher has not yet signed off" in check
    services.sign_record(reported, world.oak_dsl, world.password, **code(world.oak_dsl))

    pack = build_pack(world.oak, reported.incident_date, reported.incident_date + timedelta(9))
    (row,) = pack.rows
    assert not row.complete
    assert any(
        line.startswith("An immediate referral to the MASH (required): not done, reasons")
        for line in row.required_done
    )
    pdf = " ".join(
        " ".join(pages_of(render_record_pdf(load_reference(reported.reference))[2])).split()
    )
    assert "An immediate referral to the MASH" in pdf
    assert "The family asked us not to" in pdf

    # The headteacher sees each unmet requirement with the DSL's reasons, and must sign it off.
    client_login(client, world.oak_head)
    page = client.get(reverse("incident_approve", args=[reported.reference])).content.decode()
    assert "An immediate referral to the MASH" in page
    assert "The family asked us not to; we are talking." in page
    response = client.post(
        reverse("incident_approve", args=[reported.reference]),
        {"password": world.password, **code(world.oak_head)},
    )
    assert response.status_code == 200
    assert "sign off" in response.content.decode().lower()
    services.sign_off_non_referral(
        Incident.objects.get(pk=reported.pk), world.oak_head, world.password, **code(world.oak_head)
    )
    (row,) = build_pack(
        world.oak, reported.incident_date, reported.incident_date + timedelta(9)
    ).rows
    assert row.complete and row.non_referral_signed_off


# 2. Experimental, no police, no reasons ---------------------------------------------------


def test_an_experimental_incident_not_referred_to_the_police_needs_reasons(client, world, reported):
    """Evergreen policy, Step 2: "If an 'experimental' incident is not referred to the police
    the reasons for this should be recorded in writing"."""
    known = d.young_person(known_to_social_care="yes")
    up_to_the_decision(client, reported, d.EXPERIMENTAL_FACTS, people=[known])
    data = d.decision_data(
        version(reported),
        outcome="referred",
        referrals=[d.referral("social_care", reference_number="CSC-1")],
        reasons="Known to social care: they should hear of it.",
    )
    response = post(client, reported, "decision", data)
    refused(
        response, "reason_police", "No referral above meets this (the incident is experimental)"
    )

    data["decision-reason_police"] = "Experimental and romantic; no adult, no coercion."
    saved(post(client, reported, "decision", data))
    decision = Decision.objects.get()
    assert decision.unmet_reasons == {"police": "Experimental and romantic; no adult, no coercion."}
    # Children's social care is involved: no sign-off is needed for the police at discretion.
    assert not decision.signoff_required


# 3. Advice sought -------------------------------------------------------------------------


def test_advice_sought_is_recorded_as_advice_and_the_incident_handled_in_school(
    client, world, reported
):
    """Evergreen policy, Case study 1: a police officer and social services consulted, no
    action by either, handled in school."""
    up_to_the_decision(client, reported, d.EXPERIMENTAL_FACTS, people=[d.young_person(age="10")])
    sought = f"{d.TODAY - timedelta(days=2):%Y-%m-%d}T11:00"
    advice = d.items(
        "advice",
        [
            {
                "agency": "police_101",
                "sought_at": sought,
                "sought_by": "Dee Lead, DSL",
                "spoke_to": "PC Dawson, local police officer",
                "advice": "Police action is not necessary.",
                "school_response": "Handled in school with the parents.",
            },
            {
                "agency": "social_care",
                "sought_at": sought,
                "sought_by": "Dee Lead, DSL",
                "spoke_to": "Duty social worker",
                "advice": "No action by social services.",
                "school_response": "Handled in school with the parents.",
            },
        ],
    )
    saved(post(client, reported, "advice", advice | {"version": str(version(reported))}))
    data = d.decision_data(
        version(reported), reason_not_referred="Both agencies consulted advised no action."
    )
    response = post(client, reported, "decision", data)
    saved(response)
    assert "You recorded a referral" not in response.content.decode()
    assert not Referral.objects.exists()
    assert AdviceSought.objects.count() == 2

    asked = requirements.of(load_reference(reported.reference))
    not_referred = asked.get(requirements.NOT_REFERRED)
    assert not not_referred.met and len(not_referred.advice) == 2
    assert asked.signoff_needed
    page = client.get(reverse("incident_detail", args=[reported.reference])).content.decode()
    assert "PC Dawson, local police officer" in page
    assert "Police action is not necessary." in page


# 4. An honest unavoidable viewing ---------------------------------------------------------


def test_an_unavoidable_viewing_is_recorded_as_what_happened_and_does_not_block_signing(
    client, world, reported
):
    """Wolverhampton, Viewing the imagery: the third ground, unavoidable; the member of staff
    who saw it is given support."""
    up_to_the_decision(client, reported, d.EXPERIMENTAL_FACTS)
    unavoidable = {
        "ground": "unavoidable",
        "viewed_at": f"{d.TODAY - timedelta(days=3):%Y-%m-%d}T10:00",
        "viewed_by": "Sam Tutor, Year 9 tutor",
        "location": "Classroom",
        "reason": "",
        "how_it_came_about": "A pupil held up her phone to show it before he could stop her.",
        "device_action": "Phone switched off and handed to the DSL.",
        "not_copied_or_shared": "on",
        "subsequent_actions": "",
    }
    response = post(
        client,
        reported,
        "imagery-devices",
        d.imagery_data(version(reported), viewed="yes", viewings=[unavoidable]),
    )
    saved(response)
    support = Action.objects.get(kind=ActionKind.STAFF_SUPPORT)
    assert "Sam Tutor" in support.description
    loaded = load_reference(reported.reference)
    assert requirements.flags(loaded) == []
    assert [i for i in requirements.missing_items(loaded) if i.step == "imagery-devices"] == []
    page = client.get(reverse("incident_detail", args=[reported.reference])).content.decode()
    assert "A pupil held up her phone" in page
    assert "not viewed" not in page.lower()

    # Without what happened, it is refused field by field.
    bare = unavoidable | {"how_it_came_about": "", "device_action": "", "not_copied_or_shared": ""}
    response = post(
        client,
        reported,
        "imagery-devices",
        d.imagery_data(version(reported), viewed="yes", viewings=[bare]),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Say how the viewing came about" in html
    assert "Confirm the imagery was not copied, printed or shared" in html


# 5. The national profile in its own words -------------------------------------------------


def test_the_ukcis_profile_names_its_own_agencies_and_a_police_referral_meets_it(
    client, world, reported
):
    """UKCIS, Sharing nudes and semi-nudes (2020): refer "to the police and/or children's
    social care"."""
    world.oak.policy_profile = "ukcis-2020"
    world.oak.save()
    up_to_the_decision(client, reported, d.AGGRAVATED_ADULT_FACTS)
    page = html.unescape(client.get(d.step_url(reported, "decision")).content.decode())
    table = page[page.index('data-testid="requirements"') : page.index("</table>")]
    assert "An immediate referral to the police and/or children's social care" in table
    assert "MASH" not in table and "Wolverhampton" not in table.split("not_referred")[0]
    data = d.decision_data(
        version(reported),
        outcome="referred",
        referrals=[d.referral("police_101", reference_number="CAD-7")],
        reasons="An adult asked for the pictures: the police.",
    )
    saved(post(client, reported, "decision", data))
    asked = requirements.of(load_reference(reported.reference))
    assert asked.get(requirements.IMMEDIATE).met
    assert not asked.signoff_needed


# 6. Reasons an inspector can check --------------------------------------------------------


def test_the_result_names_only_what_is_established_and_says_when_it_is_provisional(
    client, world, reported
):
    unknown = dict.fromkeys(FACT_FIELDS, "unknown") | {"coerced": "yes"}
    saved(post(client, reported, "disclosure", d.disclosure_data(version(reported))))
    saved(post(client, reported, "people", d.people_data(version(reported))))
    saved(
        post(client, reported, "initial-review", d.initial_review_data(version(reported), unknown))
    )
    result = AssessmentResult.objects.filter(incident=reported).first()
    reasons = " ".join(result.reasons)
    assert "by a young person" not in reasons
    assert "provisional" in reasons.lower()
    page = client.get(reverse("incident_detail", args=[reported.reference])).content.decode()
    assert "provisional" in page.lower()


# 7. When it happened against when it was recorded -----------------------------------------


def test_a_decision_typed_days_later_is_shown_when_it_was_made_and_recorded_late(
    client, world, reported
):
    up_to_the_decision(client, reported, d.EXPERIMENTAL_FACTS)
    decided = f"{d.TODAY - timedelta(days=3):%Y-%m-%d}T15:00"
    data = d.decision_data(
        version(reported),
        decided_at=decided,
        reason_not_referred="Experimental and romantic; managed in school.",
    )
    saved(post(client, reported, "decision", data))
    page = client.get(reverse("incident_detail", args=[reported.reference])).content.decode()
    assert 'data-testid="recorded-late"' in page
    assert "as it stood when the decision was made" in page

    # Two times on the same day out of order are caught, to the minute.
    same_day = f"{d.TODAY - timedelta(days=3):%Y-%m-%d}"
    data = d.decision_data(
        version(reported),
        decided_at=f"{same_day}T09:00",
        reason_not_referred="Experimental and romantic; managed in school.",
    )
    Incident.objects.filter(pk=reported.pk).update(disclosed_at=f"{same_day}T09:30Z")
    response = post(client, reported, "decision", data)
    refused(response, "decided_at", "The decision cannot be before the disclosure")
