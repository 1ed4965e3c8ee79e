"""Questions that fit what happened, and state the DSL can see (issue 14, items 6 and 8)."""

import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from incidents import chronology, digest, record, requirements, services
from incidents.export import render_record_pdf
from incidents.models import (
    Disclosure,
    Incident,
    InitialReview,
    Membership,
    RiskAssessment,
    Role,
    Status,
)
from incidents.record import risk_answer, risk_rows
from tests import wizard_data as d
from tests.conftest import client_login, make_user
from tests.factories import full_record


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


def reviewed(client, incident, **over):
    post(client, incident, "disclosure", d.disclosure_data(version(incident)))
    post(client, incident, "people", d.people_data(version(incident)))
    return post(
        client, incident, "initial-review", d.initial_review_data(version(incident), **over)
    )


# Short labels, the clause as a hint ------------------------------------------------------------


def test_it_asks_each_initial_review_question_briefly_with_the_clause_as_its_hint(client, reported):
    post(client, reported, "disclosure", d.disclosure_data(version(reported)))
    post(client, reported, "people", d.people_data(version(reported)))
    html = client.get(d.step_url(reported, "initial-review")).content.decode()
    legend = re.search(
        r'aria-describedby="id_review-adult_involved_helptext">\s*<legend[^>]*>\s*([^<]*)', html
    )
    assert legend is not None
    assert legend.group(1).strip() == (
        "Does the incident involve, or possibly involve, an adult (18 or over)?"
    )
    hint = re.search(r'<div id="id_review-adult_involved_helptext"[^>]*>([^<]*)</div>', html)
    assert hint is not None and "Wolverhampton, Initial review meeting" in hint.group(1)
    # No label carries a quotation any more: each is a question of a few words.
    for legend_text in re.findall(r"<legend[^>]*>\s*([^<*]*)", html):
        assert len(legend_text.split()) <= 20, legend_text


# The risk assessment: one answer per question, each with a note --------------------------------


def test_it_asks_yes_no_questions_of_the_risk_assessment_as_choices(client, reported):
    reviewed(client, reported)
    html = client.get(d.step_url(reported, "risk-assessment")).content.decode()
    assert 'type="radio" class="form-check-input"  name="risk-coerced" value="unknown"' in html
    assert '<textarea name="risk-why_shared"' in html
    assert html.count("Note on this answer (optional)") == 10
    assert 'aria-describedby="id_risk-why_shared_helptext"' in html


def test_it_saves_one_answer_and_a_note_per_question(client, reported):
    reviewed(client, reported)
    response = post(
        client,
        reported,
        "risk-assessment",
        d.risk_data(
            version(reported), coerced="yes", coerced_note="Pressed for a week by messages."
        ),
    )
    assert response.status_code == 302
    risk = RiskAssessment.objects.get()
    assert (risk.coerced, risk.coerced_note) == ("yes", "Pressed for a week by messages.")
    rows = {q: (a, n) for q, a, n in risk_rows(risk)}
    assert rows["Was the young person coerced or put under pressure to produce the imagery?"] == (
        "Yes",
        "Pressed for a week by messages.",
    )


def test_it_refuses_a_missing_choice_with_a_message_next_to_it(client, reported):
    reviewed(client, reported)
    data = d.risk_data(version(reported))
    data.pop("risk-understands_consent")
    response = post(client, reported, "risk-assessment", data)
    assert response.status_code == 200
    html = response.content.decode()
    beside = html.index('id="error_1_id_risk-understands_consent"')
    assert "Answer yes, no or not known." in html[beside : beside + 300]
    assert not RiskAssessment.objects.exists()


def test_it_refuses_an_answer_that_is_not_a_choice(client, reported):
    reviewed(client, reported)
    response = post(
        client, reported, "risk-assessment", d.risk_data(version(reported), coerced="maybe")
    )
    assert response.status_code == 200
    assert not RiskAssessment.objects.exists()


