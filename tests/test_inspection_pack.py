"""The school's inspection pack."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from incidents.audit import AuditAction, log_action
from incidents.export.pack import (
    CSV_COLUMNS,
    _cell,
    build_pack,
    duration_text,
    render_inspection_pack_csv,
    render_inspection_pack_pdf,
    render_inspection_pack_xlsx,
)
from incidents.middleware import SESSION_KEY
from incidents.models import AuditEvent, DecisionOutcome, InitialReview, Review
from tests.conftest import client_login, run_export
from tests.factories import full_record

URL = reverse("inspection_pack")


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def period():
    today = timezone.localdate()
    return today - timedelta(days=30), today


@pytest.fixture
def records(world):
    """Three OAK incidents with known times, one outside the period, one of another school."""
    now = timezone.now()
    referred = full_record(
        world.oak,
        world.oak_dsl,
        disclosed_at=now - timedelta(hours=3),
        decided_at=now - timedelta(hours=1),
    )
    # The DSL's first save in the wizard, now, is the DSL review (before the next day's meeting).
    log_action(
        AuditAction.STEP_SAVED, user=world.oak_dsl, incident=referred, data={"step": "disclosure"}
    )
    handled = full_record(
        world.oak,
        world.oak_dsl,
        disclosed_at=now - timedelta(days=6),
        decided_at=now - timedelta(days=6) + timedelta(hours=10),
        outcome=DecisionOutcome.HANDLED_IN_SCHOOL,
        action_overdue=True,
    )
    unsigned = full_record(
        world.oak,
        world.oak_dsl,
        disclosed_at=now - timedelta(days=10),
        decided_at=now - timedelta(days=10) + timedelta(hours=30),
        outcome=DecisionOutcome.HANDLED_IN_SCHOOL,
        deletion_overdue=True,
    )
    old = full_record(
        world.oak,
        world.oak_dsl,
        incident_date=timezone.localdate() - timedelta(days=400),
        disclosed_at=now - timedelta(days=399),
    )
    elsewhere = full_record(world.elm, world.elm_dsl, disclosed_at=now - timedelta(days=2))
    return {
        "referred": referred,
        "handled": handled,
        "unsigned": unsigned,
        "old": old,
        "elsewhere": elsewhere,
    }


def test_it_has_a_row_per_incident_of_the_school_in_the_period(world, records):
    pack = build_pack(world.oak, *period())
    references = [row.reference for row in pack.rows]
    assert references == [
        records["unsigned"].reference,
        records["handled"].reference,
        records["referred"].reference,
    ]


def test_it_times_review_decision_and_referral_from_the_disclosure(world, records):
    # A meeting known to the day only (recorded before its time was asked) counts at the end of
    # its day: the first wizard save comes first.
    InitialReview.objects.filter(incident=records["referred"]).update(meeting_time=None)
    pack = build_pack(world.oak, *period())
    rows = {row.reference: row for row in pack.rows}
    referred = rows[records["referred"].reference]
    # Reviewed at the first wizard save, moments after the fixture built it.
    assert timedelta(hours=3) <= referred.to_review < timedelta(hours=3, minutes=5)
    assert not referred.review_is_meeting
    assert referred.to_decision == timedelta(hours=2)
    assert referred.to_referral == timedelta(hours=2, minutes=20)  # the MASH referral
    handled = rows[records["handled"].reference]
    assert handled.review_is_meeting  # no wizard save: the initial review meeting the next day
    assert handled.to_decision == timedelta(hours=10)
    assert handled.to_referral is None  # a report to the hosting site is not a referral
    medians = pack.medians
    assert medians["to_decision"] == timedelta(hours=10)
    assert medians["to_referral"] == timedelta(hours=2, minutes=20)


def test_it_times_the_review_from_a_meeting_at_the_time_it_began(world, records):
    incident = records["referred"]
    began = timezone.localtime(incident.disclosed_at + timedelta(hours=1))
    InitialReview.objects.filter(incident=incident).update(
        meeting_date=began.date(), meeting_time=began.time()
    )
    rows = {row.reference: row for row in build_pack(world.oak, *period()).rows}
    row = rows[incident.reference]
    assert row.review_is_meeting and row.to_review == timedelta(hours=1)


def test_it_shows_sign_off_completeness_follow_up_and_outstanding_actions(world, records):
    # The unsigned record lacks its review: something the DSL must add before signing.
    Review.objects.filter(incident=records["unsigned"]).delete()
    pack = build_pack(world.oak, *period())
    rows = {row.reference: row for row in pack.rows}
    referred = rows[records["referred"].reference]
    handled = rows[records["handled"].reference]
    unsigned = rows[records["unsigned"].reference]
    assert referred.non_referral_signed_off is None
    assert handled.non_referral_signed_off is False
    assert referred.agencies == ["MASH / children's social care referral"]
    assert (referred.referrals, referred.referrals_with_reference) == (1, 1)
    assert referred.referrals_with_outcome == 1
    assert handled.actions_overdue == 1 and not handled.up_to_date
    assert unsigned.deletions_overdue == 2 and not unsigned.up_to_date
    # Each full_record's device search has a condition not met, with the DSL's explanation:
    # flagged on the record, not missing from it. The referred record lacks nothing.
    assert referred.missing == [] and referred.complete
    # Not referring waits for the headteacher's sign-off: not complete until it is given.
    assert handled.missing == ["Headteacher's sign-off"] and not handled.complete
    # What the DSL must still add is named by its wizard step (its message may name a child).
    assert unsigned.missing == ["Headteacher's sign-off", "Review"]
    # What the rules required and what was done, without naming a child.
    assert referred.required_done == [
        "A referral to the police (at the school's discretion): not done, reasons written"
    ]
    assert handled.required_done == [
        "A referral to the police (at the school's discretion): not done, reasons written",
        "Not referring to the police or children's social care (needs reasons and the head's "
        "sign-off): reasons written",
    ]
    assert (referred.unmet, handled.unmet, handled.advice_sought) == (1, 2, 0)
    totals = pack.totals
    assert totals["incidents"] == 3
    assert totals["complete"] == 1
    assert totals["non_referrals"] == 2 and totals["non_referrals_signed_off"] == 0
    assert dict(pack.by_category) == {"Experimental: Romantic": 3}


def test_it_renders_the_pack_as_pdf_with_every_page_marked(world, records):
    pack = build_pack(world.oak, *period())
    filename, content_type, content = render_inspection_pack_pdf(pack)
    assert content_type == "application/pdf"
    assert filename.startswith("oakfield-inspection-pack-") and filename.endswith(".pdf")
    pages = pdf_pages(content)
    text = "\n".join(pages)
    for heading in (
        "1. Summary",
        "Median time from disclosure",
        "Incidents by category",
        "2. Decision-making and referrals",
        "3. Are records complete and up to date?",
        "4. Follow-up with agencies",
        "5. Outstanding actions",
    ):
        assert heading in text
    for key in ("referred", "handled", "unsigned"):
        assert records[key].reference in text
    assert records["old"].reference not in text
    assert records["elsewhere"].reference not in text
    for number, page in enumerate(pages, start=1):
        assert "Oakfield Academy" in page
        assert "OFFICIAL-SENSITIVE" in page
        assert f"Page {number} of {len(pages)}" in page


def test_it_names_no_child(world, records):
    pack = build_pack(world.oak, *period())
    pdf_text = "\n".join(pdf_pages(render_inspection_pack_pdf(pack)[2]))
    csv_text = render_inspection_pack_csv(pack)[2].decode("utf-8-sig")
    for name in ("Amelia Hart", "Ben Cole"):
        assert name not in pdf_text
        assert name not in csv_text


def test_it_gives_the_same_rows_as_csv(world, records):
    pack = build_pack(world.oak, *period())
    filename, content_type, content = render_inspection_pack_csv(pack)
    assert filename.endswith(".csv")
    assert content_type.startswith("text/csv")
    rows = csv_rows(content)
    assert list(rows[0]) == CSV_COLUMNS
    assert [r["reference"] for r in rows] == [row.reference for row in pack.rows]
    referred = next(r for r in rows if r["reference"] == records["referred"].reference)
    assert referred["hours_to_decision"] == "2.0"
    assert referred["hours_to_referral"] == "2.3"
    assert referred["complete"] == "yes"
    assert referred["missing"] == ""
    assert referred["non_referral_signed_off"] == ""  # nothing needs signing off
    handled = next(r for r in rows if r["reference"] == records["handled"].reference)
    assert handled["non_referral_signed_off"] == "no"
    assert handled["complete"] == "no"
    assert handled["missing"] == "Headteacher's sign-off"
    assert handled["required_by_the_rules_done"] == (
        "A referral to the police (at the school's discretion): not done, reasons written; "
        "Not referring to the police or children's social care (needs reasons and the head's "
        "sign-off): reasons "
        "written"
    )
    assert handled["unmet_requirements"] == "2"
    assert handled["advice_sought"] == "0"
    assert handled["actions_overdue"] == "1"


def test_it_neutralises_spreadsheet_formulas_in_csv_cells():
    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _cell("+1") == "'+1"
    assert _cell("OAK-2026-0001") == "OAK-2026-0001"


def test_it_writes_durations_as_an_inspector_reads_them():
    assert duration_text(None) == "—"
    assert duration_text(timedelta(minutes=40)) == "40 min"
    assert duration_text(timedelta(hours=3, minutes=20)) == "3 h 20 min"
    assert duration_text(timedelta(days=2, hours=4, minutes=5)) == "2 d 4 h"


def test_it_costs_the_same_queries_for_one_incident_or_many(world, django_assert_max_num_queries):
    now = timezone.now()
    full_record(world.riv, world.riv_dsl, disclosed_at=now - timedelta(days=1))
    # 19: one counts the records of the period destroyed at retention, one the children's files
    # transferred, three read the 2026 parts' lists (conversations, online reports, meetings).
    with django_assert_max_num_queries(19) as one:
        build_pack(world.riv, *period())
    for days in (2, 3, 4, 5):
        full_record(world.oak, world.oak_dsl, disclosed_at=now - timedelta(days=days))
    with django_assert_max_num_queries(len(one.captured_queries)):
        pack = build_pack(world.oak, *period())
    assert len(pack.rows) == 4


# The page and its form ---------------------------------------------------------------------


def test_it_sends_an_anonymous_visitor_to_sign_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("username", ["oak_staff", "oak_deputy"])
def test_it_refuses_staff_and_deputies(client, world, username):
    client_login(client, getattr(world, username))
    assert client.get(URL).status_code == 403
    data = {"start": "2026-01-01", "end": "2026-12-31", "format": "csv"}
    assert client.post(URL, data).status_code == 403
    assert not AuditEvent.objects.filter(action="school.inspection_pack_exported").exists()


@pytest.mark.parametrize("username", ["oak_dsl", "oak_head"])
def test_it_shows_the_form_to_the_dsl_and_the_headteacher(client, world, username):
    client_login(client, getattr(world, username))
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="start"' in page and 'name="end"' in page
    assert "Oakfield Academy" in page


def test_it_links_the_pack_from_the_dashboard(client, world):
    client_login(client, world.oak_dsl)
    assert URL in client.get(reverse("home")).content.decode()


def test_it_downloads_the_pdf_and_audits_it(
    client, world, records, django_capture_on_commit_callbacks
):
    client_login(client, world.oak_head)
    start, end = period()
    response = run_export(
        client,
        URL,
        {"start": f"{start}", "end": f"{end}", "format": "pdf"},
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="oakfield-')
    assert "no-store" in response["Cache-Control"]
    assert records["referred"].reference in "\n".join(pdf_pages(response.content))
    event = AuditEvent.objects.get(action="school.inspection_pack_exported")
    assert event.user == world.oak_head
    assert event.school == world.oak
    assert event.data == {"format": "pdf", "start": f"{start}", "end": f"{end}", "incidents": 3}


def test_it_downloads_the_csv_of_the_current_school_only(
    client, world, records, django_capture_on_commit_callbacks
):
    client_login(client, world.elm_dsl)
    start, end = period()
    response = run_export(
        client,
        URL,
        {"start": f"{start}", "end": f"{end}", "format": "csv"},
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    references = [r["reference"] for r in csv_rows(response.content)]
    assert references == [records["elsewhere"].reference]


def test_it_asks_the_trust_lead_to_choose_a_school_first(client, world):
    client_login(client, world.trust_lead)
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("choose_school")


def test_it_gives_the_trust_lead_the_pack_of_the_school_they_chose(
    client, world, records, django_capture_on_commit_callbacks
):
    client_login(client, world.trust_lead)
    session = client.session
    session[SESSION_KEY] = world.oak.pk
    session.save()
    start, end = period()
    response = run_export(
        client,
        URL,
        {"start": f"{start}", "end": f"{end}", "format": "csv"},
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 200
    assert len(csv_rows(response.content)) == 3


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"start": "2026-10-01", "end": "2026-09-01"}, "end", "on or after the first day"),
        ({"start": "2026-13-45", "end": "2026-09-01"}, "start", "Enter the first day as a date"),
        ({"start": "", "end": "2026-09-01"}, "start", "Enter the first day of the period."),
        ({"start": "2026-09-01", "end": "yesterday"}, "end", "Enter the last day as a date"),
        ({"start": "1066-10-14", "end": "2026-09-01"}, "start", "must be after"),
    ],
)
def test_it_explains_a_bad_date_range_next_to_the_field(client, world, data, field, message):
    client_login(client, world.oak_dsl)
    response = client.post(URL, {**data, "format": "pdf"})
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    page = response.content.decode()
    assert "There is a problem" in page
    assert f'href="#id_{field}"' in page
    # What was typed is kept.
    assert f'value="{data[field]}"' in page or data[field] == ""
    assert not AuditEvent.objects.filter(action="school.inspection_pack_exported").exists()


def test_it_refuses_a_start_in_the_future(client, world):
    client_login(client, world.oak_dsl)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(URL, {"start": f"{tomorrow}", "end": f"{tomorrow}", "format": "pdf"})
    assert response.status_code == 200
    assert "cannot be in the future" in response.context["form"].errors["start"][0]


def test_it_refuses_an_unknown_format(client, world):
    client_login(client, world.oak_dsl)
    response = client.post(URL, {"start": "2026-09-01", "end": "2026-10-01", "format": "docx"})
    assert response.status_code == 200
    assert response.context["form"].errors["format"]


def test_it_defaults_to_the_school_year_so_far(client, world):
    client_login(client, world.oak_dsl)
    form = client.get(URL).context["form"]
    today = timezone.localdate()
    assert form.initial["end"] == today
    assert form.initial["start"] <= today
    assert form.initial["start"].month == 9 and form.initial["start"].day == 1
    assert form.initial["start"] > today - timedelta(days=366)
    assert isinstance(form.initial["start"], date)


def test_it_writes_one_line_per_incident_in_its_long_lists(world, records):
    Review.objects.filter(incident=records["unsigned"]).delete()
    pack = build_pack(world.oak, *period())
    rows = {row.reference: row for row in pack.rows}
    handled = rows[records["handled"].reference]
    line = handled.decision_line
    assert line.startswith(f"{handled.reference} · disclosed ")
    assert "rules: 2 with reasons" in line and "HEAD'S SIGN-OFF AWAITED" in line
    unsigned = rows[records["unsigned"].reference]
    assert "INCOMPLETE: Headteacher's sign-off; Review" in unsigned.records_line
    assert "OVERDUE: 2 deletions" in unsigned.records_line
    referred = rows[records["referred"].reference]
    assert referred.followup_line.endswith(
        "1 referral and reports, 1 with a reference number, 1 with the outcome recorded"
    )
    assert any("Deletion of the imagery not confirmed" in x for x in pack.outstanding_lines)
    text = " ".join(" ".join(pdf_pages(render_inspection_pack_pdf(pack)[2])).split())
    # The PDF holds each line as written (PDF text extraction may break it across lines).
    for row in pack.rows:
        assert " ".join(row.records_line.split()) in text


def test_it_gives_the_same_rows_as_a_workbook_with_formulas_neutralised(world, records):
    pack = build_pack(world.oak, *period())
    pack.rows[0].subtype = '=HYPERLINK("http://x")'
    filename, content_type, content = render_inspection_pack_xlsx(pack)
    assert filename.endswith(".xlsx") and content_type.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(content), read_only=True)["Incidents"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == CSV_COLUMNS
    csv_values_ = [list(r.values()) for r in csv_rows(render_inspection_pack_csv(pack)[2])]
    assert [[v or "" for v in row] for row in values[1:]] == csv_values_
    assert values[1][CSV_COLUMNS.index("subtype")] == '\'=HYPERLINK("http://x")'
