"""Journeys through the concern form and the DSL's wizard in Chromium, with screenshots."""

import re
from pathlib import Path

import pytest
from django.utils import timezone

from incidents.models import Incident, Referral, Status
from tests import wizard_data as d
from tests.browser.a11y import assert_accessible
from tests.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/wizard")
MANAGEMENT = ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert_accessible(page, name)


def fill(page, data: dict) -> None:
    """Type ``data`` into the page's form as a person would, field by field."""
    for name, value in data.items():
        if name == "version" or name.endswith(MANAGEMENT):
            continue
        field = page.locator(f'[name="{name}"]').first
        # A blank "add" form may be folded away in a <details>: open it, as a person would.
        field.evaluate("e => { const d = e.closest('details'); if (d) { d.open = true; } }")
        kind = field.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if kind.endswith(":radio"):
            if value:
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


def save(page, button="Save and continue"):
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def on_step(page, step):
    page.wait_for_url(re.compile(rf"/steps/{step}/(\?add=1)?$"))


def passed_by(page, *steps):
    """Optional steps the journey has nothing for: each saved as it is, as a DSL moves on."""
    for step in steps:
        on_step(page, step)
        save(page)


def report_concern(page, live_server):
    login(page, live_server, "oak-staff")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Report a concern").click()
    assert page.locator('input[type="file"]').count() == 0
    shot(page, "00-concern-form")
    fill(page, d.concern_data())
    page.get_by_role("button", name="Send to the safeguarding team").click()
    page.wait_for_url(re.compile(r"/concerns/.+/receipt/$"))
    reference = page.get_by_test_id("concern-reference").inner_text()
    shot(page, "01-concern-receipt")
    page.get_by_role("button", name="Sign out").click()
    return Incident.objects.get(reference=reference)


def open_wizard(page, live_server, incident):
    login(page, live_server, "oak-dsl")
    page.goto(f"{live_server.url}/incidents/{incident.reference}/steps/")


def test_it_takes_an_experimental_incident_through_every_step(page, live_server, world):
    incident = report_concern(page, live_server)
    open_wizard(page, live_server, incident)

    # "Continue the record" starts with the DSL's check of the disclosure.
    on_step(page, "disclosure")
    fill(page, {"disclosure-platforms": "Snapchat", "disclosure-how_widely_shared": "The pair"})
    shot(page, "a02-disclosure")
    save(page)

    on_step(page, "people")
    fill(page, {f"young_people-0-{k}": v for k, v in d.young_person().items()})
    save(page, "Save and add another")
    on_step(page, "people")
    row = d.young_person(name="Ben Cole", age="15", sex="male", is_pictured="", is_sender="on")
    fill(page, {f"young_people-1-{k}": v for k, v in row.items()})
    shot(page, "a03-people")
    save(page)

    on_step(page, "initial-review")
    panel = page.get_by_test_id("assessment-panel")
    page.evaluate("window.notReloaded = true")
    page.locator('[name="review-adult_involved"][value="yes"]').check()
    # The panel follows the answers without a page load (htmx).
    page.get_by_text("Aggravated: Adult involved").wait_for()
    assert page.evaluate("window.notReloaded") is True
    shot(page, "a04-initial-review-live-aggravated")
    fill(page, {k: v for k, v in d.initial_review_data(0).items() if k.startswith("review-")})
    page.get_by_text("Experimental: Romantic").wait_for()
    assert "not saved yet" in panel.inner_text()
    shot(page, "a05-initial-review")
    save(page)

    on_step(page, "risk-assessment")
    fill(page, d.risk_data(0))
    shot(page, "a06-risk-assessment")
    save(page)

    on_step(page, "assessment")
    assert "Experimental: Romantic" in page.get_by_test_id("assessment-panel").inner_text()
    page.locator('[name="assessment-choice"][value="confirm"]').check()
    shot(page, "a07-assessment")
    save(page)

    passed_by(page, "interviews")  # optional, since 2026
    on_step(page, "imagery-devices")
    shot(page, "a08-imagery-devices")
    save(page)

    # No advice was sought: the optional step is passed by.
    on_step(page, "advice")
    save(page)

    on_step(page, "decision")
    fill(page, d.decision_data(0))
    shot(page, "a09-decision")
    save(page)

    passed_by(page, "online-reports", "inter-agency")  # optional, since 2026
    on_step(page, "parents")
    people = list(Incident.objects.get(pk=incident.pk).young_people.all())
    fill(page, d.parents_data(0, people))
    shot(page, "a10-parents")
    save(page)

    on_step(page, "follow-up")
    fill(page, {f"actions-0-{k}": v for k, v in d.action().items()})
    fill(page, {f"deletions-0-{k}": v for k, v in d.deletion(people[0]).items()})
    shot(page, "a11-follow-up")
    save(page)

    on_step(page, "review")
    fill(page, d.review_data(0))
    shot(page, "a12-review")
    save(page)

    on_step(page, "check")
    assert "Nothing is missing" in page.get_by_test_id("missing-items").inner_text()
    shot(page, "a13-check")
    incident.refresh_from_db()
    assert incident.status == Status.UNDER_REVIEW
    assert incident.decision.outcome == "handled_in_school"


