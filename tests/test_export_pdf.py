"""The inspection record of one incident as PDF/A, and its export from the record."""

import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from incidents import keys
from incidents.audit import AuditAction, log_action
from incidents.digest import record_digest
from incidents.export import render_record_pdf, renderer
from incidents.export.pdf import (
    DRAFT_MARK,
    STATIC_DIR,
    ResourceRefused,
    StaticOnlyFetcher,
    access_summary,
)
from incidents.models import (
    AdviceAgency,
    AdviceSought,
    AuditEvent,
    ExportJob,
    Review,
    Role,
    Signature,
    SignatureKind,
    Status,
    ViewingGround,
)
from incidents.services import add_addendum
from tests.conftest import client_login, fresh_totp_code, new_incident, run_export, totp_device
from tests.factories import full_record

SECTIONS = [
    "1. Summary",
    "2. Chronology",
    "3. People involved",
    "4. Facts and the rules' result",
    "5. Decision and referrals",
    "6. Parents and carers",
    "7. Viewing the imagery and device searches",
    "8. Deletion",
    "9. Support and containment actions",
    "10. Review",
    "11. Signatures and addenda",
    "12. Access history",
]


def pages_of(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def flat(text: str) -> str:
    """Text with all whitespace removed: a digest or a long phrase may wrap across lines."""
    return re.sub(r"\s+", "", text)


def sign(incident, user, kind, role, meaning, **extra):
    return Signature.objects.create(
        incident=incident,
        kind=kind,
        signer=user,
        signer_name=user.get_full_name(),
        role=role,
        meaning=meaning,
        digest=record_digest(incident, keys.current_id()),
        digest_key_id=keys.current_id(),
        **extra,
    )


@pytest.fixture
def approved(world):
    incident = full_record(world.oak, world.oak_dsl, status=Status.APPROVED, viewing_complete=True)
    signed = sign(
        incident,
        world.oak_dsl,
        SignatureKind.SIGNED,
        Role.DSL,
        "I confirm this record is complete and accurate.",
    )
    approval = sign(
        incident,
        world.oak_head,
        SignatureKind.APPROVED,
        Role.HEADTEACHER,
        "I approve this record and the decisions in it.",
    )
    # Through the service: the addendum's signature covers the record with the addendum in it,
    # and the database refuses any later update of an addendum row.
    addendum = add_addendum(
        incident,
        world.oak_dsl,
        "The MASH confirmed no further action.",
        world.password,
        fresh_totp_code(totp_device(world.oak_dsl)),
    )
    addendum_signature = addendum.signature
    incident.test_signatures = (signed, approval, addendum_signature)
    return incident


def test_it_shows_every_section_signatures_and_digests(approved):
    filename, content_type, content = render_record_pdf(approved)
    assert filename == f"{approved.reference}-inspection-record.pdf"
    assert content_type == "application/pdf"
    text = "\n".join(pages_of(content))
    flat_text = flat(text)
    positions = [text.index(heading) for heading in SECTIONS]
    assert positions == sorted(positions), "the sections come in the order an inspector reads them"
    for signature in approved.test_signatures:
        assert signature.signer_name in text
        assert flat(signature.meaning) in flat(text)
        assert signature.digest in flat(text)
    assert "Headteacher" in text and "Designated Safeguarding Lead" in text
    assert flat("The MASH confirmed no further action.") in flat_text
    assert flat(
        "Intact: the record's content matches the keyed digest of its latest signature"
    ) in (flat_text)
    assert record_digest(approved, keys.current_id()) in flat_text
    # The rules' result with its reasons, the policy profile and its version.
    result = approved.decision.assessment
    assert flat(f"{result.policy}, version {result.policy_version}") in flat_text
    assert flat(result.reasons[0]) in flat_text
    # Decisions and referrals with times, who and reference numbers.
    assert "MASH-2026-1182" in text
    assert "Ms Patel, DSL" in text
    # The people, the parents, deletion, actions and the review.
    assert "Amelia Hart" in text and "Ben Cole" in text
    assert "Parent of Amelia Hart" in text
    assert flat("Weekly check-in with the pastoral lead.") in flat_text
    assert flat("Resolved in school; both pupils supported.") in flat_text
    assert DRAFT_MARK not in text


def test_it_marks_every_page_with_the_school_reference_marking_and_page_number(approved):
    _, _, content = render_record_pdf(approved)
    pages = pages_of(content)
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert "Oakfield Academy" in page
        assert approved.reference in page
        assert page.count("OFFICIAL-SENSITIVE") >= 2  # top and bottom of the page
        assert f"Page {number} of {len(pages)}" in page


def test_it_marks_a_record_not_yet_approved_as_a_draft_on_every_page(world):
    incident = full_record(world.oak, world.oak_dsl, status=Status.AWAITING_APPROVAL)
    _, _, content = render_record_pdf(incident)
    pages = pages_of(content)
    assert len(pages) >= 2
    for page in pages:
        assert DRAFT_MARK in page


def test_it_flags_a_safeguard_not_kept_with_its_explanation(world):
    incident = full_record(world.oak, world.oak_dsl, viewing_complete=False)
    # The factory's viewing was unavoidable; make it a deliberate one, with no second member
    # of staff present, and the DSL's explanation.
    incident.viewings.update(
        ground=ViewingGround.ONLY_WAY_TO_DECIDE,
        safeguards_explanation="No second member of staff was free that afternoon.",
    )
    text = flat("\n".join(pages_of(render_record_pdf(incident)[2])))
    assert flat("Not kept: a second member of staff present") in text
    assert flat("Kept: on school premises") in text
    assert flat("Why a safeguard could not be kept: No second member of staff was free") in text
    # The device search's condition, not met and explained (full_record's viewing_complete).
    assert flat("Not met: searched by someone of the same sex as the young person") in text
    assert flat("Met: a member of the safeguarding team present") in text
    assert flat("Why a condition could not be met: No male member of staff was in school") in text


def test_it_records_an_unavoidable_viewing_without_the_checklist(world):
    incident = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    text = flat("\n".join(pages_of(render_record_pdf(incident)[2])))
    assert flat("Imagery seen unavoidably") in text
    assert flat("How it came about The pupil held her phone up to show what was sent.") in text
    assert flat("Not copied, printed or shared Confirmed") in text
    assert flat("the deliberate-viewing checklist does not apply") in text
    assert flat("Not kept") not in text and flat("Not met") not in text


def test_it_flags_a_record_changed_since_it_was_signed(world):
    incident = full_record(world.oak, world.oak_dsl, status=Status.AWAITING_APPROVAL)
    sign(incident, world.oak_dsl, SignatureKind.SIGNED, Role.DSL, "I confirm this record.")
    Review.objects.filter(incident=incident).update(outcome="Changed after services.")
    text = "\n".join(pages_of(render_record_pdf(incident)[2]))
    assert "NOT intact" in text


def test_it_flags_overdue_deletions_and_actions(world):
    incident = full_record(world.oak, world.oak_dsl, deletion_overdue=True, action_overdue=True)
    text = "\n".join(pages_of(render_record_pdf(incident)[2]))
    assert "Not confirmed — overdue" in text
    assert "Not done — overdue" in text


def test_it_shows_the_access_history(world, client):
    incident = full_record(world.oak, world.oak_dsl)
    client_login(client, world.oak_head)
    for _ in range(3):
        client.get(reverse("incident_detail", args=[incident.reference]))
    text = "\n".join(pages_of(render_record_pdf(incident)[2]))
    history = text[text.index("12. Access history") :]
    # One line per person per day, in words (never the audit codes), with the count.
    today = timezone.localdate()
    assert (
        f"{today:%-d %b %Y} · {world.oak_head.get_full_name()} · 3 events: read the record (3)"
        in (history)
    )
    assert "opened the record (1)" in history
    assert "incident.viewed" not in history


def test_it_groups_thousands_of_access_events_into_a_few_lines(world):
    incident = full_record(world.oak, world.oak_dsl)
    for user in (world.oak_head, world.oak_dsl):
        for _ in range(300):
            log_action(AuditAction.VIEWED, user=user, incident=incident)
    summary = access_summary(incident)
    head = next(line for line in summary.people if world.oak_head.get_full_name() in line)
    assert head.startswith(f"{world.oak_head.get_full_name()} · 300 events, ")
    assert head.endswith(": read the record (300)")
    assert len(summary.lines) == 2
    assert summary.total == AuditEvent.objects.filter(incident=incident).count()


def test_it_prints_only_the_latest_lines_of_person_and_day(world):
    incident = full_record(world.oak, world.oak_dsl)
    start = timezone.now() - timedelta(days=40)
    for n in range(30):
        at = start + timedelta(days=n)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("incidents.audit.timezone.now", lambda at=at: at)
            log_action(AuditAction.VIEWED, user=world.oak_head, incident=incident)
    summary = access_summary(incident, days_printed=10)
    assert len(summary.lines) == 10
    assert summary.days_omitted == summary.days_total - 10 >= 20
    # Newest first: the lines printed are the latest days.
    assert summary.lines[0].startswith(f"{timezone.localdate():%-d %b %Y} · ")
    head = next(line for line in summary.people if world.oak_head.get_full_name() in line)
    assert " · 30 events, " in head


def test_it_renders_a_record_just_reported(world):
    incident = new_incident(world.oak, world.oak_staff)
    text = "\n".join(pages_of(render_record_pdf(incident)[2]))
    assert "The disclosure has not been recorded." in text
    assert "The rules have not yet been run on this record." in text
    assert DRAFT_MARK in text


def test_it_is_pdf_a_with_the_title_school_and_reference_in_its_metadata(approved):
    _, _, content = render_record_pdf(approved)
    reader = PdfReader(io.BytesIO(content))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp
    assert 'pdfaid:conformance="A"' in xmp
    assert f"Inspection record {approved.reference} — Oakfield Academy" in xmp
    info = reader.metadata
    assert info.title == f"Inspection record {approved.reference} — Oakfield Academy"
    assert info.author == "Oakfield Academy"
    assert approved.reference in info["/Keywords"]
    assert "/OutputIntents" in reader.trailer["/Root"]


def test_it_embeds_every_font_it_uses_from_the_noto_families(approved):
    _, _, content = render_record_pdf(approved)
    reader = PdfReader(io.BytesIO(content))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"]
            fonts[str(font["/BaseFont"])] = any(
                key in descriptor for key in ("/FontFile2", "/FontFile3")
            )
    assert fonts, "the record has text"
    assert all(name.split("+", 1)[1].startswith("Noto-Sans") for name in fonts), fonts
    assert all(fonts.values()), "every font is embedded"


def test_it_fetches_only_the_projects_own_fonts_and_stylesheets():
    fetcher = StaticOnlyFetcher()
    font = STATIC_DIR / "fonts" / "DejaVuSans.ttf"
    response = fetcher.fetch(font.as_uri())
    assert response.read()[:4] == b"\x00\x01\x00\x00"
    for url in (
        "https://example.org/font.ttf",
        "http://127.0.0.1/static/css/print.css",
        "data:text/css,body{}",
        "file:///etc/passwd",
        (STATIC_DIR / "css" / ".." / ".." / "manage.py").as_uri(),
        (STATIC_DIR / "vendor" / "bootstrap-5.3.8" / "bootstrap.min.css").as_uri(),
    ):
        with pytest.raises(ResourceRefused):
            fetcher.fetch(url)


def test_it_keeps_one_renderer_with_its_parsed_stylesheet():
    first = renderer()
    assert renderer() is first
    assert renderer().stylesheets is first.stylesheets
    assert renderer().font_config is first.font_config


def test_it_loads_the_record_in_the_same_number_of_queries_however_large(world):
    small = full_record(world.oak, world.oak_dsl, names=("Amelia Hart",), ages=(14,))
    large = full_record(
        world.oak,
        world.oak_dsl,
        names=("A One", "B Two", "C Three", "D Four"),
        ages=(13, 14, 15, 16),
    )
    # Advice sought is one more list of the record: the large one has three, the small one.
    # (A list with no rows costs no query at all: the record is read with a flag per list.)
    sought = [(small, AdviceAgency.MASH)] + [
        (large, agency)
        for agency in (AdviceAgency.MASH, AdviceAgency.POLICE_101, AdviceAgency.SOCIAL_CARE)
    ]
    for incident, agency in sought:
        AdviceSought.objects.create(
            incident=incident,
            agency=agency,
            sought_at=incident.disclosed_at + timedelta(hours=1),
            sought_by="Ms Patel, DSL",
            spoke_to="Duty officer",
            advice="Refer to the MASH.",
            school_response="Referred to the MASH.",
            created_by=world.oak_dsl,
            updated_by=world.oak_dsl,
        )
    counts = []
    for incident in (small, large):
        with CaptureQueriesContext(connection) as queries:
            render_record_pdf(incident)
        counts.append(len(queries))
    # The record (load_record), the access history and the digest's verification: a fixed set.
    # Advice sought costs two of them: loading it with the record, and the digest reading it.
    assert counts[0] == counts[1] <= 42  # since 2026: four more lists, five more tables hashed


# The export from the record page -------------------------------------------------------------


def export_url(incident) -> str:
    return reverse("incident_export_pdf", args=[incident.reference])


def test_it_sends_an_anonymous_visitor_to_sign_in(client, world):
    incident = full_record(world.oak, world.oak_dsl)
    response = client.post(export_url(incident))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("oak_staff", 403),
        ("oak_deputy", 403),  # a deputy reads only the incidents granted to them
        ("elm_dsl", 404),  # another school's record: no hint that it exists
        ("riv_dsl", 404),  # the same trust, another school
        ("sysadmin", 404),
    ],
)
def test_it_refuses_those_who_may_not_read_the_record(client, world, username, status):
    incident = full_record(world.oak, world.oak_dsl)
    client_login(client, getattr(world, username))
    response = client.post(export_url(incident))
    assert response.status_code == status
    assert not AuditEvent.objects.filter(action="incident.exported").exists()
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("username", ["oak_dsl", "oak_head", "trust_lead"])
def test_it_exports_the_record_to_its_readers_and_audits_it(
    client, world, username, django_capture_on_commit_callbacks
):
    incident = full_record(world.oak, world.oak_dsl)
    user = getattr(world, username)
    client_login(client, user)
    response = run_export(client, export_url(incident), {}, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{incident.reference}-inspection-record.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")
    event = AuditEvent.objects.get(action="incident.exported")
    assert event.user == user
    assert event.incident == incident
    assert event.data == {"format": "pdf"}
    assert "by " + user.get_full_name() in "\n".join(pages_of(response.content))


def test_it_offers_the_export_on_the_record_page(client, world):
    incident = full_record(world.oak, world.oak_dsl)
    client_login(client, world.oak_dsl)
    response = client.get(reverse("incident_detail", args=[incident.reference]))
    assert export_url(incident) in response.content.decode()
    assert "Export PDF" in response.content.decode()


def test_it_states_the_exporter_and_time_on_the_record(world):
    incident = full_record(world.oak, world.oak_dsl)
    before = timezone.localtime() - timedelta(minutes=1)
    text = "\n".join(pages_of(render_record_pdf(incident, exported_by=world.oak_head)[2]))
    assert f"by {world.oak_head.get_full_name()}" in text
    assert f"{before:%Y}" in text
