"""The school's roll as the MIS exports it, and the forms of the child's file.

``parse_roll`` reads the CSV text (from the command's file or the import page's text area) and
checks each row on its own and against the others; it writes nothing. Every rejected row comes
back with its line number and the reason, so the rest can be imported.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django import forms
from django.utils import timezone

from incidents.forms.common import _BIDI_CONTROLS, CheckedText, DateInput, check_past
from incidents.models import School

COLUMNS = [
    "upn",
    "legal_surname",
    "legal_forename",
    "preferred_forename",
    "date_of_birth",
    "sex",
    "year_group",
    "sen_status",
]
# The longest each column may be (the model's lengths).
LENGTHS = {
    "legal_surname": 100,
    "legal_forename": 100,
    "preferred_forename": 100,
    "sex": 20,
    "year_group": 20,
    "sen_status": 40,
}
# A pupil older than this on the day of the import is not on a school's roll: a typing slip.
OLDEST = 25

# DfE, Unique Pupil Numbers: the check letter is the remainder mod 23 of the weighted sum of
# characters 2-13 (weights 2-13), as one of these 23 letters (no I, O or S). A temporary UPN
# ends with one of the same letters in place of its last digit, which counts as its position.
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_UPN_SHAPE = re.compile(rf"^[{UPN_LETTERS}][0-9]{{11}}[0-9{UPN_LETTERS}]$")


def upn_check_letter(upn: str) -> str:
    """The check letter of characters 2-13 of a UPN."""
    total = 0
    for weight, char in enumerate(upn[1:13], start=2):
        value = int(char) if char.isdigit() else UPN_LETTERS.index(char)
        total += value * weight
    return UPN_LETTERS[total % 23]


def upn_problem(upn: str) -> str:
    """Why ``upn`` is not a UPN, or "" when it is one."""
    if len(upn) != 13:
        return f"the UPN must be 13 characters, not {len(upn)}"
    if not _UPN_SHAPE.match(upn):
        return (
            "the UPN must be a capital check letter, eleven digits, and a digit (or, in a "
            "temporary UPN, a letter) at the end"
        )
    if upn_check_letter(upn) != upn[0]:
        return f"the UPN's check letter should be {upn_check_letter(upn)}, not {upn[0]}"
    return ""


def parse_date(value: str) -> date | None:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY``; None when it is neither (or no such day)."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def years_between(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass
class RollRow:
    line: int
    upn: str
    values: dict[str, Any]


@dataclass
class Rejection:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class Roll:
    rows: list[RollRow] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    # A problem with the file as a whole (no header, wrong columns): nothing is imported.
    problem: str = ""


def _row_problem(cells: dict[str, str], today: date) -> tuple[str, dict[str, Any]]:
    """Why one row cannot be imported ("" if it can), and its values."""
    upn = cells["upn"]
    if not upn:
        return "the UPN is missing", {}
    problem = upn_problem(upn)
    if problem:
        return problem, {}
    for name in ("legal_surname", "legal_forename"):
        if not cells[name]:
            return f"{name} is missing", {}
    for name, limit in LENGTHS.items():
        if len(cells[name]) > limit:
            return f"{name} is longer than {limit} characters", {}
    for name, value in cells.items():
        if _BIDI_CONTROLS.search(value):
            return f"{name} holds characters that change the direction text is shown in", {}
        if "\x00" in value:
            return f"{name} holds a NUL character", {}
    raw = cells["date_of_birth"]
    if not raw:
        return "the date of birth is missing", {}
    born = parse_date(raw)
    if born is None:
        return f"the date of birth {raw!r} is not a date as YYYY-MM-DD or DD/MM/YYYY", {}
    if born > today:
        return f"the date of birth {born.isoformat()} is in the future", {}
    if years_between(born, today) > OLDEST:
        return (
            f"the date of birth {born.isoformat()} makes the pupil older than {OLDEST}",
            {},
        )
    values: dict[str, Any] = {name: cells[name] for name in COLUMNS if name != "upn"}
    values["date_of_birth"] = born
    return "", values


def parse_roll(text: str, today: date | None = None) -> Roll:
    """The rows of an MIS export that can be imported, and each rejected one with its reason.

    The text is UTF-8 already decoded; a byte-order mark at its start is dropped. Line numbers
    count the header as line 1, as a spreadsheet shows them.
    """
    today = today or timezone.localdate()
    roll = Roll()
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        roll.problem = f"The file is not CSV: {exc}."
        return roll
    if header is None:
        roll.problem = "The file is empty: it needs a header row and a row per pupil."
        return roll
    names = [h.strip().lower() for h in header]
    if names != COLUMNS:
        roll.problem = (
            "The header row must be exactly: " + ",".join(COLUMNS) + f" (it is: {','.join(names)})."
        )
        return roll
    valid: list[RollRow] = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            roll.rejected.append(Rejection(reader.line_num, f"the row is not CSV: {exc}"))
            continue
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(COLUMNS):
            roll.rejected.append(
                Rejection(line, f"the row has {len(cells)} cells, not {len(COLUMNS)}")
            )
            continue
        row = {name: cell.strip() for name, cell in zip(COLUMNS, cells, strict=True)}
        problem, values = _row_problem(row, today)
        if problem:
            roll.rejected.append(Rejection(line, problem))
        else:
            valid.append(RollRow(line=line, upn=row["upn"], values=values))
    # A UPN twice in one file: neither row can be trusted over the other, so both are refused.
    lines: dict[str, list[int]] = {}
    for row_ in valid:
        lines.setdefault(row_.upn, []).append(row_.line)
    for row_ in valid:
        if len(lines[row_.upn]) > 1:
            others = ", ".join(str(n) for n in lines[row_.upn] if n != row_.line)
            roll.rejected.append(
                Rejection(
                    row_.line, f"the UPN {row_.upn} is in the file twice (also line {others})"
                )
            )
        else:
            roll.rows.append(row_)
    roll.rejected.sort(key=lambda r: r.line)
    return roll


class ImportPupilsForm(CheckedText, forms.Form):
    csv_text = forms.CharField(
        label="The roll as CSV text",
        help_text=(
            "Open the MIS export in a text editor, copy all of it and paste it here. The first "
            "line must be: " + ",".join(COLUMNS) + ". Dates as YYYY-MM-DD or DD/MM/YYYY."
        ),
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false", "class": "font-monospace"}),
        max_length=900_000,
        strip=False,
        error_messages={"required": "Paste the CSV text of the roll."},
    )


class PupilSearchForm(CheckedText, forms.Form):
    q = forms.CharField(
        label="A pupil's name or UPN",
        min_length=2,
        max_length=100,
        error_messages={
            "required": "Enter a name or a UPN",
            "min_length": "Enter at least 2 characters",
        },
    )


class TransferForm(CheckedText, forms.Form):
    destination_school = forms.ModelChoiceField(
        queryset=School.objects.none(),
        required=False,
        label="Destination school on this service",
        empty_label="Not on this service (type its name below)",
    )
    destination_name = forms.CharField(
        label="Destination school, if not on this service", max_length=200, required=False
    )
    place_confirmed_on = forms.DateField(
        label="The date the new school confirmed the place",
        widget=DateInput,
    )

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_ = self.fields["destination_school"]
        field_.queryset = School.objects.exclude(pk=school.pk)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("destination_school") and not data.get("destination_name", "").strip():
            self.add_error("destination_name", "Choose the destination school or type its name.")
        check_past(self, "place_confirmed_on", "The date the place was confirmed")
        return data


class SentForm(CheckedText, forms.Form):
    sent_how = forms.CharField(
        label="How it was sent",
        max_length=200,
        help_text="For example: by hand to the DSL, secure e-mail, the local authority's portal.",
    )
    sent_to = forms.CharField(label="To whom (name and role)", max_length=200)


class ReceiptForm(CheckedText, forms.Form):
    receipt_note = forms.CharField(
        label="Who at the new school confirmed receipt, and how",
        max_length=300,
    )


class KeepForm(CheckedText, forms.Form):
    reason = forms.CharField(label="Why it is kept", max_length=2000)
    review_on = forms.DateField(
        label="Review it again on",
        widget=DateInput,
    )


class DestroyForm(CheckedText, forms.Form):
    reason = forms.CharField(label="Why it can be destroyed", max_length=2000, required=False)


class CalendarForm(CheckedText, forms.Form):
    """The school's terms and closure days as lines of text, so the DSL can paste them from
    the published term dates: ``name,first day,last day`` and ``day,reason``."""

    terms = forms.CharField(
        label="Terms",
        help_text="One term a line: name, first school day, last school day. For example: "
        "Autumn 2026,2026-09-02,2026-12-18",
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        required=False,
        max_length=20_000,
    )
    closures = forms.CharField(
        label="Closure days within terms",
        help_text="One day a line: the day and why. For example: 2026-11-13,Training day",
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        required=False,
        max_length=20_000,
    )

    def _lines(self, name: str) -> list[tuple[int, list[str]]]:
        text = str(self.cleaned_data.get(name) or "")
        return [
            (n, [c.strip() for c in line.split(",")])
            for n, line in enumerate(text.splitlines(), start=1)
            if line.strip()
        ]

    def clean_terms(self) -> list[tuple[str, date, date]]:
        terms: list[tuple[str, date, date]] = []
        problems = []
        for n, cells in self._lines("terms"):
            if len(cells) != 3:
                problems.append(f"line {n}: give a name, the first day and the last day")
                continue
            first, last = parse_date(cells[1]), parse_date(cells[2])
            if not cells[0] or first is None or last is None:
                problems.append(f"line {n}: dates as YYYY-MM-DD or DD/MM/YYYY")
            elif last < first:
                problems.append(f"line {n}: the last day is before the first")
            else:
                terms.append((cells[0][:60], first, last))
        terms.sort(key=lambda t: t[1])
        for before, after in zip(terms, terms[1:], strict=False):
            if after[1] <= before[2]:
                problems.append(f"{after[0]} overlaps {before[0]}")
        if problems:
            raise forms.ValidationError("; ".join(problems))
        return terms

    def clean_closures(self) -> list[tuple[date, str]]:
        closures: dict[date, str] = {}
        problems = []
        for n, cells in self._lines("closures"):
            day = parse_date(cells[0])
            if day is None:
                problems.append(f"line {n}: a day as YYYY-MM-DD or DD/MM/YYYY")
            else:
                closures[day] = ",".join(cells[1:])[:100]
        if problems:
            raise forms.ValidationError("; ".join(problems))
        return sorted(closures.items())