def test_it_takes_an_aggravated_incident_with_an_adult_to_mash_and_police(page, live_server, world):
    incident = report_concern(page, live_server)
    open_wizard(page, live_server, incident)

    on_step(page, "disclosure")
    save(page)
    on_step(page, "people")
    fill(page, {f"young_people-0-{k}": v for k, v in d.young_person().items()})
    adult = {"name": "Man known as 'Jay'", "relationship": "Online contact", "involvement": "Asked"}
    fill(page, {f"adults-0-{k}": v for k, v in adult.items()})
    shot(page, "b03-people")
    save(page)

    on_step(page, "initial-review")
    facts = d.initial_review_data(0, d.AGGRAVATED_ADULT_FACTS)
    fill(page, {k: v for k, v in facts.items() if k.startswith("review-")})
    page.get_by_text("Aggravated: Adult involved").wait_for()
    shot(page, "b05-initial-review")
    save(page)

    on_step(page, "risk-assessment")
    fill(page, d.risk_data(0, rating="high"))
    save(page)

    on_step(page, "assessment")
    text = page.get_by_test_id("assessment-panel").inner_text()
    assert "Immediate referral to the MASH required" in text
    page.locator('[name="assessment-choice"][value="confirm"]').check()
    shot(page, "b07-assessment")
    save(page)

    passed_by(page, "interviews")  # optional, since 2026
    on_step(page, "imagery-devices")
    page.locator('[name="imagery-viewed"][value="yes"]').check()
    fill(page, {f"viewings-0-{k}": v for k, v in d.viewing().items()})
    fill(page, {f"devices-0-{k}": v for k, v in d.device(same_sex="").items()})
    save(page)
    # A condition of the search not met needs the DSL's explanation before it is saved.
    page.get_by_text(
        "Say why these conditions of the Evergreen policy could not be met"
    ).first.wait_for()
    explanation = "No male member of staff was in school; the DSL searched with the head."
    fill(page, {"devices-0-safeguards_explanation": explanation})
    save(page)
    on_step(page, "advice")
    page.get_by_role("link", name="Imagery and devices").click()
    # Then it is shown as not met, with the explanation, and does not stop the record.
    page.get_by_text(explanation).first.wait_for()
    shot(page, "b08-imagery-devices-flagged")
    page.get_by_role("link", name="Decision and referrals").click()

    on_step(page, "decision")
    why = page.get_by_test_id("requirements").inner_text()
    assert "An immediate referral to the MASH" in why
    # Not referring is refused without reasons, and the page says why.
    fill(page, d.decision_data(0, reasons=""))
    save(page)
    page.get_by_text("There is a problem").wait_for()
    shot(page, "b09-decision-refused")
    fill(page, {"decision-outcome": "referred", "decision-reasons": "An adult asked for it."})
    fill(page, {f"referrals-0-{k}": v for k, v in d.referral("mash").items()})
    save(page, "Save and add another")
    on_step(page, "decision")
    police = d.referral("police_101", reference_number="CAD-2291", contact_name="PC Shah")
    fill(page, {f"referrals-1-{k}": v for k, v in police.items()})
    shot(page, "b09-decision")
    save(page)

    passed_by(page, "online-reports", "inter-agency")  # optional, since 2026
    on_step(page, "parents")
    person = Incident.objects.get(pk=incident.pk).young_people.get()
    p = f"yp{person.pk}"
    fill(
        page,
        {
            f"{p}-informed": "no",
            f"{p}-reason_not_informed": "The police asked us not to tell the family yet.",
            f"{p}-decided_with": "police",
        },
    )
    shot(page, "b10-parents")
    save(page)

    on_step(page, "follow-up")
    assert page.get_by_test_id("agency-involved").is_visible()
    # The unavoidable viewing gave staff a support action already.
    assert page.locator('[name="actions-0-kind"]').input_value() == "staff_support"
    shot(page, "b11-follow-up")
    save(page)

    on_step(page, "review")
    fill(page, d.review_data(0))
    save(page)

    on_step(page, "check")
    assert "Nothing is missing" in page.get_by_test_id("missing-items").inner_text()
    shot(page, "b13-check")
    assert set(Referral.objects.values_list("agency", flat=True)) == {"mash", "police_101"}


