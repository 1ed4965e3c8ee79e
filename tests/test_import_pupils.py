"""Importing the school's roll: the command, each rejected row, idempotence, and speed."""

import time
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from incidents.audit import AuditAction
from incidents.forms.pupils import parse_roll, upn_check_letter, upn_problem
from incidents.models import AuditEvent, Pupil

HEADER = (
    "upn,legal_surname,legal_forename,preferred_forename,date_of_birth,sex,year_group,sen_status"
)


def upn(serial: int, temporary: bool = False) -> str:
    """A valid UPN: LA 123, establishment 4567, then ``serial`` in five digits."""
    body = f"1234567{serial:05d}"
    if temporary:
        body = body[:-1] + "K"
    return upn_check_letter("X" + body) + body


def row(number: int, **changes) -> str:
    cells = {
        "upn": upn(number),
        "legal_surname": f"Surname{number}",
        "legal_forename": f"Forename{number}",
        "preferred_forename": "",
        "date_of_birth": "2012-03-04",
        "sex": "F",
        "year_group": "9",
        "sen_status": "N",
    }
    cells.update(changes)
    return ",".join(cells.values())


def csv_file(tmp_path, *rows, name="roll.csv", bom=False):
    path = tmp_path / name
    text = "\n".join([HEADER, *rows]) + "\n"
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return str(path)


def run(capsys, *args):
    call_command("import_pupils", *args)
    out, err = capsys.readouterr()
    return out.strip().splitlines()[-1], err


# The UPN ------------------------------------------------------------------------------------


def test_it_accepts_the_dfe_check_letter():
    # By hand: 8*2 + 1*4 + 2*5 + 1*10 + 1*13 = 53; 53 mod 23 = 7, the eighth letter, H.
    assert upn_problem("H801200001001") == ""
    assert upn_problem(upn(7)) == ""


def test_it_accepts_a_temporary_upn_with_a_letter_at_the_end():
    assert upn_problem(upn(5, temporary=True)) == ""


def test_it_rejects_a_wrong_check_letter_a_wrong_length_and_a_bad_shape():
    good = upn(7)
    wrong = ("B" if good[0] != "B" else "C") + good[1:]
    assert "check letter should be" in upn_problem(wrong)
    assert "13 characters" in upn_problem(good[:-1])
    assert "capital check letter" in upn_problem("I" + good[1:])
    assert "capital check letter" in upn_problem(good[:5] + "A" + good[6:])


# Each rejected row, by line number -------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"upn": ""}, "the UPN is missing"),
        ({"upn": "A12345"}, "the UPN must be 13 characters"),
        ({"upn": "Z" + upn(3)[1:] if upn(3)[0] != "Z" else "Y" + upn(3)[1:]}, "check letter"),
        ({"date_of_birth": "2012-13-40"}, "is not a date"),
        ({"date_of_birth": "04.03.2012"}, "is not a date"),
        ({"date_of_birth": ""}, "date of birth is missing"),
        ({"date_of_birth": (date.today() + timedelta(days=3)).isoformat()}, "in the future"),
        ({"date_of_birth": "1990-01-01"}, "older than 25"),
        ({"legal_surname": ""}, "legal_surname is missing"),
        ({"legal_forename": "x" * 101}, "longer than 100"),
        ({"legal_forename": "Ann\u202eeB"}, "direction"),
    ],
)
def test_it_rejects_a_bad_row_by_line_and_imports_the_rest(
    world, tmp_path, capsys, changes, reason
):
    path = csv_file(tmp_path, row(1), row(2, **changes), row(3))
    summary, err = run(capsys, "OAK", path)
    assert summary == "created 2, updated 0, left 0, rejected 1"
    assert err.startswith("rejected line 3: ")
    assert reason in err
    assert Pupil.objects.filter(school=world.oak).count() == 2


def test_it_rejects_a_row_with_too_few_cells(world, tmp_path, capsys):
    path = csv_file(tmp_path, row(1), "A1,B")
    summary, err = run(capsys, "OAK", path)
    assert summary.endswith("rejected 1")
    assert "line 3: the row has 2 cells, not 8" in err


def test_it_rejects_both_rows_of_a_upn_in_the_file_twice(world, tmp_path, capsys):
    path = csv_file(tmp_path, row(1), row(2), row(1, legal_surname="Other"))
    summary, err = run(capsys, "OAK", path)
    assert summary == "created 1, updated 0, left 0, rejected 2"
    assert "line 2: the UPN" in err and "also line 4" in err
    assert "line 4: the UPN" in err and "also line 2" in err