def test_an_answer_written_in_words_before_is_shown_as_written_and_kept_in_the_note(
    client, world, reported
):
    reviewed(client, reported)
    post(client, reported, "risk-assessment", d.risk_data(version(reported)))
    RiskAssessment.objects.filter(incident=reported).update(
        coerced="No: both say they wanted to, separately.", coerced_note=""
    )
    risk = RiskAssessment.objects.get()
    assert risk_answer("coerced", risk.coerced) == "No: both say they wanted to, separately."
    assert risk_answer("coerced", "no") == "No"
    assert risk_answer("why_shared", "no") == "no"  # a question that needs words: as written
    page = client.get(reverse("incident_detail", args=[reported.reference])).content.decode()
    assert "No: both say they wanted to, separately." in page
    step = client.get(d.step_url(reported, "risk-assessment")).content.decode()
    assert "Your earlier answer, in words, is kept in the note below" in step
    assert re.search(
        r'<textarea name="risk-coerced_note"[^>]*>\s*No: both say they wanted to', step
    )


# The disclosure -------------------------------------------------------------------------------


def test_the_child_may_disclose_that_their_image_was_shared_by_someone_else(client, reported):
    html = client.get(d.step_url(reported, "disclosure")).content.decode()
    assert "An image of them was shared by someone else" in html
    response = post(
        client,
        reported,
        "disclosure",
        d.disclosure_data(version(reported), child_action="shared_by_other"),
    )
    assert response.status_code == 302
    assert Disclosure.objects.get().child_action == "shared_by_other"
    post(client, reported, "people", d.people_data(version(reported)))
    # What follows, by the policies: ask whether it was with their knowing, willing
    # participation (without it the incident is aggravated), and not "sent to nobody".
    refused = post(
        client,
        reported,
        "initial-review",
        d.initial_review_data(version(reported), sent_to_others="no"),
    )
    assert refused.status_code == 200
    assert "shared by someone else: answer yes or not known" in refused.content.decode()
    post(client, reported, "initial-review", d.initial_review_data(version(reported)))
    incident = Incident.objects.get()
    prompts = [p.message for p in requirements.prompts(incident)]
    assert any("an image of them was shared by someone else" in p for p in prompts)


