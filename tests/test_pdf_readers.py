"""The record's PDF for any name and any reader: every script and emoji printed, a tagged
PDF/A a screen reader can follow, the chronology in the order of the day, the safeguards met
and missing, and an access history that stays short however often the record was read."""

import io
import re
import subprocess
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from incidents.audit import AuditAction, log_action
from incidents.chronology import chronology
from incidents.export import render_record_pdf
from incidents.models import Disclosure, InitialReview, ViewingGround
from incidents.record import load_reference
from tests.conftest import client_login
from tests.factories import full_record

pytestmark = pytest.mark.django_db

WORDS = "😢 中文 Zoë Ólafsdóttir"


def poppler(tool: str, content: bytes, *args: str) -> str:
    done = subprocess.run(
        [tool, *args, "-", *(["-"] if tool == "pdftotext" else [])],
        input=content,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode()


def page_count(content: bytes) -> int:
    match = re.search(r"^Pages:\s+(\d+)$", poppler("pdfinfo", content), re.MULTILINE)
    assert match
    return int(match.group(1))


def structure_types(node, found: set[str]) -> set[str]:
    """Every structure type (/S) under a node of the structure tree."""
    node = node.get_object()
    if isinstance(node, list):
        for child in node:
            structure_types(child, found)
        return found
    if not hasattr(node, "get"):
        return found
    if "/S" in node:
        found.add(str(node["/S"]))
    if "/K" in node:
        structure_types(node["/K"], found)
    return found


def test_it_prints_every_script_and_emoji_of_a_childs_words(world):
    incident = full_record(world.oak, world.oak_dsl)
    Disclosure.objects.filter(incident=incident).update(account=f"She wrote: {WORDS}")
    content = render_record_pdf(incident)[2]
    assert WORDS in poppler("pdftotext", content)
    fonts = poppler("pdffonts", content)
    # Latin from Noto Sans, the Chinese from Noto Sans CJK, the emoji from Noto Color Emoji:
    # no character falls to an empty box.
    for family in ("Noto-Sans", "Noto-Sans-CJK", "Noto-Color-Emoji"):
        assert re.search(rf"\+{family}\b", fonts), family


def test_it_sets_digits_in_the_text_font_not_the_emoji_font(world):
    # Naming the emoji font in the stack made Pango set digits and spaces in it.
    content = render_record_pdf(full_record(world.oak, world.oak_dsl))[2]
    assert "Emoji" not in poppler("pdffonts", content)


def test_it_is_a_tagged_pdf_a_with_a_title_and_a_language(world):
    incident = full_record(world.oak, world.oak_dsl)
    content = render_record_pdf(incident)[2]
    info = poppler("pdfinfo", content)
    assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE)
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert root["/MarkInfo"]["/Marked"]
    assert reader.metadata.title == f"Inspection record {incident.reference} — Oakfield Academy"
    xmp = root["/Metadata"].get_object().get_data().decode()
    # PDF/A-3, level A: the archival format's accessible conformance.
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="A"' in xmp
    tags = structure_types(root["/StructTreeRoot"], set())
    assert {"/H1", "/H2", "/H3"} <= tags, tags
    assert {"/Table", "/TR", "/TH", "/TD"} <= tags, tags
    assert {"/L", "/LI", "/P"} <= tags, tags


def test_it_orders_the_chronology_by_time_of_day_within_a_date(world):
    now = timezone.now()
    disclosed_at = now - timedelta(days=2)
    # Decided the day after the disclosure, the day of the initial review meeting, recorded
    # before meetings had a time (known to the day only): the meeting's day-only line comes
    # after the decision's timed one.
    incident = full_record(
        world.oak,
        world.oak_dsl,
        incident_date=timezone.localdate(disclosed_at),
        disclosed_at=disclosed_at,
        decided_at=disclosed_at + timedelta(days=1),
    )
    InitialReview.objects.filter(incident=incident).update(meeting_time=None)
    entries = chronology(load_reference(incident.reference))
    labels = [entry.label for entry in entries]

    def at(start: str) -> int:
        return next(i for i, label in enumerate(labels) if label.startswith(start))

    meeting = entries[at("Initial review meeting")]
    decision = entries[at("Decision:")]
    assert meeting.date_only and meeting.at.date() == timezone.localtime(decision.at).date()
    assert at("Decision:") < at("Initial review meeting")
    # The day the incident happened opens its day, before the disclosure on that day.
    assert at("Incident happened") < at("Concern first disclosed")
    for before, after in zip(entries, entries[1:], strict=False):
        assert before.order <= after.order
        if not before.date_only and not after.date_only:
            assert before.at <= after.at
    # The PDF prints the same order.
    text = poppler("pdftotext", render_record_pdf(incident)[2])
    chronology_text = text[text.index("2. Chronology") : text.index("3. People involved")]
    assert chronology_text.index("Decision:") < chronology_text.index("Initial review meeting")