def test_it_resumes_a_half_finished_record_after_signing_out(page, live_server, world):
    incident = report_concern(page, live_server)
    open_wizard(page, live_server, incident)
    on_step(page, "disclosure")
    save(page)
    on_step(page, "people")
    fill(page, {f"young_people-0-{k}": v for k, v in d.young_person().items()})
    save(page)
    on_step(page, "initial-review")
    page.get_by_role("button", name="Sign out").click()

    login(page, live_server, "oak-dsl")
    page.goto(f"{live_server.url}/incidents/{incident.reference}/steps/")
    on_step(page, "initial-review")
    progress = page.get_by_test_id("progress")
    assert progress.locator("li.done").count() == 2  # the disclosure and the people
    page.get_by_role("link", name="People involved").click()
    assert page.locator('[name="young_people-0-name"]').input_value() == "Amelia Hart"
    shot(page, "c01-resumed")


def test_it_shows_both_versions_when_two_colleagues_save_one_step(
    page, browser, live_server, world
):
    from incidents.models import Membership, Role
    from tests.conftest import make_user

    colleague = make_user("oak-second")
    Membership.objects.create(
        user=colleague, school=world.oak, role=Role.DSL, confirmed_at=timezone.now()
    )
    incident = report_concern(page, live_server)
    open_wizard(page, live_server, incident)
    on_step(page, "disclosure")

    other_context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    other = other_context.new_page()
    login(other, live_server, "oak-second")
    other.goto(page.url)
    other.locator('[name="disclosure-platforms"]').fill("Snapchat, as the colleague heard")
    other.get_by_role("button", name="Save and continue").click()
    on_step(other, "people")
    other_context.close()

    page.locator('[name="disclosure-platforms"]').fill("WhatsApp, as I heard it")
    save(page)
    conflict = page.get_by_test_id("conflict")
    assert "Snapchat, as the colleague heard" in conflict.inner_text()
    assert page.locator('[name="disclosure-platforms"]').input_value() == "WhatsApp, as I heard it"
    shot(page, "d01-conflict")
    save(page)
    on_step(page, "people")
    assert incident.__class__.objects.get(pk=incident.pk).disclosure.platforms.startswith(
        "WhatsApp"
    )
