"""The child's file: pupils picked from the roll, their history, transfer and subject access."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from incidents import childfile
from incidents.access import GRANT_CODENAME
from incidents.audit import AuditAction, verify_chain
from incidents.models import (
    Adult,
    AuditEvent,
    ClosureDay,
    Incident,
    Pupil,
    ReceivedFile,
    Term,
    Transfer,
    YoungPerson,
)
from tests.conftest import client_login, new_incident
from tests.factories import full_record
from tests.test_import_pupils import upn


def make_pupil(school, n=1, *, born=date(2012, 3, 4), surname="Hart", forename="Amelia"):
    return Pupil.objects.create(
        school=school,
        upn=upn(n),
        legal_surname=surname,
        legal_forename=forename,
        date_of_birth=born,
        sex="F",
        year_group="9",
        sen_status="K",
    )


def link(incident, name, pupil):
    YoungPerson.objects.filter(incident=incident, name=name).update(pupil=pupil)


def login(client, user):
    return client_login(client, user)


@pytest.fixture
def amelia(world):
    return make_pupil(world.oak)


@pytest.fixture
def two_incidents(world, amelia):
    first = full_record(
        world.oak, world.oak_dsl, incident_date=timezone.localdate() - timedelta(days=60)
    )
    second = full_record(
        world.oak,
        world.oak_dsl,
        incident_date=timezone.localdate() - timedelta(days=20),
        names=("Amelia Hart", "Chloe Dunn"),
    )
    link(first, "Amelia Hart", amelia)
    link(second, "Amelia Hart", amelia)
    return first, second


# Picked from the roll in the people step ----------------------------------------------------


def test_it_finds_a_pupil_by_post_and_never_puts_the_name_in_a_url(client, world, amelia):
    incident = new_incident(world.oak, world.oak_staff)
    login(client, world.oak_dsl)
    url = reverse("incident_roll_search", kwargs={"reference": incident.reference})
    assert client.get(url).status_code == 405
    response = client.post(url, {"q": "hart"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Amelia Hart" in response.text
    assert "hart" not in url.lower()
    assert "<html" not in response.text  # the fragment htmx swaps in
    full = client.post(url, {"q": "amel"})
    assert "Amelia Hart" in full.text and "<html" in full.text


def test_a_picked_pupil_carries_the_link_and_the_details_of_the_roll(client, world, amelia):
    incident = new_incident(world.oak, world.oak_staff, incident_date=date(2026, 10, 1))
    login(client, world.oak_dsl)
    response = client.post(
        reverse("incident_pick_pupil", kwargs={"reference": incident.reference}),
        {"pupil": amelia.pk, "version": incident.version},
    )
    assert response.status_code == 302
    person = YoungPerson.objects.get(incident=incident)
    assert person.pupil == amelia
    assert person.name == "Amelia Hart"
    assert person.date_of_birth == amelia.date_of_birth
    assert person.age == 14  # at the incident date, from the date of birth
    assert person.sex == "female" and person.vulnerability == "From the roll: SEN support"
    assert AuditEvent.objects.filter(
        action=AuditAction.STEP_SAVED, incident=incident, data__step="people"
    ).exists()
    # Twice is refused.
    incident.refresh_from_db()
    client.post(
        reverse("incident_pick_pupil", kwargs={"reference": incident.reference}),
        {"pupil": amelia.pk, "version": incident.version},
    )
    assert YoungPerson.objects.filter(incident=incident).count() == 1


def test_a_pupil_of_18_at_the_incident_is_recorded_among_the_adults(client, world):
    older = make_pupil(world.oak, 2, born=date(2008, 9, 1), forename="Sam", surname="Old")
    incident = new_incident(world.oak, world.oak_staff, incident_date=date(2026, 10, 1))
    login(client, world.oak_dsl)
    client.post(
        reverse("incident_pick_pupil", kwargs={"reference": incident.reference}),
        {"pupil": older.pk, "version": incident.version},
    )
    assert not YoungPerson.objects.filter(incident=incident).exists()
    assert Adult.objects.get(incident=incident).pupil == older


def test_another_schools_pupil_cannot_be_picked(client, world):
    elm_pupil = make_pupil(world.elm, 3)
    incident = new_incident(world.oak, world.oak_staff)
    login(client, world.oak_dsl)
    client.post(
        reverse("incident_pick_pupil", kwargs={"reference": incident.reference}),
        {"pupil": elm_pupil.pk, "version": incident.version},
    )
    assert not YoungPerson.objects.filter(incident=incident).exists()
    found = client.post(
        reverse("incident_roll_search", kwargs={"reference": incident.reference}),
        {"q": "hart"},
        HTTP_HX_REQUEST="true",
    )
    assert "Amelia" not in found.text


# The child's file ------------------------------------------------------------------------------


def test_the_file_lists_every_incident_with_the_part_and_audits_each_read(
    client, world, amelia, two_incidents
):
    first, second = two_incidents
    login(client, world.oak_dsl)
    response = client.get(reverse("pupil_file", kwargs={"pupil": amelia.pk}))
    assert response.status_code == 200
    assert first.reference in response.text and second.reference in response.text
    assert "pictured" in response.text or "sender" in response.text
    reads = AuditEvent.objects.filter(action=AuditAction.VIEWED, data__via="pupil_file")
    assert set(reads.values_list("incident", flat=True)) == {first.pk, second.pk}
    assert verify_chain().intact


def test_the_file_shows_a_deputy_only_the_incidents_granted(client, world, amelia, two_incidents):
    first, second = two_incidents
    login(client, world.oak_deputy)
    response = client.get(reverse("pupil_file", kwargs={"pupil": amelia.pk}))
    assert response.status_code == 200
    assert first.reference not in response.text and second.reference not in response.text
    assign_perm(GRANT_CODENAME, world.oak_deputy, second)
    response = client.get(reverse("pupil_file", kwargs={"pupil": amelia.pk}))
    assert first.reference not in response.text and second.reference in response.text


def test_the_file_is_404_outside_the_school_and_403_to_staff(client, world, amelia):
    url = reverse("pupil_file", kwargs={"pupil": amelia.pk})
    login(client, world.elm_dsl)
    assert client.get(url).status_code == 404
    login(client, world.oak_staff)
    assert client.get(url).status_code == 403


def test_the_risk_assessment_shows_the_earlier_incidents(client, world, amelia, two_incidents):
    first, second = two_incidents
    login(client, world.oak_dsl)
    response = client.get(
        reverse("incident_step", kwargs={"reference": second.reference, "step": "risk-assessment"})
    )
    assert response.status_code == 200
    assert "Taken part before?" in response.text
    assert first.reference in response.text
    earlier = childfile.earlier_incidents(
        Incident.objects.prefetch_related("young_people").get(pk=first.pk)
    )
    assert earlier == [("Amelia Hart", [])]


# School days ------------------------------------------------------------------------------------


def test_school_days_skip_weekends_and_closure_days_inside_a_term(world):
    Term.objects.create(
        school=world.oak, name="Autumn", starts_on=date(2026, 9, 2), ends_on=date(2026, 12, 18)
    )
    Term.objects.create(
        school=world.oak, name="Spring", starts_on=date(2027, 1, 5), ends_on=date(2027, 3, 26)
    )
    ClosureDay.objects.create(school=world.oak, date=date(2026, 11, 13), reason="INSET")
    # Confirmed Wednesday 11 Nov: Thu 12, (Fri 13 closed), Mon 16, Tue 17, Wed 18, Thu 19.
    deadline = childfile.transfer_deadline(world.oak, date(2026, 11, 11))
    assert deadline == childfile.Deadline(date(2026, 11, 19), False)
    # Confirmed Tuesday 15 Dec: three school days left in the term, so the 5th of the next
    # term (Tue 5, Wed 6, Thu 7, Fri 8, Mon 11 January).
    deadline = childfile.transfer_deadline(world.oak, date(2026, 12, 15))
    assert deadline == childfile.Deadline(date(2027, 1, 11), True)
    # In the holiday: the same.
    assert childfile.transfer_deadline(world.oak, date(2026, 12, 28)).due_on == date(2027, 1, 11)


def test_without_term_dates_monday_to_friday_count(world):
    deadline = childfile.transfer_deadline(world.riv, date(2026, 11, 11))
    assert deadline.due_on == date(2026, 11, 18)
    assert "No term dates" in deadline.caveat


# Transfer to a school on this service -------------------------------------------------------------


def test_a_transfer_on_this_service_is_a_redacted_snapshot_the_receiver_confirms(
    client, world, amelia, two_incidents
):
    first, second = two_incidents
    login(client, world.oak_dsl)
    confirmed = timezone.localdate() - timedelta(days=30)
    response = client.post(
        reverse("pupil_transfer", kwargs={"pupil": amelia.pk}),
        {"destination_school": world.elm.pk, "place_confirmed_on": confirmed.isoformat()},
    )
    assert response.status_code == 302, response.text
    transfer = Transfer.objects.get()
    assert transfer.destination_school == world.elm and transfer.due_on < timezone.localdate()
    # Overdue on the sending school's dashboard.
    home = client.get(reverse("home"))
    assert "Overdue" in home.text and "File of Amelia Hart" in home.text
    # Sent: a snapshot owned by Elm.
    client.post(reverse("transfer_send", kwargs={"transfer": transfer.pk}), {"send": "1"})
    received = ReceivedFile.objects.get()
    assert received.school == world.elm
    text = str(received.content)
    assert "Chloe Dunn" not in text and "Ben Cole" not in text
    assert "another young person" in text and "Amelia Hart" in text
    assert {i["reference"] for i in received.content} == {first.reference, second.reference}
    # The receiving DSL: listed, read, confirmed in one click; the sender's records stay 404.
    login(client, world.elm_dsl)
    assert "Amelia Hart" in client.get(reverse("received_list")).text
    page = client.get(reverse("received_file", kwargs={"received": received.pk}))
    assert page.status_code == 200 and "Confirm receipt" in page.text
    assert client.get(reverse("incident_detail", args=[first.reference])).status_code == 404
    assert client.get(reverse("pupil_file", kwargs={"pupil": amelia.pk})).status_code == 404
    client.post(reverse("received_file", kwargs={"received": received.pk}), {"confirm": "1"})
    transfer.refresh_from_db()
    assert transfer.receipt_confirmed_by == world.elm_dsl and transfer.receipt_confirmed_at
    # Done on the sender's dashboard and in the child's file.
    login(client, world.oak_dsl)
    home = client.get(reverse("home"))
    assert "Done" in home.text and "receipt confirmed" in home.text
    assert "Receipt confirmed" in client.get(reverse("pupil_file", args=[amelia.pk])).text
    # The sending school cannot read the receiver's copy.
    assert client.get(reverse("received_file", args=[received.pk])).status_code == 404


def test_a_transfer_elsewhere_is_exported_sent_and_its_receipt_recorded(
    client, world, amelia, two_incidents
):
    login(client, world.oak_dsl)
    client.post(
        reverse("pupil_transfer", kwargs={"pupil": amelia.pk}),
        {"destination_name": "St Other's", "place_confirmed_on": timezone.localdate().isoformat()},
    )
    transfer = Transfer.objects.get()
    pdf = client.get(reverse("transfer_export_pdf", kwargs={"transfer": transfer.pk}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action=AuditAction.TRANSFER_EXPORTED).exists()
    # Sent without saying how: refused.
    client.post(reverse("transfer_send", kwargs={"transfer": transfer.pk}), {"send": "1"})
    transfer.refresh_from_db()
    assert transfer.sent_at is None
    client.post(
        reverse("transfer_send", kwargs={"transfer": transfer.pk}),
        {"send": "1", "sent_how": "By hand", "sent_to": "Mr Bell, DSL"},
    )
    client.post(
        reverse("transfer_receipt", kwargs={"transfer": transfer.pk}),
        {"receipt_note": "Mr Bell signed for it"},
    )
    transfer.refresh_from_db()
    assert transfer.sent_to == "Mr Bell, DSL" and transfer.receipt_note == "Mr Bell signed for it"
    assert not ReceivedFile.objects.exists()


def test_a_second_open_transfer_is_refused(client, world, amelia):
    login(client, world.oak_dsl)
    url = reverse("pupil_transfer", kwargs={"pupil": amelia.pk})
    data = {"destination_name": "A", "place_confirmed_on": timezone.localdate().isoformat()}
    client.post(url, data)
    client.post(url, data)
    assert Transfer.objects.count() == 1


def test_only_the_dsl_transfers(client, world, amelia):
    login(client, world.oak_head)
    response = client.post(
        reverse("pupil_transfer", kwargs={"pupil": amelia.pk}),
        {"destination_name": "A", "place_confirmed_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 403
    assert not Transfer.objects.exists()


# Subject access ----------------------------------------------------------------------------------


def test_subject_access_is_a_pdf_for_the_dsl_audited(client, world, amelia, two_incidents):
    login(client, world.oak_dsl)
    response = client.get(reverse("pupil_subject_access_pdf", kwargs={"pupil": amelia.pk}))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action=AuditAction.SUBJECT_ACCESS_EXPORTED)
    assert event.data == {"pupil": amelia.pk} and event.school == world.oak


def test_the_snapshot_redacts_other_children_in_free_text(world, amelia, two_incidents):
    _, second = two_incidents
    Incident.objects.filter(pk=second.pk)
    entries = list(YoungPerson.objects.filter(pupil=amelia).select_related("incident"))
    other = YoungPerson.objects.get(incident=second, name="Chloe Dunn")
    from incidents.models import Disclosure

    Disclosure.objects.filter(incident=second).update(account="Chloe said Dunn had sent it.")
    content = childfile.snapshot(amelia, entries)
    account = next(i for i in content if i["reference"] == second.reference)["disclosure"]
    assert "Chloe" not in account["account"] and "Dunn" not in account["account"]
    assert other.name not in str(content)


def child_file_objects(world, record):
    """For the permission matrix: an Oakfield pupil in ``record``, their file sent to Elm High
    (a transfer out of Oakfield, and Elm's copy, not yet confirmed)."""
    pupil = make_pupil(world.oak, 9)
    first = YoungPerson.objects.filter(incident=record).order_by("pk").first()
    YoungPerson.objects.filter(pk=first.pk).update(pupil=pupil)
    transfer = Transfer.objects.create(
        pupil=pupil,
        school=world.oak,
        destination_school=world.elm,
        destination_name=world.elm.name,
        place_confirmed_on=timezone.localdate(),
        due_on=timezone.localdate() + timedelta(days=7),
        created_by=world.oak_dsl,
        sent_at=timezone.now(),
        sent_by=world.oak_dsl,
    )
    received = ReceivedFile.objects.create(
        transfer=transfer,
        school=world.elm,
        from_school_name=world.oak.name,
        pupil_name=pupil.name,
        upn=pupil.upn,
        date_of_birth=pupil.date_of_birth,
        content=childfile.snapshot(pupil, [first]),
    )
    return {"pupil": pupil.pk, "transfer": transfer.pk, "received": received.pk}


# Both sides' records in the chronology and the pack ----------------------------------------------


def sent_and_confirmed(world, amelia, confirmed_on):
    transfer = Transfer.objects.create(
        pupil=amelia,
        school=world.oak,
        destination_school=world.elm,
        destination_name=world.elm.name,
        place_confirmed_on=confirmed_on,
        due_on=confirmed_on + timedelta(days=7),
        created_by=world.oak_dsl,
        sent_at=timezone.now(),
        sent_by=world.oak_dsl,
        sent_how="On this service (a redacted copy)",
        sent_to=world.elm.name,
        receipt_confirmed_at=timezone.now(),
        receipt_confirmed_by=world.elm_dsl,
    )
    return transfer


def test_the_chronology_shows_the_transfer_sent_and_its_receipt(
    client, world, amelia, two_incidents
):
    first, _ = two_incidents
    sent_and_confirmed(world, amelia, timezone.localdate())
    login(client, world.oak_dsl)
    page = client.get(reverse("incident_detail", args=[first.reference])).text
    assert "Amelia Hart&#x27;s file sent to Elm High" in page
    assert "Elm High confirmed receipt of Amelia Hart&#x27;s file" in page


def test_the_pack_counts_the_transfers(world, amelia):
    from incidents.export.pack import build_pack

    today = timezone.localdate()
    sent_and_confirmed(world, amelia, today - timedelta(days=3))
    Transfer.objects.create(
        pupil=make_pupil(world.oak, 4, forename="Dan"),
        school=world.oak,
        destination_name="St Other's",
        place_confirmed_on=today - timedelta(days=20),
        due_on=today - timedelta(days=13),
        created_by=world.oak_dsl,
    )
    pack = build_pack(world.oak, today - timedelta(days=60), today)
    assert pack.transfers == {
        "leaving": 2,
        "sent": 1,
        "sent_on_time": 1,
        "receipt_confirmed": 1,
        "overdue": 1,
    }


# The DSL enters the term dates ----------------------------------------------------------------


def test_the_dsl_enters_term_dates_and_closure_days(client, world):
    login(client, world.oak_dsl)
    url = reverse("school_calendar")
    response = client.post(
        url,
        {
            "save": "1",
            "terms": "Autumn 2026,2026-09-02,2026-12-18\nSpring 2027,05/01/2027,2027-03-26\n",
            "closures": "2026-11-13,Training day\n",
        },
    )
    assert response.status_code == 302
    assert list(Term.objects.filter(school=world.oak).values_list("name", flat=True)) == [
        "Autumn 2026",
        "Spring 2027",
    ]
    assert ClosureDay.objects.get(school=world.oak).reason == "Training day"
    assert childfile.transfer_deadline(world.oak, date(2026, 11, 11)).due_on == date(2026, 11, 19)
    assert AuditEvent.objects.filter(action=AuditAction.CALENDAR_SAVED).exists()
    assert "Autumn 2026,2026-09-02,2026-12-18" in client.get(url).text


def test_bad_term_lines_are_refused_by_line_and_keep_what_was_typed(client, world):
    login(client, world.oak_dsl)
    response = client.post(
        reverse("school_calendar"),
        {
            "save": "1",
            "terms": "Autumn,2026-09-02,2026-12-18\nOops,2026-12-01,2027-01-10\nBad,2027-13-01",
            "closures": "",
        },
    )
    assert response.status_code == 200
    assert "Oops overlaps Autumn" in response.text and "line 3" in response.text
    assert "Oops,2026-12-01,2027-01-10" in response.text
    assert not Term.objects.exists()
