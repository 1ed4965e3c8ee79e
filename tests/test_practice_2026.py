"""The 2026 practice through the wizard's pages (issue 17): how the imagery came about and sexual
extortion on the initial review, the new parts of the record (talking to the young people,
containment, reporting online, inter-agency work), the check-answers prompts, the record, the
digest's format 3, the locking triggers and the pack's eight questions."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents import digest, requirements
from incidents.export.ofsted import questions
from incidents.export.pack import build_pack, render_inspection_pack_pdf
from incidents.models import (
    AgencyMeeting,
    AssessmentResult,
    Containment,
    ImageryViewing,
    Incident,
    InformationShared,
    InitialReview,
    Interview,
    OnlineReport,
    Signature,
    Status,
)
from incidents.record import load_reference
from tests import wizard_data as d
from tests.conftest import client_login
from tests.factories import full_record
from tests.test_inspection_pack import pdf_pages

TODAY = timezone.localdate()
EXTORTION_FACTS = dict.fromkeys(d.FACT_FIELDS, "no") | {
    "adult_involved": "unknown",
    "sent_to_others": "yes",
    "financial_extortion": "yes",
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


def with_people(client, incident, young=None):
    response = post(client, incident, "people", d.people_data(version(incident), young=young))
    assert response.status_code == 302, response.content.decode()[:2000]


def review(client, incident, facts, **over):
    return post(
        client, incident, "initial-review", d.initial_review_data(version(incident), facts, **over)
    )


def moment(days_ago: int) -> str:
    return f"{TODAY - timedelta(days=days_ago):%Y-%m-%d}T10:00"


# --- how the imagery came about, and sexual extortion ---


def test_it_derives_ai_generated_from_how_the_imagery_came_about(client, reported):
    with_people(client, reported)
    response = review(client, reported, d.EXPERIMENTAL_FACTS, imagery_origin="made_or_altered")
    assert response.status_code == 302, response.content.decode()[:3000]
    assert InitialReview.objects.get().imagery_origin == "made_or_altered"
    result = AssessmentResult.objects.filter(incident=reported).first()
    assert result.facts["ai_generated"] == "yes"
    assert any("Protection of Children Act 1978, s.7" in r for r in result.reasons)
    # The category is unchanged by it.
    assert (result.category, result.subtype) == ("experimental", "romantic")


def test_it_asks_how_the_imagery_came_about_once(client, reported):
    with_people(client, reported)
    page = client.get(d.step_url(reported, "initial-review")).content.decode()
    # One radio list of five answers (the fifth, since December 2026: shown live, no recording).
    assert page.count('name="review-imagery_origin"') == 5
    assert "review-ai_generated" not in page


def test_it_records_an_extortion_with_its_details_and_the_rules_require_the_police(
    client, reported
):
    with_people(client, reported, young=[d.young_person(age="15")])
    response = review(
        client,
        reported,
        EXTORTION_FACTS,
        extortion_demand="£300 in gift cards, or more images",
        extortion_paid="no",
        extortion_contact="Instagram, then Snapchat",
        told_not_to_pay="on",
        told_to_keep_messages="on",
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = InitialReview.objects.get()
    assert saved.financial_extortion == "yes" and saved.told_not_to_pay
    assert not saved.accounts_reported
    result = AssessmentResult.objects.filter(incident=reported).first()
    assert (result.category, result.subtype, result.police) == (
        "aggravated",
        "youth_intent_to_harm",
        "required",
    )
    assert result.seek_advice and "coercion_or_capacity" in result.mash_criteria
    prompts = [p.message for p in requirements.prompts(load_reference(reported.reference))]
    assert any("the accounts reported" in p for p in prompts)
    assert any("Report Remove" in p for p in prompts)


def test_it_asks_what_was_demanded_when_there_was_an_extortion(client, reported):
    with_people(client, reported)
    response = review(client, reported, EXTORTION_FACTS)
    assert response.status_code == 200
    assert "say what was demanded" in response.content.decode()
    assert not InitialReview.objects.exists()


def test_it_refuses_extortion_details_with_a_no(client, reported):
    with_people(client, reported)
    response = review(client, reported, d.EXPERIMENTAL_FACTS, extortion_demand="Money")
    assert response.status_code == 200
    page = response.content.decode()
    assert "extortion details are filled in" in page
    assert "Money" in page  # what was typed is kept


# --- the new parts of the record ---


def test_it_records_conversations_and_containment(client, reported):
    with_people(client, reported)
    person = reported.young_people.get()
    data = d.items(
        "interviews",
        [
            {
                "young_person": str(person.pk),
                "held_at": moment(1),
                "spoke_with": "Ms Patel, DSL",
                "who": "dsl",
                "established": "A picture said to show her top half; one classmate involved.",
                "seen_or_shared": "Two friends saw it on his phone.",
            }
        ],
    )
    data |= {
        "containment-cp_member_on_hand": "on",
        "containment-cp_member": "Mr Jones, deputy DSL",
        "containment-students_told": "on",
        "containment-students_told_on": f"{TODAY:%Y-%m-%d}",
        "containment-colleagues_briefed": "Form tutor and head of year",
        "version": str(version(reported)),
    }
    response = post(client, reported, "interviews", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Interview.objects.get().who == "dsl"
    assert Containment.objects.get().gaps() == []
    prompts = requirements.prompts(load_reference(reported.reference))
    assert not [p for p in prompts if p.step == "interviews"]


def test_it_asks_when_students_were_told(client, reported):
    with_people(client, reported)
    data = d.items("interviews", []) | {
        "containment-students_told": "on",
        "version": str(version(reported)),
    }
    response = post(client, reported, "interviews", data)
    assert response.status_code == 200
    assert "Say when the students were told." in response.content.decode()


def report_row(person, **over):
    row = {
        "service": "report_remove",
        "young_person": str(person.pk),
        "platform": "",
        "made_at": moment(1),
        "supported_by": "Ms Patel, DSL",
        "reference": "RR-123",
        "outcome": "removed",
        "outcome_note": "",
    }
    row.update(over)
    return row


def test_it_records_a_report_remove_supported_by_the_dsl(client, reported):
    with_people(client, reported)
    person = reported.young_people.get()
    data = d.items("online_reports", [report_row(person)]) | {"version": str(version(reported))}
    response = post(client, reported, "online-reports", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    report = OnlineReport.objects.get()
    assert (report.service, report.outcome, report.supported_by) == (
        "report_remove",
        "removed",
        "Ms Patel, DSL",
    )


def test_it_refuses_stopncii_for_a_child(client, reported):
    young = d.young_person(age="", date_of_birth=f"{TODAY.year - 14}-01-01")
    with_people(client, reported, young=[young])
    person = reported.young_people.get()
    data = d.items("online_reports", [report_row(person, service="stopncii")])
    response = post(client, reported, "online-reports", data | {"version": str(version(reported))})
    assert response.status_code == 200
    assert "StopNCII is for people 18 or over" in response.content.decode()


def test_it_records_meetings_and_information_shared(client, reported):
    with_people(client, reported)
    data = d.items(
        "meetings",
        [
            {
                "kind": "strategy",
                "held_on": f"{TODAY:%Y-%m-%d}",
                "attendees": "MASH social worker, police, DSL",
                "school_attended": "on",
                "contribution": "The chronology and the young person's views.",
            }
        ],
    ) | d.items(
        "information_shared",
        [
            {
                "shared_with": "MASH duty social worker",
                "what": "The disclosure and the chronology.",
                "shared_at": moment(1),
                "basis": "To safeguard a child, without consent.",
            }
        ],
    )
    response = post(client, reported, "inter-agency", data | {"version": str(version(reported))})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AgencyMeeting.objects.get().school_attended
    assert InformationShared.objects.get().shared_with == "MASH duty social worker"


def test_a_viewing_without_the_distress_check_is_flagged():
    viewing = ImageryViewing(ground="only_way", no_significant_distress=False)
    assert any("significant distress" in s for s in viewing.missing_safeguards())
    unavoidable = ImageryViewing(ground="unavoidable")
    assert unavoidable.missing_safeguards() == []


# --- prompts ---


def test_it_prompts_child_on_child_and_a_sender_under_10(client, reported):
    young = [
        d.young_person("Amelia Hart", age="9", is_sender="on", is_pictured=""),
        d.young_person("Ben Cole", age="13"),
    ]
    with_people(client, reported, young=young)
    prompts = requirements.prompts(load_reference(reported.reference))
    texts = " ".join(p.message for p in prompts)
    assert "child-on-child abuse" in texts and "Brook" in texts
    assert "below the age of criminal responsibility" in texts and "Amelia Hart" in texts
    page = client.get(d.step_url(reported, "check")).content.decode()
    assert "To consider" in page and "below the age of criminal responsibility" in page


# --- the record, its digest and its lock ---


def test_the_record_page_shows_the_new_parts(client, world):
    incident = full_record(world.oak, world.oak_dsl)
    person = incident.young_people.first()
    OnlineReport.objects.create(
        incident=incident,
        young_person=person,
        service="take_it_down",
        made_at=timezone.now(),
        supported_by="Ms Patel, DSL",
        outcome="submitted",
        created_by=world.oak_dsl,
        updated_by=world.oak_dsl,
    )
    client_login(client, world.oak_dsl)
    page = client.get(reverse("incident_detail", args=[incident.reference])).content.decode()
    assert "Reporting online" in page and "Take It Down (NCMEC, hash-based)" in page
    assert "Inter-agency meetings and information shared" in page
    assert "How the imagery came about" in page


def test_a_format_2_signature_still_verifies_after_the_new_parts_are_added(world):
    incident = full_record(world.oak, world.oak_dsl)
    before = digest.record_digest(incident, None, digest.FORMAT_2)
    latest = digest.record_digest(incident, None, digest.FORMAT)
    OnlineReport.objects.create(
        incident=incident,
        service="platform",
        platform="Snapchat",
        made_at=timezone.now(),
        supported_by="Ms Patel",
        created_by=world.oak_dsl,
        updated_by=world.oak_dsl,
    )
    assert digest.FORMAT in (digest.FORMAT_3, digest.FORMAT_4)
    assert digest.record_digest(incident, None, digest.FORMAT_2) == before
    assert digest.record_digest(incident, None, digest.FORMAT) != latest
    content = digest.content(incident)
    assert content["online_reports"][0]["platform"] == "Snapchat"
    assert content["containment"] is None and content["meetings"] == []


@pytest.mark.django_db(transaction=True)
def test_an_approved_record_refuses_a_new_online_report(world, is_postgres):
    if not is_postgres:
        pytest.fail("the locking triggers are PostgreSQL's")
    incident = full_record(world.oak, world.oak_dsl, status=Status.APPROVED)
    with pytest.raises(IntegrityError), transaction.atomic():
        AgencyMeeting.objects.create(
            incident=incident,
            kind="strategy",
            held_on=TODAY,
            attendees="x",
            contribution="y",
            created_by=world.oak_dsl,
            updated_by=world.oak_dsl,
        )


# --- the pack's eight questions ---


def questions_of(pack):
    return questions(pack.rows, pack.median_texts, pack.transfers)


def period():
    return TODAY - timedelta(days=60), TODAY


def test_the_pack_answers_the_eight_questions_with_their_figures(world):
    incident = full_record(
        world.oak, world.oak_dsl, disclosed_at=timezone.now() - timedelta(days=2)
    )
    for service, outcome in (("report_remove", "removed"), ("platform", "submitted")):
        OnlineReport.objects.create(
            incident=incident,
            service=service,
            platform="Snapchat",
            made_at=timezone.now(),
            supported_by="Ms Patel",
            outcome=outcome,
            created_by=world.oak_dsl,
            updated_by=world.oak_dsl,
        )
    AgencyMeeting.objects.create(
        incident=incident,
        kind="strategy",
        held_on=TODAY,
        attendees="MASH, police, DSL",
        school_attended=False,
        contribution="A written report.",
        created_by=world.oak_dsl,
        updated_by=world.oak_dsl,
    )
    found = questions_of(build_pack(world.oak, *period()))
    assert [q.number for q in found] == list(range(1, 9))
    assert found[6].title.startswith("Is there evidence of attendance at or contribution")
    figures = {f.label: f.value for q in found for f in q.figures}
    assert figures["Online reports for removal made"] == "2"
    assert figures["Online reports still awaiting an answer"] == "1"
    assert figures["Inter-agency meetings"] == "1"
    assert figures["Attended by the school"] == "0 of 1"
    assert figures["Contributed to without attending"] == "1"
    assert found[4].table[0][0] == "Reported through"
    assert all(f.source for q in found for f in q.figures)


def test_the_pack_pdf_has_a_section_per_question(world):
    full_record(world.oak, world.oak_dsl, disclosed_at=timezone.now() - timedelta(days=2))
    _name, _type, content = render_inspection_pack_pdf(build_pack(world.oak, *period()))
    text = " ".join(" ".join(pdf_pages(content)).split())
    for number in range(1, 9):
        assert f"Q{number}." in text
    assert "evidence of effective partnership working and sharing of information?" in text


def test_the_eight_questions_cost_no_query(world):
    full_record(world.oak, world.oak_dsl, disclosed_at=timezone.now() - timedelta(days=2))
    pack = build_pack(world.oak, *period())
    with CaptureQueriesContext(connection) as ctx:
        questions_of(pack)
    assert len(ctx.captured_queries) == 0


def test_a_signature_made_without_a_format_is_in_the_current_one():
    assert Signature._meta.get_field("content_format").default == digest.FORMAT