def test_it_keeps_several_places_where_the_imagery_is_now(client, reported):
    data = d.disclosure_data(version(reported))
    data["disclosure-imagery_location"] = ["personal_device", "online"]
    response = post(client, reported, "disclosure", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    disclosure = Disclosure.objects.get()
    assert disclosure.locations == ["personal_device", "online"]
    page = client.get(reverse("incident_detail", args=[reported.reference])).content.decode()
    assert "On someone else&#x27;s personal device" in page
    assert "On a website, app or social network" in page
    step = client.get(d.step_url(reported, "disclosure")).content.decode()
    assert re.search(r'value="personal_device"[^>]*checked', step)
    assert re.search(r'value="online"[^>]*checked', step)
    assert not re.search(r'value="school_device"[^>]*checked', step)


def test_an_old_single_place_still_reads(reported):
    Disclosure.objects.filter(incident=reported).update(imagery_location="school_device")
    disclosure = Disclosure.objects.get()
    assert disclosure.locations == ["school_device"]
    assert disclosure.get_imagery_location_display() == "On a school device or network"


def test_not_known_is_chosen_alone(client, reported):
    data = d.disclosure_data(version(reported))
    data["disclosure-imagery_location"] = ["not_known", "online"]
    response = post(client, reported, "disclosure", data)
    assert response.status_code == 200
    assert "cannot be chosen with a place" in response.content.decode()


def test_a_place_must_be_chosen(client, reported):
    data = d.disclosure_data(version(reported))
    data.pop("disclosure-imagery_location")
    response = post(client, reported, "disclosure", data)
    assert response.status_code == 200
    assert "Choose where the imagery is now" in response.content.decode()


# A live exposure with no known recording -------------------------------------------------------


def test_a_live_exposure_with_no_recording_is_recorded_with_nothing_to_report_for_removal(
    client, reported
):
    data = d.disclosure_data(version(reported), imagery_location="live_no_recording")
    assert post(client, reported, "disclosure", data).status_code == 302
    post(client, reported, "people", d.people_data(version(reported)))
    refused = post(
        client,
        reported,
        "initial-review",
        d.initial_review_data(
            version(reported), imagery_origin="live_no_recording", sent_to_others="no"
        ),
    )
    assert "shown live on a webcam or video call" in refused.content.decode()
    saved = post(
        client,
        reported,
        "initial-review",
        d.initial_review_data(version(reported), imagery_origin="live_no_recording"),
    )
    assert saved.status_code == 302
    incident = Incident.objects.get()
    review = InitialReview.objects.get()
    assert review.ai_generated == "no"
    # Still an incident with the rules' result; nothing hosted to report, nothing to delete.
    assert incident.assessment_results.exists()
    asked = requirements.of(incident)
    codes = {item.code for item in asked}  # nothing hosted: no report to the hosting site
    assert requirements.HOSTING_SITE not in codes
    prompts = [p.message for p in requirements.prompts(incident)]
    assert any("there is no image to delete" in p for p in prompts)


# The meeting's time ---------------------------------------------------------------------------


def test_it_records_the_time_of_the_initial_review_meeting(client, reported):
    response = reviewed(client, reported)
    assert response.status_code == 302
    review = InitialReview.objects.get()
    assert review.meeting_time is not None and f"{review.meeting_time:%H:%M}" == "10:15"
    page = client.get(reverse("incident_detail", args=[reported.reference])).content.decode()
    assert re.search(r'data-testid="meeting-when">[^<]*, 10:15', page)


def test_it_asks_for_the_time_of_the_meeting(client, reported):
    response = reviewed(client, reported, meeting_time="")
    assert response.status_code == 200
    assert "Enter the time the meeting began" in response.content.decode()


def test_the_meeting_cannot_begin_before_the_disclosure(client, reported):
    day = d.TODAY - timedelta(days=3)  # the disclosure's day, at 09:30
    response = reviewed(client, reported, meeting_date=f"{day:%Y-%m-%d}", meeting_time="09:00")
    assert response.status_code == 200
    assert "The meeting cannot begin before the disclosure" in response.content.decode()


def test_the_chronology_places_a_timed_meeting_before_a_later_decision_that_day(world):
    incident = full_record(world.oak, world.oak_dsl)
    review = incident.initial_review
    decision = incident.decision
    met = decision.decided_at - timedelta(hours=2)
    InitialReview.objects.filter(pk=review.pk).update(
        meeting_date=timezone.localdate(met), meeting_time=timezone.localtime(met).time()
    )
    loaded = record.load(record.incidents().get(pk=incident.pk))
    labels = [entry.label for entry in chronology.chronology(loaded)]
    meeting = labels.index("Initial review meeting")
    decided = next(i for i, label in enumerate(labels) if label.startswith("Decision"))
    assert meeting < decided


def test_a_date_only_meeting_stays_valid_and_its_digest_format_3_still_verifies(world):
    incident = full_record(world.oak, world.oak_dsl)
    InitialReview.objects.filter(incident=incident).update(meeting_time=None)
    before = digest.record_digest(incident, None, digest.FORMAT_3)
    InitialReview.objects.filter(incident=incident).update(meeting_time="11:00")
    assert digest.record_digest(incident, None, digest.FORMAT_3) == before
    assert digest.FORMAT == digest.FORMAT_4
    assert digest.content(incident)["initial_review"]["meeting_time"] == "11:00:00"


# Sent back: the reason at the top --------------------------------------------------------------


@pytest.fixture
def sent_back(world):
    incident = full_record(world.oak, world.oak_dsl, status=Status.AWAITING_APPROVAL)
    services.send_back(incident, world.oak_head, "The parents' contact has no time: add it.")
    return Incident.objects.get(pk=incident.pk)


def test_a_sent_back_record_shows_the_reason_at_the_top(client, world, sent_back):
    client_login(client, world.oak_dsl)
    page = client.get(reverse("incident_detail", args=[sent_back.reference])).content.decode()
    top = page.index('data-testid="sent-back"')
    assert top < page.index('id="section-disclosure"')
    assert "The parents&#x27; contact has no time: add it." in page[top : top + 800]


def test_check_answers_shows_the_reason_at_the_top(client, world, sent_back):
    client_login(client, world.oak_dsl)
    page = client.get(d.step_url(sent_back, "check")).content.decode()
    top = page.index('data-testid="sent-back"')
    assert top < page.index('data-testid="missing-items"')
    assert "The parents&#x27; contact has no time: add it." in page


def test_the_dashboard_shows_why_a_record_was_sent_back(client, world, sent_back):
    client_login(client, world.oak_dsl)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="sent-back-reason"' in page
    assert "The parents&#x27; contact has no time: add it." in page


def test_a_record_signed_again_no_longer_shows_the_reason(client, world):
    incident = full_record(world.oak, world.oak_dsl, status=Status.UNDER_REVIEW)
    client_login(client, world.oak_dsl)
    page = client.get(reverse("incident_detail", args=[incident.reference])).content.decode()
    assert 'data-testid="sent-back"' not in page


# The concern form ---------------------------------------------------------------------------


def test_the_concern_form_carries_the_marking(client, world):
    client_login(client, world.oak_staff)
    page = client.get(reverse("report_concern")).content.decode()
    assert 'class="protective-marking"' in page and "OFFICIAL-SENSITIVE" in page
    assert "you will not see the record afterwards" in page


def test_a_dsl_who_reports_a_concern_is_taken_to_the_record(client, world):
    client_login(client, world.oak_dsl)
    page = client.get(reverse("report_concern")).content.decode()
    assert "You will not see the record" not in page and "be taken to the record" in page
    response = client.post(reverse("report_concern"), d.concern_data())
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("incident_detail", args=[incident.reference])
    followed = client.get(response["Location"]).content.decode()
    assert f"Concern reported as {incident.reference}" in followed


def test_staff_who_report_a_concern_still_get_the_receipt(client, world):
    client_login(client, world.oak_staff)
    response = client.post(reverse("report_concern"), d.concern_data())
    incident = Incident.objects.get()
    assert response["Location"] == reverse("concern_receipt", args=[incident.reference])


# The record's PDF -----------------------------------------------------------------------------


def test_the_pdf_shows_every_place_the_meeting_time_and_the_choice_answers(world):
    incident = full_record(world.oak, world.oak_dsl)
    Disclosure.objects.filter(incident=incident).update(
        imagery_location="personal_device,online", child_action="shared_by_other"
    )
    InitialReview.objects.filter(incident=incident).update(meeting_time="08:45")
    _name, _type, content = render_record_pdf(incident)
    text = " ".join(
        " ".join((page.extract_text() or "").split())
        for page in PdfReader(io.BytesIO(content)).pages
    )
    assert "On someone else's personal device; On a website, app or social network" in text, text[
        :3000
    ]
    assert "An image of them was shared by someone else" in text
    assert re.search(r"Initial review meeting, \d+ \w+ \d{4}, 08:45", text)
    assert "Was the young person coerced or put under pressure to produce the imagery? No" in text


def test_a_colleagues_save_of_several_places_is_shown_beside_yours(client, world, reported):
    colleague = make_user("oak-second")
    Membership.objects.create(
        user=colleague, school=world.oak, role=Role.DSL, confirmed_at=timezone.now()
    )
    other = Client()
    client_login(other, colleague)
    opened_at = version(reported)
    theirs = d.disclosure_data(opened_at)
    theirs["disclosure-imagery_location"] = ["personal_device", "online"]
    assert post(other, reported, "disclosure", theirs).status_code == 302
    stale = post(client, reported, "disclosure", d.disclosure_data(opened_at))
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "On someone else&#x27;s personal device; On a website, app or social network" in html
