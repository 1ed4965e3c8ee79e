"""The record page at /incidents/<reference>/."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat, timezone
from guardian.shortcuts import assign_perm

from incidents.models import (
    Action,
    ActionKind,
    Addendum,
    AuditEvent,
    Signature,
    SignatureKind,
    Status,
    ViewingGround,
    YoungPerson,
)
from incidents.record import load_reference
from tests.conftest import client_login
from tests.factories import full_record, reported_concern

pytestmark = pytest.mark.django_db


def url(incident):
    return reverse("incident_detail", args=[incident.reference])


@pytest.fixture
def record(world):
    return full_record(world.oak, world.oak_dsl, deletion_overdue=True, with_adult=True)


def test_it_sends_anonymous_visitors_to_log_in(client, record):
    response = client.get(url(record))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("oak_staff", 403),
        ("oak_deputy", 403),  # no grant on this incident
        ("oak_dsl", 200),
        ("oak_head", 200),
        ("trust_lead", 200),
        ("riv_dsl", 404),  # same trust, another school
        ("elm_dsl", 404),  # another trust
        ("sysadmin", 404),  # administers accounts, never reads records
    ],
)
def test_it_lets_in_only_the_schools_readers(client, world, record, who, status):
    client_login(client, getattr(world, who))
    assert client.get(url(record)).status_code == status


def test_it_lets_in_a_deputy_granted_the_incident(client, world, record):
    assign_perm("incidents.change_incident", world.oak_deputy, record)
    client_login(client, world.oak_deputy)
    response = client.get(url(record))
    assert response.status_code == 200
    assert response.context["may_edit"] is True


def test_it_answers_404_for_an_unknown_reference(client, world):
    client_login(client, world.oak_dsl)
    assert client.get("/incidents/OAK-1999-0001/").status_code == 404


def test_it_audits_every_view_and_forbids_caching(client, world, record):
    client_login(client, world.oak_head)
    response = client.get(url(record))
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.filter(action="incident.viewed").get()
    assert (event.incident_id, event.user_id) == (record.pk, world.oak_head.pk)


def test_it_shows_the_marking_and_the_summary(client, world, record):
    client_login(client, world.oak_dsl)
    body = client.get(url(record)).content.decode()
    assert "OFFICIAL-SENSITIVE" in body
    assert record.reference in body
    assert "Oakfield Academy" in body
    assert "Under review" in body
    assert "wolverhampton-2016 policy profile" in body
    assert "MASH-2026-1182" in body  # the referral's reference, in the summary


def test_it_shows_every_section_of_the_record(client, world, record):
    client_login(client, world.oak_dsl)
    body = client.get(url(record)).content.decode()
    for heading in [
        "Disclosure",
        "People involved",
        "Initial review meeting",
        "Risk assessment",
        "The rules' result",
        "Imagery and devices",
        "Decision and referrals",
        "Parents and carers",
        "Deletion, support and containment",
        "Review",
        "Chronology",
    ]:
        assert f">{heading}</h2>" in body, heading
    assert "She said she had sent a picture" in body
    assert "Unknown adult contact" in body
    assert "Why was the imagery shared?" in body
    assert "Parent of Amelia Hart informed" in body
    assert "Weekly check-in with the pastoral lead." in body
    assert "Year 10 needed a reminder" in body


def test_it_shows_ages_at_the_incident_date(client, world):
    record = full_record(world.oak, world.oak_dsl, ages=(12, 16))
    client_login(client, world.oak_dsl)
    people = client.get(url(record)).context["incident"].young_people.all()
    assert [p.age for p in people] == [12, 16]


def test_it_flags_a_safeguard_not_kept_with_its_explanation_and_overdue_deletions(
    client, world, record
):
    client_login(client, world.oak_dsl)
    body = client.get(url(record)).content.decode()
    # The device search's condition not met is flagged, with the DSL's explanation.
    assert (
        '<span class="flag-missing">Not kept:</span> searched by someone of the same sex as the '
        "young person" in body
    )
    assert (
        "<strong>Why a safeguard could not be kept:</strong> No male member of staff was in "
        "school to search it." in body
    )
    assert body.count("Not kept:") == 1
    # The viewing was unavoidable: what happened, without the deliberate-viewing checklist.
    assert "(an unavoidable viewing)" in body
    assert "The pupil held her phone up to show what was sent." in body
    assert "the deliberate-viewing checklist does not apply" in body
    assert body.count('overdue">Overdue</span>') == 2  # a deletion request per young person


def test_it_does_not_flag_a_deliberate_viewing_that_kept_every_safeguard(client, world):
    record = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    record.viewings.update(ground=ViewingGround.ONLY_WAY_TO_DECIDE, no_significant_distress=True)
    client_login(client, world.oak_dsl)
    body = client.get(url(record)).content.decode()
    assert "(a deliberate viewing)" in body
    assert "Not kept:" not in body
    assert "Why a safeguard could not be kept" not in body
    # The viewing's nine safeguards (the distress check since 2026) and the search's four
    # conditions, each shown kept.
    assert body.count('<span class="safeguard-kept">Kept:</span>') == 13
    assert '<span class="safeguard-kept">Kept:</span> a second member of staff present' in body


def test_it_shows_the_rules_reasons_and_the_dsls_confirmation(client, world, record):
    client_login(client, world.oak_dsl)
    body = client.get(url(record)).content.decode()
    assert "Wolak and Finkelhor" in body
    assert "Confirmed by Oak Dsl" in body


def test_it_shows_an_override_with_its_reason(client, world):
    record = full_record(
        world.oak,
        world.oak_dsl,
        override=(
            "aggravated",
            "youth_intent_to_harm",
            "Messages show the image was used to threaten her.",
        ),
    )
    client_login(client, world.oak_dsl)
    body = client.get(url(record)).content.decode()
    assert "Overridden by Oak Dsl" in body
    assert "Messages show the image was used to threaten her." in body
    assert "Youth only: intent to harm" in body


def test_it_flags_an_unconfirmed_result_and_a_missing_signoff(client, world):
    record = full_record(
        world.oak, world.oak_dsl, confirm_result=False, outcome="handled_in_school"
    )
    client_login(client, world.oak_dsl)
    body = client.get(url(record)).content.decode()
    assert "The DSL has not yet confirmed or overridden this result." in body
    # Nothing is referred to the police or children's social care: the reasons are shown, and
    # the headteacher's sign-off is awaited.
    assert '<tr class="requirement-unmet" data-requirement="not_referred">' in body
    assert "No adult, no coercion, no intent to harm" in body
    assert "The headteacher's sign-off of what is not referred is awaited." in body


def test_it_shows_signatures_and_addenda(client, world, record):
    signature = Signature.objects.create(
        incident=record,
        kind=SignatureKind.SIGNED,
        signer=world.oak_dsl,
        signer_name="Oak Dsl",
        role="dsl",
        meaning="I confirm this record is complete and accurate.",
        digest="b" * 64,
    )
    Addendum.objects.create(incident=record, text="Police closed the case.", author=world.oak_dsl)
    client_login(client, world.oak_dsl)
    body = client.get(url(record)).content.decode()
    assert "Signatures and addenda" in body
    assert signature.digest in body
    assert "Police closed the case." in body


def test_it_shows_an_empty_record_without_failing(client, world, incident):
    client_login(client, world.oak_dsl)
    response = client.get(url(incident))
    assert response.status_code == 200
    body = response.content.decode()
    assert "The disclosure has not been recorded." in body
    assert "The rules have not been run" in body
    assert "Signatures and addenda" not in body


def test_it_offers_to_continue_only_to_those_who_may_edit(client, world, record):
    client_login(client, world.oak_dsl)
    assert client.get(url(record)).context["may_edit"] is True
    client_login(client, world.oak_head)
    assert client.get(url(record)).context["may_edit"] is False
    client_login(client, world.trust_lead)
    client.post(reverse("choose_school"), {"school": world.oak.pk})
    assert client.get(url(record)).context["may_edit"] is False
    approved = full_record(world.oak, world.oak_dsl, status=Status.APPROVED)
    client_login(client, world.oak_dsl)
    assert client.get(url(approved)).context["may_edit"] is False


def test_it_runs_the_same_queries_however_large_the_record_and_the_school(
    client, world, django_assert_num_queries
):
    record = full_record(world.oak, world.oak_dsl)
    # The page shows one record: the school's other incidents are concerns just reported.
    for _index in range(4):
        reported_concern(world.oak, world.oak_staff)
    client_login(client, world.oak_dsl)
    client.get(url(record))
    with CaptureQueriesContext(connection) as small:
        assert client.get(url(record)).status_code == 200
    # Ten more young people, ten more actions and 45 more incidents in the school.
    for index in range(10):
        YoungPerson.objects.create(
            incident=record,
            name=f"Pupil {index}",
            age_if_no_date_of_birth=13,
            sex="not_known",
            known_to_social_care="unknown",
            created_by=world.oak_dsl,
            updated_by=world.oak_dsl,
        )
        Action.objects.create(
            incident=record,
            school=record.school,
            kind=ActionKind.PASTORAL,
            description="Check-in",
            owner="Pastoral lead",
            due_date=timezone.localdate(),
            created_by=world.oak_dsl,
            updated_by=world.oak_dsl,
        )
    for _index in range(45):
        reported_concern(world.oak, world.oak_staff)
    with django_assert_num_queries(len(small)):
        assert client.get(url(record)).status_code == 200


def test_the_partial_links_each_section_to_its_step_only_when_asked(world, record):
    incident = load_reference(record.reference)
    plain = render_to_string("incidents/_record_sections.html", {"incident": incident})
    assert ">Change<" not in plain
    with_links = render_to_string(
        "incidents/_record_sections.html", {"incident": incident, "change_links": True}
    )
    step = reverse("incident_step", args=[record.reference, "disclosure"])
    assert f'href="{step}"' in with_links
    assert with_links.count(">Change<") == 13  # every section but signatures (three added in 2026)


def test_it_offers_each_role_the_next_step_of_the_record(client, world):
    open_record = full_record(world.oak, world.oak_dsl, outcome="handled_in_school")
    signed = full_record(world.oak, world.oak_dsl, status=Status.AWAITING_APPROVAL)
    approved = full_record(world.oak, world.oak_dsl, status=Status.APPROVED)
    client_login(client, world.oak_dsl)
    body = client.get(url(open_record)).content.decode()
    assert f'href="{reverse("incident_wizard", args=[open_record.reference])}"' in body
    assert f'href="{reverse("incident_sign", args=[open_record.reference])}"' in body
    assert "Sign off the decision not to refer" not in body
    body = client.get(url(approved)).content.decode()
    assert "Continue the record" not in body
    assert f'href="{reverse("incident_addendum", args=[approved.reference])}"' in body
    client_login(client, world.oak_head)
    body = client.get(url(open_record)).content.decode()
    assert "Continue the record" not in body
    assert (
        f'href="{reverse("incident_non_referral_signoff", args=[open_record.reference])}"' in body
    )
    body = client.get(url(signed)).content.decode()
    assert f'href="{reverse("incident_approve", args=[signed.reference])}"' in body
    assert "Add an addendum" not in client.get(url(approved)).content.decode()


@pytest.mark.parametrize("reference", ["OAK-2026-0001", "RIV-2026-0042", "ELM-1999-9"])
def test_its_address_filter_matches_reversing_the_url(reference):
    from django.urls import reverse

    from incidents.templatetags.record_display import record_url

    assert record_url(reference) == reverse("incident_detail", kwargs={"reference": reference})


@pytest.mark.parametrize("reference", ["A B?d&é", "x%y", "OAK\x002026"])
def test_a_reference_that_cannot_be_one_has_no_address(reference):
    # References are letters, digits and hyphens (incidents/urls.py): anything else is a 404
    # before any view runs, and is never linked.
    from django.urls import NoReverseMatch, reverse

    with pytest.raises(NoReverseMatch):
        reverse("incident_detail", kwargs={"reference": reference})


def test_it_shows_the_result_the_decision_was_made_against(client, world):
    incident = full_record(world.oak, world.oak_dsl)
    decision = incident.decision
    result = decision.assessment
    client_login(client, world.oak_dsl)
    content = client.get(url(incident)).content.decode()

    def shown(moment):
        return dateformat.format(timezone.localtime(moment), "j M Y, H:i")

    assert "Made against" in content
    assert (
        f"the rules' result as it stood when the decision was made, {shown(decision.decided_at)}: "
        f"Experimental: Romantic ({result.policy} {result.policy_version})" in content
    )
    assert f"The facts behind it were recorded {shown(result.computed_at)}." in content


def test_it_takes_the_decisions_result_and_the_reporter_from_what_it_loaded(world):
    incident = full_record(world.oak, world.oak_dsl)
    record = load_reference(incident.reference)
    with CaptureQueriesContext(connection) as queries:
        assert record.decision.assessment in list(record.assessment_results.all())
        assert record.reported_by.pk == incident.reported_by_id
    assert len(queries) == 0
