"""Four decisions the policy leads, driven in Chromium as a DSL and a headteacher drive them.

1. An immediate MASH referral the rules require is not made (only a CEOP report): the decision
   step refuses it until the DSL writes reasons for each requirement left unmet; the DSL signs
   with the headteacher's sign-off outstanding; the headteacher's approve page lists each unmet
   requirement with the DSL's reasons and refuses approval without the sign-off.
2. An experimental incident referred to children's social care only: the police box needs
   reasons.
3. Evergreen, Case study 1: advice from a police officer and from social services is recorded
   as advice, and the incident is handled in school without referral.
4. A viewing that could not be avoided: recorded without the deliberate-viewing checklist, it
   does not stop signing, and the member of staff who saw it is offered support.

Each record is written through the product's forms and services (``full_record``, or a demo
scenario) up to the page that matters; the browser drives only those pages.
"""

import copy
import re
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone

from incidents import scenarios
from incidents.models import (
    ActionKind,
    AnswerChoice,
    Decision,
    Incident,
    RiskRating,
    Status,
    User,
)
from tests.browser.a11y import assert_accessible, assert_reflows
from tests.conftest import PASSWORD, fresh_totp_code, login, totp_device
from tests.factories import full_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/policy")
WIDTHS = (1280, 390)
CASE_STUDY = Path(settings.BASE_DIR) / "fixtures" / "5-evergreen-case-study-1.toml"

# Aggravated (youth only, intent to harm): shared after a break-up, without consent.
AGGRAVATED_FACTS = {
    "romantic_relationship": AnswerChoice.NO,
    "shared_without_consent": AnswerChoice.YES,
    "intent_to_harm": AnswerChoice.YES,
}


# Records written up to the pages the browser drives ------------------------------------------


def scenario_of(school, dsl, **kwargs) -> dict:
    """The data ``full_record`` would write (the same keyword arguments), not yet written."""
    with mock.patch.object(scenarios, "write", lambda scenario, password: scenario):
        scenario = full_record(school, dsl, **kwargs)
    return copy.deepcopy(scenario.data)


def step_of(data: dict, identifier: str) -> dict:
    return next(step for step in data["step"] if step["id"] == identifier)


def write(data: dict, *, leave_out: tuple[str, ...] = ()) -> Incident:
    """Write ``data`` through the product's forms, leaving out the steps the browser does."""
    data = {**data, "step": [step for step in data["step"] if step["id"] not in leave_out]}
    scenario = scenarios.Scenario(name="tests/browser/test_policy_journeys.py", data=data)
    return scenarios.write(scenario, password=PASSWORD)


# The browser -----------------------------------------------------------------------------------


def moment(days_ago: int, at: str) -> str:
    """A date and time as a datetime-local field takes it."""
    return f"{timezone.localdate() - timedelta(days=days_ago):%Y-%m-%d}T{at}"


def fill(page, data: dict) -> None:
    """Type ``data`` into the page's form field by field, as a person would."""
    for name, value in data.items():
        field = page.locator(f'[name="{name}"]').first
        # A blank "add" form is folded away in a <details>: open it, as a person would.
        field.evaluate("e => { const d = e.closest('details'); if (d) { d.open = true; } }")
        kind = field.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if kind.endswith(":radio"):
            page.locator(f'[name="{name}"][value="{value}"]').check()
        elif (
            kind.endswith(":checkbox") and isinstance(value, str | list) and value not in ("", "on")
        ):
            # Several boxes of one question: tick each value given (a list, or one value).
            for one in [value] if isinstance(value, str) else value:
                page.locator(f'[name="{name}"][value="{one}"]').check()
        elif kind.endswith(":checkbox"):
            field.check() if value else field.uncheck()
        elif kind.startswith("select"):
            field.select_option(value)
        else:
            field.fill(value)


def item(prefix: str, index: int, row: dict) -> dict:
    return {f"{prefix}-{index}-{name}": value for name, value in row.items()}


