"""Report a concern: any member of the school; the DSL team alerted; a receipt for the reporter."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from incidents.models import AuditEvent, Disclosure, Incident, Status
from tests.conftest import client_login
from tests.wizard_data import concern_data

URL = reverse("report_concern")


@pytest.fixture
def team_emails(world):
    for user in (world.oak_dsl, world.oak_deputy, world.oak_staff, world.riv_dsl):
        user.email = f"{user.username}@example.org"
        user.save()
    return world


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_shows_the_form_without_any_file_field(client, world):
    client_login(client, world.oak_staff)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="file"' not in html
    assert "multipart" not in html
    assert "Never view, copy, forward" in html
    # Most concerns are written straight after being told: the time starts at now.
    assert f'value="{timezone.localtime():%d/%m/%Y} ' in html


def test_it_creates_a_reported_incident_and_alerts_the_dsl_team(
    client, team_emails, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://records.example.org"
    world = team_emails
    client_login(client, world.oak_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, concern_data(), follow=False)
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("concern_receipt", args=[incident.reference])
    assert incident.status == Status.REPORTED
    assert incident.school == world.oak
    assert incident.reported_by == world.oak_staff
    disclosure = Disclosure.objects.get(incident=incident)
    assert disclosure.created_by == world.oak_staff
    assert disclosure.account.startswith("She said")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["oak-deputy@example.org", "oak-dsl@example.org"]
    assert incident.reference in message.subject
    assert f"https://records.example.org/incidents/{incident.reference}/" in message.body
    # Never the content or a name: only the reference and the link.
    assert "She said" not in message.body
    assert "boy" not in message.body
    assert "Sam Teacher" not in message.body
    assert AuditEvent.objects.filter(incident=incident, action="incident.alert_sent").exists()


def test_it_shows_the_receipt_to_its_reporter_only(client, world):
    client_login(client, world.oak_staff)
    client.post(URL, concern_data())
    incident = Incident.objects.get()
    receipt = reverse("concern_receipt", args=[incident.reference])
    response = client.get(receipt)
    assert response.status_code == 200
    assert incident.reference in response.content.decode()
    assert "What happens next" in response.content.decode()
    assert "She said" not in response.content.decode()
    for other in (world.oak_dsl, world.oak_head, world.elm_dsl):
        client_login(client, other)
        assert client.get(receipt).status_code == 404


def test_it_does_not_let_the_reporter_open_the_record(client, world):
    client_login(client, world.oak_staff)
    client.post(URL, concern_data())
    incident = Incident.objects.get()
    assert client.get(reverse("incident_detail", args=[incident.reference])).status_code in (
        403,
        404,
    )
    assert client.get(
        reverse("incident_step", args=[incident.reference, "disclosure"])
    ).status_code in (403, 404)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"account": ""}, "account", "Enter what the child (or the person disclosing) said."),
        ({"disclosed_by": "aliens"}, "disclosed_by", "Choose one of the options listed."),
        ({"incident_date": "2999-01-01"}, "incident_date", "cannot be in the future"),
        ({"incident_date": "31/02/2026"}, "incident_date", "Enter a real date"),
        (
            {"disclosed_at": "1980-01-01T10:00", "incident_date": "1981-01-01"},
            "incident_date",
            "check the year",
        ),
        ({"needs_immediate_support": "yes"}, "immediate_support_notes", "support or protection"),
    ],
)
def test_it_rejects_bad_input_and_keeps_what_was_typed(client, world, change, field, message):
    client_login(client, world.oak_staff)
    response = client.post(URL, concern_data(**change))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'id="error-summary"' in html
    assert "She said a boy in her year" in html or change.get("account") == ""
    assert Incident.objects.count() == 0


def test_it_rejects_a_disclosure_before_the_incident(client, world):
    client_login(client, world.oak_staff)
    response = client.post(
        URL, concern_data(incident_date="2026-03-10", disclosed_at="2026-03-01T10:00")
    )
    assert response.status_code == 200
    assert "The disclosure cannot be before the incident" in response.content.decode()
    assert Incident.objects.count() == 0


def test_it_refuses_a_file_sent_with_the_form(client, world):
    client_login(client, world.oak_staff)
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = concern_data()
    data["imagery"] = SimpleUploadedFile("pic.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    response = client.post(URL, data)
    # Whatever layer refuses it, no record is made from a request carrying a file... or, if the
    # security layer has not refused it, the file is never stored anywhere: there is no field.
    assert response.status_code in (302, 400, 413)
    assert not any("pic.jpg" in str(v) for d in Disclosure.objects.values() for v in d.values())


def test_it_sends_a_user_without_a_school_away(client, world):
    from incidents.models import User

    nobody = User.objects.create_user("nobody", password=world.password)
    client_login(client, nobody)
    response = client.get(URL)
    assert response.status_code == 302


def test_it_keeps_the_report_when_the_mail_server_fails(
    client, team_emails, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.test_concern.BrokenBackend"
    client_login(client, team_emails.oak_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, concern_data())
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert AuditEvent.objects.filter(incident=incident, action="incident.alert_failed").exists()


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")