def test_it_reads_both_date_formats_and_a_byte_order_mark(world, tmp_path, capsys):
    path = csv_file(
        tmp_path, row(1, date_of_birth="04/03/2012"), row(2, date_of_birth="2012-03-05"), bom=True
    )
    summary, _ = run(capsys, "OAK", path)
    assert summary == "created 2, updated 0, left 0, rejected 0"
    assert set(Pupil.objects.values_list("date_of_birth", flat=True)) == {
        date(2012, 3, 4),
        date(2012, 3, 5),
    }


def test_it_stores_formula_cells_as_text(world, tmp_path, capsys):
    path = csv_file(tmp_path, row(1, legal_surname="=HYPERLINK(1)", sen_status="@SUM(A1)"))
    run(capsys, "OAK", path)
    pupil = Pupil.objects.get()
    assert pupil.legal_surname == "=HYPERLINK(1)"
    assert pupil.sen_status == "@SUM(A1)"


# Idempotent by UPN; nothing deleted ----------------------------------------------------------


def test_a_reimport_updates_marks_the_missing_as_left_and_deletes_nothing(world, tmp_path, capsys):
    run(capsys, "OAK", csv_file(tmp_path, row(1), row(2), row(3)))
    again = csv_file(tmp_path, row(1), row(2, year_group="10"), name="again.csv")
    summary, _ = run(capsys, "OAK", again)
    assert summary == "created 0, updated 1, left 1, rejected 0"
    gone = Pupil.objects.get(upn=upn(3))
    assert not gone.on_roll and gone.left_roll_on == timezone.localdate()
    assert Pupil.objects.get(upn=upn(2)).year_group == "10"
    # The same file again changes nothing.
    summary, _ = run(capsys, "OAK", again)
    assert summary == "created 0, updated 0, left 0, rejected 0"
    assert Pupil.objects.count() == 3
    # Back on the roll.
    summary, _ = run(capsys, "OAK", csv_file(tmp_path, row(1), row(2, year_group="10"), row(3)))
    assert summary == "created 0, updated 1, left 0, rejected 0"
    assert Pupil.objects.get(upn=upn(3)).on_roll


def test_a_file_with_no_good_row_takes_nobody_off_the_roll(world, tmp_path, capsys):
    run(capsys, "OAK", csv_file(tmp_path, row(1)))
    summary, err = run(capsys, "OAK", csv_file(tmp_path, row(2, upn="bad"), name="b.csv"))
    assert summary == "created 0, updated 0, left 0, rejected 1"
    assert "nobody has been marked" in err
    assert Pupil.objects.get().on_roll


def test_the_same_upn_may_be_on_two_schools_rolls(world, tmp_path, capsys):
    path = csv_file(tmp_path, row(1))
    run(capsys, "OAK", path)
    run(capsys, "RIV", path)
    assert Pupil.objects.filter(upn=upn(1)).count() == 2


def test_it_is_audited(world, tmp_path, capsys):
    run(capsys, "OAK", csv_file(tmp_path, row(1), row(2, upn="x")))
    event = AuditEvent.objects.get(action=AuditAction.PUPILS_IMPORTED)
    assert event.school == world.oak
    assert event.data["created"] == 1 and event.data["rejected_lines"] == [3]


# A file that cannot be read --------------------------------------------------------------------


def test_it_fails_when_the_file_cannot_be_read(world, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_pupils", "OAK", str(tmp_path / "missing.csv"))
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "\n" + row(1, legal_surname="Fran\xe7ois")).encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_pupils", "OAK", str(latin))
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,dob\nA,2012-01-01\n")
    with pytest.raises(CommandError, match="header row must be exactly"):
        call_command("import_pupils", "OAK", str(wrong))
    with pytest.raises(CommandError, match="No school"):
        call_command("import_pupils", "NOPE", str(wrong))


def test_it_parses_without_writing():
    roll = parse_roll(HEADER + "\n" + row(1) + "\n" + row(2, upn="bad") + "\n")
    assert [r.line for r in roll.rows] == [2]
    assert [r.line for r in roll.rejected] == [3]


# Scale ---------------------------------------------------------------------------------------


def test_it_imports_2000_pupils_in_under_ten_seconds(world, tmp_path, capsys):
    rows = [row(n) for n in range(2000)]
    path = csv_file(tmp_path, *rows)
    started = time.perf_counter()
    summary, err = run(capsys, "OAK", path)
    first = time.perf_counter() - started
    assert summary == "created 2000, updated 0, left 0, rejected 0", err
    started = time.perf_counter()
    summary, _ = run(capsys, "OAK", csv_file(tmp_path, *rows[:1000], name="half.csv"))
    second = time.perf_counter() - started
    assert summary == "created 0, updated 0, left 1000, rejected 0"
    print(f"2,000 pupils: {first:.2f} s; re-import of 1,000 marking 1,000 left: {second:.2f} s")
    assert first < 10 and second < 10