def save(page, button="Save and continue"):
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def on_step(page, step):
    page.wait_for_url(re.compile(rf"/steps/{step}/(\?add=1)?$"))


def step_url(live_server, incident, step):
    return f"{live_server.url}/incidents/{incident.reference}/steps/{step}/"


def field_error(page, name: str) -> str:
    """The error shown beside the field called ``name`` (empty when there is none)."""
    errors = page.locator(f'[id="div_id_{name}"] .invalid-feedback')
    return " ".join(errors.all_inner_texts())


def reason_box(page, what: str):
    """The decision's reasons box for one requirement, found by its label as a person finds it."""
    return page.get_by_label(
        re.compile(re.escape(what) + r" \(.*\): if no referral above meets it, why not\?")
    )


def shots(page, name: str) -> None:
    """A full-page screenshot at each width (resizing the window does not reload the page)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        assert_reflows(page, f"{name} at {width} px")
        assert_accessible(page, f"{name} at {width} px")
    page.set_viewport_size({"width": 1280, "height": 720})


def reauthenticate(page, username):
    page.get_by_label("Your password").fill(PASSWORD)
    device = totp_device(User.objects.get(username=username))
    page.get_by_label("Code from your authenticator app").fill(fresh_totp_code(device))


def sign_from_check_answers(page, live_server, incident, username):
    page.get_by_test_id("missing-items").get_by_role("link", name="Sign the record").click()
    reauthenticate(page, username)
    page.get_by_role("button", name="Sign the record").click()
    page.wait_for_url(f"{live_server.url}/incidents/{incident.reference}/")
    assert "awaiting headteacher approval" in page.get_by_test_id("stage").inner_text()


# 1. A required referral skipped ----------------------------------------------------------------


def test_a_required_mash_referral_not_made_needs_reasons_and_the_headteachers_sign_off(
    page, live_server, world
):
    data = scenario_of(
        world.oak,
        world.oak_dsl,
        facts=AGGRAVATED_FACTS,
        risk_rating=RiskRating.HIGH,
        viewing_complete=True,
    )
    record = write(data, leave_out=("decision",))
    assert record.assessment_results.latest("computed_at").mash_criteria == ["high_risk_13_17"]
    record_url = f"{live_server.url}/incidents/{record.reference}/"

    login(page, live_server, "oak-dsl")
    page.goto(step_url(live_server, record, "decision"))
    why = page.get_by_test_id("decision-why").inner_text()
    assert "An immediate referral to the MASH" in why
    assert "13 to 17 and the risk assessment rates it high" in why

    # Referred, but only to CEOP, with general reasons.
    general = "Reported to CEOP; the family is supported by the school."
    fill(
        page,
        {
            "decision-outcome": "referred",
            "decision-decided_at": moment(1, "15:00"),
            "decision-reasons": general,
        }
        | item(
            "referrals",
            0,
            {
                "agency": "ceop",
                "made_at": moment(1, "14:00"),
                "made_by": "Ms Patel, DSL",
                "reference_number": "CEOP-5521",
            },
        ),
    )
    save(page)
    on_step(page, "decision")
    summary = page.locator("#error-summary")
    assert "There is a problem" in summary.inner_text()
    assert summary.evaluate("el => el === document.activeElement")
    for code in ("immediate_referral", "police", "not_referred"):
        assert "No referral above meets this" in field_error(page, f"decision-reason_{code}"), code
    assert not Decision.objects.filter(incident=record).exists()
    # What was typed is kept.
    assert page.locator('[name="decision-reasons"]').input_value() == general
    assert page.locator('[name="referrals-0-reference_number"]').input_value() == "CEOP-5521"

    reasons = {
        "An immediate referral to the MASH": "The MASH duty desk was closed; CEOP took the "
        "report and we refer on Monday.",
        "A referral to the police": "CEOP passes the report to the police.",
        "Not referring to the police or children's social care": "CEOP involves the police; "
        "the MASH referral follows on Monday.",
    }
    for what, words in reasons.items():
        reason_box(page, what).fill(words)
    shots(page, "1-decision-reasons")
    save(page)
    on_step(page, "online-reports")  # the next step since 2026 (optional)
    decision = Decision.objects.get(incident=record)
    assert decision.unmet_reasons["immediate_referral"].startswith("The MASH duty desk")
    assert decision.signoff_required

    # Check answers: nothing stops the DSL signing; the headteacher's sign-off is outstanding.
    page.goto(step_url(live_server, record, "check"))
    assert "Nothing is missing before you sign" in page.get_by_test_id("missing-items").inner_text()
    outstanding = page.get_by_test_id("headteacher-items").inner_text()
    assert "The headteacher has not yet signed off what is not referred" in outstanding
    assert "immediate referral" in outstanding
    sign_from_check_answers(page, live_server, record, "oak-dsl")
    page.get_by_role("button", name="Sign out").click()

    # The headteacher weighs each unmet requirement against the DSL's reasons.
    login(page, live_server, "oak-head")
    page.goto(record_url)
    page.get_by_role("link", name="Approve or send back").click()
    unmet = page.get_by_test_id("unmet-requirements").inner_text()
    for what, words in reasons.items():
        assert f"{what} (" in unmet
        assert words in unmet
    table = page.get_by_test_id("requirements")
    assert (
        "The MASH duty desk was closed"
        in table.locator('[data-requirement="immediate_referral"]').inner_text()
    )
    assert "CEOP report" in table.locator('[data-requirement="ceop_report"]').inner_text()
    signoff = page.get_by_label(re.compile("I also sign off what is not referred"))
    assert signoff.is_visible() and not signoff.is_checked()
    shots(page, "1-approve")

    # Approving without the sign-off is refused, beside the box.
    reauthenticate(page, "oak-head")
    page.get_by_role("button", name="Approve and lock the record").click()
    page.wait_for_load_state()
    assert "tick this box to give it with your approval" in field_error(
        page, "sign_off_non_referral"
    )
    assert "tick this box" in page.locator("#error-summary").inner_text()
    record.refresh_from_db()
    assert record.status == Status.AWAITING_APPROVAL
    shots(page, "1-approve-refused")

    page.get_by_label(re.compile("I also sign off what is not referred")).check()
    reauthenticate(page, "oak-head")
    page.get_by_role("button", name="Approve and lock the record").click()
    page.wait_for_url(record_url)
    assert page.get_by_test_id("stage").inner_text() == "Approved and locked"
    decision.refresh_from_db()
    assert decision.headteacher_signoff_by == world.oak_head


# 2. Experimental, referred to children's social care only -------------------------------------


def test_a_social_care_referral_alone_needs_reasons_for_not_involving_the_police(
    page, live_server, world
):
    data = scenario_of(world.oak, world.oak_dsl, viewing_complete=True)
    step_of(data, "people")["young_people"][1]["known_to_social_care"] = "yes"
    record = write(data, leave_out=("decision",))

    login(page, live_server, "oak-dsl")
    page.goto(step_url(live_server, record, "decision"))
    why = page.get_by_test_id("decision-why").inner_text()
    assert "Contact with children's social care" in why
    assert "A referral to the police" in why
    fill(
        page,
        {
            "decision-outcome": "referred",
            "decision-decided_at": moment(1, "15:00"),
            "decision-reasons": "Ben's social worker is told; experimental and romantic.",
        }
        | item(
            "referrals",
            0,
            {
                "agency": "social_care",
                "made_at": moment(1, "14:00"),
                "made_by": "Ms Patel, DSL",
                "contact_name": "Ben's social worker",
                "reference_number": "CSC-3310",
            },
        ),
    )
    save(page)
    on_step(page, "decision")
    assert "No referral above meets this" in field_error(page, "decision-reason_police")
    assert "police" in page.locator("#error-summary").inner_text()
    # Social care is met by the referral: its box may stay blank.
    assert reason_box(page, "Contact with children's social care").input_value() == ""
    assert field_error(page, "decision-reason_social_care") == ""
    assert not Decision.objects.filter(incident=record).exists()

    reason_box(page, "A referral to the police").fill(
        "Experimental and romantic, no adult, no coercion: the school and Ben's social worker "
        "manage it."
    )
    save(page)
    on_step(page, "online-reports")  # the next step since 2026 (optional)
    decision = Decision.objects.get(incident=record)
    assert decision.outcome == "referred"
    assert decision.unmet_reasons["police"].startswith("Experimental and romantic")
    assert set(record.referrals.values_list("agency", flat=True)) == {"social_care"}


# 3. Advice sought: Evergreen, Case study 1 -----------------------------------------------------


def case_study_before_advice(world) -> Incident:
    """The case study's record as far as the imagery step, written for the test's accounts."""
    data = scenarios.read(CASE_STUDY).data
    steps = data["step"][: [s["id"] for s in data["step"]].index("advice")]
    data |= {"dsl": world.riv_dsl.username, "stage": Status.UNDER_REVIEW, "step": steps}
    data["concern"]["by"] = world.riv_staff.username
    return write(data)


def test_advice_from_the_police_and_social_services_is_not_a_referral(page, live_server, world):
    record = case_study_before_advice(world)
    disclosed = timezone.localdate(record.disclosed_at)
    days_ago = (timezone.localdate() - disclosed).days

    login(page, live_server, "riv-dsl")
    page.goto(step_url(live_server, record, "advice"))
    police = {
        "agency": "police_101",
        "sought_at": moment(days_ago, "11:00"),
        "sought_by": "Gareth Lloyd (DSL)",
        "spoke_to": "PC Dawson, local police officer",
        "advice": "Police action is not necessary; PC Dawson will support the school with the "
        "parents.",
        "school_response": "PC Dawson came with the DSL to speak to Mr and Mrs Grant.",
    }
    fill(page, item("advice", 0, police))
    save(page, "Save and add another")
    on_step(page, "advice")
    social = {
        "agency": "social_care",
        "sought_at": moment(days_ago, "14:30"),
        "sought_by": "Gareth Lloyd (DSL)",
        "spoke_to": "Duty social worker, children's social services",
        "advice": "No action by social services; the school to manage it with the parents.",
        "school_response": "Handled in school with the parents, as advised.",
    }
    fill(page, item("advice", 1, social))
    save(page)
    on_step(page, "decision")

    # The advice is shown beside what it bears on, and nothing is met by it.
    table = page.get_by_test_id("requirements")
    police_row = table.locator('[data-requirement="police"]').inner_text()
    assert "Police action is not necessary" in police_row
    assert "Not made" in police_row

    fill(
        page,
        {
            "decision-outcome": "handled_in_school",
            "decision-decided_at": moment(days_ago - 1, "14:00"),
            "decision-reasons": "An accidental moment seen live on a webcam; no adult, no "
            "intent to harm; handled with the parents (Evergreen, Case study 1).",
        },
    )
    reason_box(page, "Not referring to the police or children's social care").fill(
        "The police officer consulted agreed police action was not necessary, and social "
        "services, consulted, took no action."
    )
    save(page)
    assert "You recorded a referral" not in page.content()
    # Not referring: the risk assessment now applies, and comes next.
    on_step(page, "risk-assessment")
    decision = Decision.objects.get(incident=record)
    assert decision.outcome == "handled_in_school"
    assert decision.unmet_reasons["not_referred"].startswith("The police officer consulted")
    assert not record.referrals.exists()

    page.goto(f"{live_server.url}/incidents/{record.reference}/")
    advice = page.get_by_test_id("advice").inner_text()
    assert "Police (101)" in advice and "PC Dawson, local police officer" in advice
    assert "Children's social care" in advice and "No action by social services" in advice
    decision_section = page.locator("#section-decision").inner_text()
    assert "No referral or report has been made." in decision_section
    assert "Advice sought (not a referral)" in decision_section
    assert "None: handled in school" in page.locator(".record-summary").inner_text()
    # Beside what the policy asks, the advice is shown and the requirement is not met by it.
    table = page.locator("#section-decision").get_by_test_id("requirements")
    not_referred = table.locator('[data-requirement="not_referred"]').inner_text()
    assert "No action by social services" in not_referred
    assert "The police officer consulted agreed" in not_referred
    assert "Not made" in table.locator('[data-requirement="police"]').inner_text()


# 4. An unavoidable viewing ---------------------------------------------------------------------


def test_an_unavoidable_viewing_needs_no_checklist_and_offers_the_viewer_support(
    page, live_server, world
):
    record = write(scenario_of(world.oak, world.oak_dsl), leave_out=("imagery-devices",))

    login(page, live_server, "oak-dsl")
    page.goto(step_url(live_server, record, "imagery-devices"))
    page.locator('[name="imagery-viewed"][value="yes"]').check()
    fill(
        page,
        item(
            "viewings",
            0,
            {
                "ground": "unavoidable",
                "viewed_at": moment(3, "10:15"),
                "viewed_by": "Mr Osei, Year 10 form tutor",
                "location": "Year 10 form room",
                "reason": "Amelia held up her phone to show him before he could stop her.",
                "how_it_came_about": "Amelia showed it on her phone when she told him.",
                "device_action": "Phone switched off and locked in the DSL's office.",
                "not_copied_or_shared": True,
            },
        ),
    )
    checklist = page.locator("#part-viewings fieldset").filter(has_text="A deliberate viewing")
    assert checklist.locator("input[type=checkbox]:checked").count() == 0
    save(page)
    on_step(page, "advice")
    assert record.viewings.get().missing_safeguards() == []
    # The saved log is not flagged for the checklist it does not need.
    page.get_by_role("link", name="Imagery and devices").click()
    on_step(page, "imagery-devices")
    assert page.locator("#part-viewings .item-card").first.is_visible()
    assert page.get_by_test_id("missing-safeguards").count() == 0
    assert page.locator(".flag-missing").count() == 0

    # The member of staff who saw it is offered support.
    page.goto(step_url(live_server, record, "follow-up"))
    descriptions = page.locator('textarea[name^="actions-"][name$="-description"]')
    offered = [
        name
        for name, text in zip(
            descriptions.evaluate_all("els => els.map(e => e.name)"),
            descriptions.evaluate_all("els => els.map(e => e.value)"),
            strict=True,
        )
        if text.startswith("Offer support to Mr Osei, Year 10 form tutor")
    ]
    assert len(offered) == 1
    kind = page.locator(f'[name="{offered[0].removesuffix("-description")}-kind"]')
    assert kind.input_value() == ActionKind.STAFF_SUPPORT

    # Nothing about the viewing stops the DSL signing.
    page.goto(step_url(live_server, record, "check"))
    missing = page.get_by_test_id("missing-items").inner_text()
    assert "Nothing is missing before you sign" in missing
    assert "safeguard" not in missing
    assert page.locator("#section-imagery-devices .flag-missing").count() == 0
    sign_from_check_answers(page, live_server, record, "oak-dsl")

    # The record shows the viewing as one that could not be avoided.
    imagery = page.locator("#section-imagery-devices").inner_text()
    assert "The imagery was not viewed." not in imagery
    shown = page.get_by_test_id("viewing").inner_text()
    assert "(an unavoidable viewing)" in shown
    assert "Amelia showed it on her phone when she told him." in shown
    assert "Phone switched off and locked in the DSL's office." in shown
    assert re.search(r"Not copied, printed or shared\s+Confirmed", shown)
    assert "the deliberate-viewing checklist does not apply" in shown
    follow_up = page.locator("#section-follow-up").inner_text()
    assert "Support for staff who saw imagery" in follow_up
    assert "Offer support to Mr Osei" in follow_up