def test_it_prints_a_rules_result_once_while_its_outcome_stays(world):
    incident = load_reference(full_record(world.oak, world.oak_dsl, confirm_result=False).reference)
    text = re.sub(r"\s+", " ", poppler("pdftotext", render_record_pdf(incident)[2], "-raw"))
    chronology_text = text[text.index("2. Chronology") : text.index("3. People involved")]
    # Results are worked out at every save of the facts; the chronology shows each change of
    # outcome (Other, Romantic, Other again), never two alike one after the other.
    printed = re.findall(r"Rules' result worked out: ([^(]+)\(", chronology_text)
    assert [outcome.split(";")[0].strip() for outcome in printed] == [
        "Experimental, Other",
        "Experimental, Romantic",
        "Experimental, Other",
    ]
    assert incident.assessment_results.count() > len(printed)
    assert all(a != b for a, b in zip(printed, printed[1:], strict=False))


def test_it_shows_device_search_safeguards_met_and_missing(world, client):
    incident = full_record(world.oak, world.oak_dsl, viewing_complete=False)
    incident.viewings.update(ground=ViewingGround.ONLY_WAY_TO_DECIDE)
    text = re.sub(r"\s+", " ", poppler("pdftotext", render_record_pdf(incident)[2], "-raw"))
    assert "Met: a member of the safeguarding team present" in text
    assert "Met: searched by the headteacher or a person they authorised" in text
    assert "Not met: searched by someone of the same sex as the young person" in text
    assert "Kept: on school premises" in text
    client_login(client, world.oak_dsl)
    page = client.get(reverse("incident_detail", args=[incident.reference])).content.decode()
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    assert "Kept: a member of the safeguarding team present" in page
    assert "Not kept: searched by someone of the same sex as the young person" in page


def test_it_prints_a_record_read_200_times_in_under_a_page_per_40_events(world):
    incident = full_record(world.oak, world.oak_dsl)
    before = page_count(render_record_pdf(incident)[2])
    readers = [
        get_user_model().objects.create_user(f"reader-{n}", first_name="Reader", last_name=str(n))
        for n in range(10)
    ]
    start = timezone.now() - timedelta(days=300)
    # 200 reads by ten people over 200 days: 200 lines of person and day.
    for n in range(200):
        at = start + timedelta(days=n, minutes=n)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("incidents.audit.timezone.now", lambda at=at: at)
            log_action(AuditAction.VIEWED, user=readers[n % 10], incident=incident)
    content = render_record_pdf(incident)[2]
    assert page_count(content) - before < 200 / 40
    text = poppler("pdftotext", content)
    history = text[text.index("12. Access history") :]
    assert "Reader 3 · 20 events" in history
    assert "The latest 120 of" in history


def test_it_prints_the_same_pages_for_1000_reads_as_for_300(world):
    incident = full_record(world.oak, world.oak_dsl)
    reader = get_user_model().objects.create_user("reader", first_name="Rea", last_name="Der")
    start = timezone.now() - timedelta(days=400)
    pages = []
    for total in (300, 1000):
        for n in range(total - (300 if total == 1000 else 0)):
            at = start + timedelta(days=n % 390, minutes=n)
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr("incidents.audit.timezone.now", lambda at=at: at)
                log_action(AuditAction.VIEWED, user=reader, incident=incident)
        pages.append(page_count(render_record_pdf(incident)[2]))
    assert pages[0] == pages[1]
