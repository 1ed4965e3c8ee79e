"""`manage.py export_record` and `manage.py inspection_pack`, audited."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from pypdf import PdfReader

from incidents.models import AuditEvent
from tests.factories import full_record


def test_it_writes_one_record_as_pdf_and_audits_it(world, tmp_path):
    incident = full_record(world.oak, world.oak_dsl)
    target = tmp_path / "record.pdf"
    out = io.StringIO()
    call_command("export_record", incident.reference, "-o", str(target), stdout=out)
    assert incident.reference in out.getvalue()
    reader = PdfReader(target)
    assert incident.reference in reader.pages[0].extract_text()
    assert "by a system command" in reader.pages[0].extract_text()
    event = AuditEvent.objects.get(action="incident.exported")
    assert event.user is None
    assert event.incident == incident
    assert event.data == {"format": "pdf", "via": "command"}


def test_it_refuses_an_unknown_reference(world, tmp_path):
    with pytest.raises(CommandError, match="No incident has the reference OAK-1999-0001"):
        call_command("export_record", "OAK-1999-0001", "-o", str(tmp_path / "x.pdf"))
    assert not AuditEvent.objects.filter(action="incident.exported").exists()


@pytest.mark.parametrize("name", ["record.txt", "missing-folder/record.pdf"])
def test_it_refuses_a_bad_output_file(world, tmp_path, name):
    incident = full_record(world.oak, world.oak_dsl)
    with pytest.raises(CommandError):
        call_command("export_record", incident.reference, "-o", str(tmp_path / name))
    assert not AuditEvent.objects.filter(action="incident.exported").exists()


def pack_args(tmp_path, name, start, end, school="oakfield"):
    return [
        "--school",
        school,
        "--start",
        f"{start}",
        "--end",
        f"{end}",
        "-o",
        str(tmp_path / name),
    ]


def test_it_writes_the_pack_as_pdf_or_csv_by_extension(world, tmp_path):
    incident = full_record(world.oak, world.oak_dsl)
    today = timezone.localdate()
    start = today - timedelta(days=30)
    call_command(
        "inspection_pack", *pack_args(tmp_path, "pack.pdf", start, today), stdout=io.StringIO()
    )
    call_command(
        "inspection_pack", *pack_args(tmp_path, "pack.csv", start, today), stdout=io.StringIO()
    )
    text = "\n".join(page.extract_text() for page in PdfReader(tmp_path / "pack.pdf").pages)
    assert incident.reference in text
    rows = list(csv.DictReader(io.StringIO((tmp_path / "pack.csv").read_text("utf-8-sig"))))
    assert [row["reference"] for row in rows] == [incident.reference]
    events = AuditEvent.objects.filter(action="school.inspection_pack_exported").order_by("pk")
    assert [e.data["format"] for e in events] == ["pdf", "csv"]
    for event in events:
        assert event.user is None
        assert event.school == world.oak
        assert event.data["via"] == "command"
        assert event.data["incidents"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--school", "nowhere", "--start", "2026-01-01", "--end", "2026-02-01"], "No school"),
        (["--school", "oakfield", "--start", "2026-02-30", "--end", "2026-03-01"], "not a date"),
        (["--school", "oakfield", "--start", "2026-03-01", "--end", "2026-02-01"], "on or after"),
    ],
)
def test_it_refuses_a_bad_school_or_date_range(world, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("inspection_pack", *args, "-o", str(tmp_path / "pack.pdf"))
    assert not (tmp_path / "pack.pdf").exists()
    assert not AuditEvent.objects.filter(action="school.inspection_pack_exported").exists()


def test_it_refuses_an_output_that_is_neither_pdf_nor_csv(world, tmp_path):
    with pytest.raises(CommandError, match=".pdf or .csv"):
        call_command(
            "inspection_pack", *pack_args(tmp_path, "pack.xlsx", "2026-01-01", "2026-02-01")
        )
