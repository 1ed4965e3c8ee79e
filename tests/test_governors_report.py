"""The governors' report (issue 18): figures only, no child, small numbers suppressed."""

import io
import re
import subprocess
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from incidents import stats
from incidents.audit import AuditAction
from incidents.models import AuditEvent, Review, YoungPerson
from incidents.redaction import names_in
from tests.conftest import client_login
from tests.factories import full_record

pytestmark = pytest.mark.django_db

URL = "/reports/governors/"


def this_term():
    return stats.term_of(timezone.localdate()).key


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def records(world):
    # Disclosed in this term, however early in it today falls.
    now = timezone.now()
    start = timezone.make_aware(datetime.combine(stats.term_of(now.date()).start, time(0, 5)))
    when = min(now, max(now - timedelta(days=5), start))
    made = [
        full_record(world.oak, world.oak_dsl, names=names, disclosed_at=when, ages=ages)
        for names, ages in (
            (("Amelia Hart", "Ben Cole"), (14, 15)),
            (("Chloe Dunmore", "Darius Quill"), (14, 15)),
            (("Esme Farrowby",), (14,)),
        )
    ]
    Review.objects.filter(incident=made[0]).update(
        policies_to_update="Behaviour policy: confiscating a phone."
    )
    return made


def test_the_report_names_no_child_and_suppresses_small_numbers(client, world, records):
    client_login(client, world.oak_dsl)
    response = client.post(
        URL, {"term": this_term(), "summary": "A calm term; staff trained in October."}
    )
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "fewer than 5" in text
    assert "Behaviour policy: confiscating a phone." in text
    assert "A calm term; staff trained in October." in text
    names = list(
        YoungPerson.objects.filter(incident__school=world.oak).values_list("name", flat=True)
    )
    assert len(names) == 5
    flat = " ".join(text.split())
    for name in names:
        for part in name.split():
            assert not re.search(rf"\b{re.escape(part)}\b", flat, re.IGNORECASE), part
    for record in records:
        assert record.reference not in flat
    # Three incidents: every count is fewer than 5, none printed as a number.
    assert not re.search(r"Incidents first disclosed this term\s+3\b", flat)
    event = AuditEvent.objects.get(action=AuditAction.GOVERNORS_REPORT_EXPORTED)
    assert event.data["term"] == this_term() and "summary" not in event.data


def test_pdfinfo_says_it_is_tagged(client, world, records, tmp_path):
    client_login(client, world.oak_dsl)
    response = client.post(URL, {"term": this_term(), "summary": ""})
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert re.search(r"^Tagged:\s+yes$", info.stdout, re.MULTILINE)


def test_a_name_in_the_dsls_section_stops_the_export(client, world, records):
    client_login(client, world.oak_dsl)
    response = client.post(URL, {"term": this_term(), "summary": "We supported esme well."})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "Remove every young person&#x27;s name before exporting: Esme Farrowby" in body
    assert "We supported esme well." in body  # what was typed is kept
    event = AuditEvent.objects.get(action=AuditAction.GOVERNORS_REPORT_NAMES_FLAGGED)
    assert event.data == {"term": this_term(), "in_summary": 1, "items": 0}
    assert "Esme" not in str(event.data)


def test_a_name_in_the_policies_to_update_is_flagged_until_left_out(client, world, records):
    review = Review.objects.get(incident=records[1])
    Review.objects.filter(pk=review.pk).update(
        policies_to_update="Online safety: what Darius showed us about group chats."
    )
    client_login(client, world.oak_dsl)
    response = client.post(URL, {"term": this_term(), "summary": ""})
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert "These items name a young person" in body
    assert f"{records[1].reference}: Online safety" in body  # the DSL sees which one
    response = client.post(URL, {"term": this_term(), "summary": "", "omit": [str(review.pk)]})
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Darius" not in text and "Online safety" not in text
    assert "Behaviour policy" in text


@pytest.mark.parametrize("who", ["oak_deputy", "oak_staff", "trust_lead"])
def test_only_the_dsl_and_the_headteacher_write_it(client, world, who):
    client_login(client, getattr(world, who))
    if who == "trust_lead":
        client.post(reverse("choose_school"), {"school": world.oak.pk})
    assert client.get(URL).status_code == 403


def test_a_bad_term_is_explained_not_a_500(client, world):
    client_login(client, world.oak_head)
    response = client.post(URL, {"term": "1066-autumn", "summary": "x" * 3001})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Choose one of the terms listed." in body
    assert "Keep it to 3000 characters or fewer." in body


def test_names_are_found_whole_or_in_part():
    names = ["Amelia Hart", "Jo Li"]
    assert names_in("amelia did well", names) == ["Amelia Hart"]
    assert names_in("HART", names) == ["Amelia Hart"]
    assert names_in("Jo Li came", names) == ["Jo Li"]
    assert names_in("a heart and jolly", names) == []
