"""The 2026 practice, driven in Chromium as a DSL drives it, each through to a signed record
and its PDF (issue 17).

1. Sexual extortion of a 15-year-old by an unknown online contact: the initial review records
   the demand and the advice given (do not pay, keep the evidence), the rules require the police
   (the adult not known, so the subtype is provisional and advice is sought), the police
   referral is made, Report Remove is supported; signed; the PDF says so.
2. An AI-"nudified" image of a Year 8 pupil made and shared by classmates: how the imagery came
   about is answered once (made or altered with AI), the result says the law treats it as an
   image of the child, the child-on-child prompt shows; the DSL records talking to the pupils and
   containment; signed; the PDF says so.

Each record is written from its demo fixture (fixtures/8-…, fixtures/9-…) through the product's
forms up to the pages that matter; the browser drives those pages.
"""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from incidents import scenarios
from incidents.models import Incident, InitialReview, OnlineReport, Status
from tests.browser.test_policy_journeys import (
    fill,
    item,
    on_step,
    save,
    shots,
    sign_from_check_answers,
    step_url,
)
from tests.conftest import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SEXTORTION = FIXTURES / "8-sextortion-by-an-unknown-contact.toml"
NUDIFIED = FIXTURES / "9-ai-nudified-image-of-a-year-8-pupil.toml"


def before(
    path: Path, world, leave_out: tuple[str, ...], first_known: dict, forget: tuple[str, ...] = ()
) -> Incident:
    """The fixture's record as the test world's Oakfield DSL writes it, without the steps the
    browser does and without signing; its initial review as first held (``first_known``, and
    the answers in ``forget`` not yet given): the browser records what was learned next."""
    data = scenarios.read(path).data
    steps = [s for s in data["step"] if s["id"] not in (*leave_out, "sign")]
    review = next(s for s in steps if s["id"] == "initial-review")["review"]
    for name in forget:
        review.pop(name, None)
    review |= first_known
    data |= {"dsl": world.oak_dsl.username, "stage": Status.UNDER_REVIEW, "step": steps}
    data["concern"]["by"] = world.oak_staff.username
    scenario = scenarios.Scenario(name=str(path.name), data=data)
    return scenarios.write(scenario, password=PASSWORD)


def day(days_ago: int) -> str:
    return f"{timezone.localdate() - timedelta(days=days_ago):%Y-%m-%d}"


def moment(days_ago: int, at: str) -> str:
    return f"{day(days_ago)}T{at}"


def pdf_text(page, live_server, incident) -> str:
    """The record's PDF as its reader gets it: asked for from the record page (a task prepares
    it), then downloaded from the export's page."""
    page.goto(f"{live_server.url}/incidents/{incident.reference}/")
    page.get_by_role("button", name="Export PDF").click()
    download = page.get_by_role("link", name="Download")
    download.wait_for()
    response = page.request.get(live_server.url + download.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def result_panel(page) -> str:
    return " ".join(page.locator("#assessment-panel").text_content().split())


def test_sextortion_of_a_15_year_old_by_an_unknown_contact(page, live_server, world):
    record = before(
        SEXTORTION,
        world,
        leave_out=("online-reports",),
        first_known={"financial_extortion": "unknown"},
        forget=(
            "extortion_demand",
            "extortion_paid",
            "extortion_contact",
            "told_not_to_pay",
            "told_to_keep_messages",
            "accounts_reported",
        ),
    )
    login(page, live_server, "oak-dsl")

    # The initial review: an extortion, the adult not known.
    page.goto(step_url(live_server, record, "initial-review"))
    facts = {
        "adult_involved": "unknown",
        "coerced": "yes",
        "capacity_concern": "no",
        "intent_to_harm": "yes",
        "shared_without_consent": "no",
        "romantic_relationship": "no",
        "attention_seeking": "no",
        "sent_to_others": "yes",
        "unusual_or_violent_content": "no",
        "immediate_risk_of_harm": "no",
        "depicts_sexual_acts": "no",
        "financial_extortion": "yes",
    }
    fill(
        page,
        {
            "review-meeting_date": day(6),
            "review-meeting_time": "09:00",
            "review-attendees": "Priya Shah (DSL), Helen Okafor (headteacher)",
            "review-imagery_origin": "taken_by_child",
        }
        | {f"review-{name}": answer for name, answer in facts.items()}
        | {
            "review-extortion_paid": "no",
            "review-extortion_contact": "Instagram direct messages",
            "review-told_not_to_pay": True,
            "review-told_to_keep_messages": True,
            "review-accounts_reported": True,
        },
    )
    # Saved without saying what was demanded: refused beside the field, nothing lost.
    save(page)
    on_step(page, "initial-review")
    assert "say what was demanded" in page.locator("#div_id_review-extortion_demand").inner_text()
    assert page.locator('[name="review-extortion_contact"]').input_value() == (
        "Instagram direct messages"
    )
    fill(page, {"review-extortion_demand": "£300 in gift cards, or the picture goes out."})
    # Answered again, as a person changing their mind would: the result beside it follows.
    page.locator('[name="review-financial_extortion"][value="unknown"]').check()
    page.locator('[name="review-financial_extortion"][value="yes"]').check()
    expect(page.locator("#assessment-panel")).to_contain_text("Sexual extortion")
    panel = result_panel(page)
    assert "Refer to the police: required" in panel
    assert "provisional" in panel and "National Crime Agency" in panel
    shots(page, "2026-sextortion-initial-review")
    save(page)
    review = InitialReview.objects.get(incident=record)
    assert review.financial_extortion == "yes" and review.told_not_to_pay
    result = record.assessment_results.latest("computed_at")
    assert (result.police, result.subtype, result.seek_advice) == (
        "required",
        "youth_intent_to_harm",
        True,
    )

    # The police referral is on the record; the decision stands on the new result once saved.
    page.goto(step_url(live_server, record, "assessment"))
    fill(page, {"assessment-choice": "confirm"})
    save(page)

    # Report Remove, supported by the DSL.
    page.goto(step_url(live_server, record, "online-reports"))
    person = record.young_people.get()
    fill(
        page,
        item(
            "online_reports",
            0,
            {
                "service": "report_remove",
                "young_person": str(person.pk),
                "made_at": moment(6, "11:30"),
                "supported_by": "Priya Shah (DSL)",
                "reference": "RR-55821",
                "outcome": "removed",
                "outcome_note": "The IWF hashed the picture.",
            },
        ),
    )
    save(page)
    assert OnlineReport.objects.get(incident=record).service == "report_remove"

    # The decision saved again against the confirmed result (the facts changed under it).
    page.goto(step_url(live_server, record, "decision"))
    save(page)

    page.goto(step_url(live_server, record, "check"))
    shots(page, "2026-sextortion-check")
    sign_from_check_answers(page, live_server, record, "oak-dsl")
    assert Incident.objects.get(pk=record.pk).status == Status.AWAITING_APPROVAL

    text = pdf_text(page, live_server, record)
    assert "9b. Reporting online" in text and "Report Remove (Childline and the IWF" in text
    assert "RR-55821" in text
    assert "Sexual extortion: what was demanded" in text
    assert "Told not to pay and to stop contact Yes" in text
    assert "Told to keep the messages, not delete them Yes" in text
    assert "Police (101)" in text and "WM-0288" in text
    assert "National Crime Agency" in text


def test_an_ai_nudified_image_of_a_year_8_pupil_shared_by_classmates(page, live_server, world):
    record = before(
        NUDIFIED, world, leave_out=("interviews",), first_known={"imagery_origin": "unknown"}
    )
    login(page, live_server, "oak-dsl")

    page.goto(step_url(live_server, record, "initial-review"))
    facts = {
        "adult_involved": "no",
        "coerced": "no",
        "capacity_concern": "no",
        "intent_to_harm": "yes",
        "shared_without_consent": "yes",
        "romantic_relationship": "no",
        "attention_seeking": "no",
        "sent_to_others": "yes",
        "unusual_or_violent_content": "no",
        "immediate_risk_of_harm": "no",
        "depicts_sexual_acts": "no",
        "financial_extortion": "no",
    }
    fill(
        page,
        {
            "review-meeting_date": day(8),
            "review-meeting_time": "13:30",
            "review-attendees": "Priya Shah (DSL), Helen Okafor (headteacher)",
        }
        | {f"review-{name}": answer for name, answer in facts.items()},
    )
    page.locator('[name="review-imagery_origin"][value="made_or_altered"]').check()
    expect(page.locator("#assessment-panel")).to_contain_text("pseudo-photograph")
    panel = result_panel(page)
    assert "Consider harmful sexual behaviour" in panel and "Brook" in panel
    assert "Immediate referral to the MASH" in panel
    shots(page, "2026-nudified-initial-review")
    save(page)
    result = record.assessment_results.latest("computed_at")
    assert result.facts["ai_generated"] == "yes"
    assert (result.category, result.subtype, result.mash_referral) == (
        "aggravated",
        "youth_intent_to_harm",
        True,
    )

    page.goto(step_url(live_server, record, "assessment"))
    fill(page, {"assessment-choice": "confirm"})
    save(page)

    # Talking to Maya (with the adult she preferred) and containing it.
    page.goto(step_url(live_server, record, "interviews"))
    maya = record.young_people.get(name="Maya Osei")
    fill(
        page,
        item(
            "interviews",
            0,
            {
                "young_person": str(maya.pk),
                "held_at": moment(8, "14:00"),
                "spoke_with": "Ms Grant, her form tutor",
                "who": "preferred",
                "established": "Maya never made or sent an image.",
                "seen_or_shared": "The 8R group chat.",
            },
        )
        | {
            "containment-cp_member_on_hand": True,
            "containment-cp_member": "Tom Byrne (deputy DSL)",
            "containment-students_told": True,
            "containment-students_told_on": day(8),
            "containment-colleagues_briefed": "Year 8 tutors",
        },
    )
    save(page)

    page.goto(step_url(live_server, record, "decision"))
    save(page)

    page.goto(step_url(live_server, record, "check"))
    prompts = page.get_by_test_id("prompts").inner_text()
    assert "child-on-child abuse" in prompts
    shots(page, "2026-nudified-check")
    sign_from_check_answers(page, live_server, record, "oak-dsl")

    text = pdf_text(page, live_server, record)
    assert "How the imagery came about Made or altered with AI or editing tools" in text
    assert "Protection of Children Act 1978, s.7" in text
    assert "Consider harmful sexual behaviour" in text
    assert "9a. Talking to the young people and containment" in text
    assert "An adult the young person preferred" in text
    assert "The platform's own report" in text
    assert re.search(r"Students told not to view, send, share or save it Yes", text)
