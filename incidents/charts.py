"""The charts: each a server-drawn SVG with its text alternative and the table it is drawn from.

Drawn by pygal (its JavaScript off and its configuration script removed), never by hand: the
SVG is complete on the server, needs no script to read, and carries its own styles, so a page
shows it with ``<img>`` (its own response, with a policy that allows only those styles) and a
PDF embeds it inline for WeasyPrint to draw. Every chart has a table beside it with the same
figures, and a sentence that says what it shows.

``suppress=True`` (the governors' report) shows a count from 1 to 4 as "fewer than 5" in the
table and draws no bar for it, marking its label with an asterisk; a timing over fewer than 5
records is not shown at all. Nothing here queries beyond ``incidents.stats``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405  # we write the tree, never parse input

import pygal
from django.db.models import QuerySet
from pygal.style import Style

from incidents import rules, stats
from incidents.models import Agency, Incident, School

SMALL = 5  # counts below this (and above 0) are suppressed for the governors
FEWER = "fewer than 5"
SVG_CONTENT_TYPE = "image/svg+xml"
# What the SVG response allows: its own styles, nothing else (no script, no fetch, no frame).
SVG_POLICY = {
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "script-src": ["'none'"],
    "img-src": ["'none'"],
    "font-src": ["'none'"],
    "connect-src": ["'none'"],
    "form-action": ["'none'"],
    "frame-ancestors": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
}

# Dark, distinct colours: each at least 4.5:1 against white (WCAG 1.4.11 asks 3:1).
COLOURS = ("#1d4e89", "#a4330b", "#2e6b30", "#6a1b9a", "#4a4a4a", "#8a5a00")
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#595959",
    opacity="1",
    opacity_hover="1",
    colors=COLOURS,
    font_family="'Record Sans', 'DejaVu Sans', Arial, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    title_font_size=16,
    value_font_size=12,
    guide_stroke_color="#6c757d",
)

NAMES = ("incidents-by-month", "timings-by-term", "referrals-by-agency", "overdue-over-time")


@dataclass
class Chart:
    name: str
    title: str
    summary: str  # the text alternative
    columns: list[str]
    rows: list[list[str]]
    drawing: Any  # the pygal chart, drawn only when its SVG is asked for
    note: str = ""

    @cached_property
    def svg(self) -> bytes:
        """The chart as SVG. Drawn on demand: a page shows the table and fetches the image from
        its own response, so only that response and the PDFs pay for the drawing."""
        return _render(self.drawing, self.summary)

    @property
    def svg_text(self) -> str:
        """The SVG without its XML declaration, to embed in HTML (the PDF)."""
        return self.svg.decode().split("?>", 1)[-1]


def count_text(value: int, suppress: bool) -> str:
    return FEWER if suppress and 0 < value < SMALL else str(value)


def hours_text(hours: float | None) -> str:
    if hours is None:
        return "—"
    minutes = round(hours * 60)
    days, minutes = divmod(minutes, 24 * 60)
    whole_hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {whole_hours} h"
    if whole_hours:
        return f"{whole_hours} h {minutes} min" if minutes else f"{whole_hours} h"
    return f"{minutes} min"


def _drawn(value: int, suppress: bool) -> int | None:
    return None if suppress and 0 < value < SMALL else value


def _config(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "js": [],
        "style": STYLE,
        "title": title,
        "width": 760,
        "height": 380,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 2,
        "truncate_legend": -1,
        "show_y_guides": True,
        "no_data_text": "No records",
        "disable_xml_declaration": False,
        "print_values": False,
        **extra,
    }


def _render(chart: Any, summary: str) -> bytes:
    """pygal's SVG without its script, labelled as one image with the summary as its name."""
    tree = chart.render_tree()
    ns = "{http://www.w3.org/2000/svg}"
    for parent in list(tree.iter()):
        for child in list(parent):
            if child.tag in (f"{ns}script", "script"):
                parent.remove(child)
            elif child.get("id"):
                # pygal's ids repeat from chart to chart; a page or a PDF holds several.
                del child.attrib["id"]
    tree.set("role", "img")
    tree.set("aria-label", summary)
    title = ET.Element(f"{ns}title")
    title.text = summary
    tree.insert(0, title)
    out = io.BytesIO()
    ET.ElementTree(tree).write(out, encoding="utf-8", xml_declaration=True)
    return out.getvalue()


def whole_numbers(highest: int) -> list[int]:
    """The y axis of a count: whole numbers only, at most about six of them."""
    step = max(1, math.ceil(highest / 5))
    return list(range(0, max(highest, 1) + step, step))


def _marked(label: str, suppressed: bool) -> str:
    return f"{label} *" if suppressed else label


SUPPRESSED_NOTE = "* Fewer than 5: not drawn."


# --------------------------------------------------------------------------------------------
# The four charts
# --------------------------------------------------------------------------------------------


def incidents_by_month(
    counts: dict[tuple[date, str], int], months: list[date], *, suppress: bool = False
) -> Chart:
    title = "Incidents disclosed each month, by category"
    categories = [*rules.CATEGORY_LABELS, ""]
    names = {**rules.CATEGORY_LABELS, "": "Not assessed yet"}
    used = [c for c in categories if any(counts.get((m, c), 0) for m in months)] or categories[:1]
    hidden = {m for m in months for c in used if 0 < counts.get((m, c), 0) < SMALL and suppress}
    highest = max((sum(counts.get((m, c), 0) for c in used) for m in months), default=0)
    chart = pygal.StackedBar(**_config(title, y_labels=whole_numbers(highest)))
    chart.x_labels = [_marked(f"{m:%b %y}", m in hidden) for m in months]
    for category in used:
        chart.add(names[category], [_drawn(counts.get((m, category), 0), suppress) for m in months])
    total = sum(counts.get((m, c), 0) for m in months for c in categories)
    summary = f"{title}, {months[0]:%B %Y} to {months[-1]:%B %Y}: " + (
        f"{count_text(total, suppress)} in all." if total else "none."
    )
    rows = [
        [f"{m:%B %Y}", *(count_text(counts.get((m, c), 0), suppress) for c in used)] for m in months
    ]
    return Chart(
        name="incidents-by-month",
        title=title,
        summary=summary,
        columns=["Month", *(names[c] for c in used)],
        rows=rows,
        drawing=chart,
        note=SUPPRESSED_NOTE if hidden else "",
    )


def timings_by_term(
    timings: dict[str, stats.Timing], terms: list[stats.Term], *, suppress: bool = False
) -> Chart:
    title = "Hours from disclosure to DSL review and to decision, by term"
    chart = pygal.Bar(**_config(title, y_title="Hours"))

    def shown(term: stats.Term) -> stats.Timing | None:
        timing = timings.get(term.key)
        if timing is None or (suppress and timing.count < SMALL):
            return None
        return timing

    chart.x_labels = [term.label for term in terms]
    series = (
        ("Review: median", "to_review", "median"),
        ("Review: slowest quarter", "to_review", "slowest_quarter"),
        ("Decision: median", "to_decision", "median"),
        ("Decision: slowest quarter", "to_decision", "slowest_quarter"),
    )
    for label, measure, which in series:
        values = []
        for term in terms:
            timing = shown(term)
            value = getattr(timing, which)[measure] if timing else None
            values.append(None if value is None else round(value, 1))
        chart.add(label, values)
    rows = []
    for term in terms:
        timing = shown(term)
        count = timings[term.key].count if term.key in timings else 0
        rows.append(
            [
                term.label,
                count_text(count, suppress),
                *(
                    hours_text(getattr(timing, which)[measure]) if timing else "—"
                    for _, measure, which in series
                ),
            ]
        )
    latest = shown(terms[-1])
    summary = f"{title}. " + (
        f"{terms[-1].label}: half the records were reviewed within "
        f"{hours_text(latest.median['to_review'])} and decided within "
        f"{hours_text(latest.median['to_decision'])}; three in four were reviewed within "
        f"{hours_text(latest.slowest_quarter['to_review'])}."
        if latest and latest.median["to_review"] is not None
        else f"No timings to show for {terms[-1].label}."
    )
    return Chart(
        name="timings-by-term",
        title=title,
        summary=summary,
        columns=["Term", "Records", *(label for label, _, _ in series)],
        rows=rows,
        drawing=chart,
        note=(
            "The slowest quarter: the time within which three records in four were dealt with."
            + (" Terms with fewer than 5 records are not shown." if suppress else "")
        ),
    )


def referrals_by_agency(
    counts: dict[str, int], start: date, end: date, *, suppress: bool = False
) -> Chart:
    title = "Referrals by agency"
    agencies = [(value, label) for value, label in Agency.choices if counts.get(value)]
    hidden = {v for v, _ in agencies if suppress and counts[v] < SMALL}
    highest = max(counts.values(), default=0)
    chart = pygal.HorizontalBar(
        **_config(title, show_legend=False, y_labels=whole_numbers(highest))
    )
    chart.x_labels = [_marked(label, value in hidden) for value, label in agencies]
    chart.add("Referrals", [_drawn(counts[value], suppress) for value, _ in agencies])
    total = sum(counts.values())
    summary = f"{title}, {start:%-d %B %Y} to {end:%-d %B %Y}: " + (
        "; ".join(f"{label}: {count_text(counts[v], suppress)}" for v, label in agencies) + "."
        if total
        else "none."
    )
    return Chart(
        name="referrals-by-agency",
        title=title,
        summary=summary,
        columns=["Agency", "Referrals"],
        rows=[[label, count_text(counts[value], suppress)] for value, label in agencies],
        drawing=chart,
        note=SUPPRESSED_NOTE if hidden else "",
    )


def overdue_over_time(series: dict[date, tuple[int, int]], *, suppress: bool = False) -> Chart:
    title = "Deletions and actions overdue, at the end of each month"
    days = sorted(series)
    hidden = {d for d in days if suppress and any(0 < n < SMALL for n in series[d])}
    highest = max((max(pair) for pair in series.values()), default=0)
    chart = pygal.Line(**_config(title, y_title="Items overdue", y_labels=whole_numbers(highest)))
    chart.x_labels = [_marked(f"{d:%b %y}", d in hidden) for d in days]
    chart.add("Deletions", [_drawn(series[d][0], suppress) for d in days])
    chart.add("Actions", [_drawn(series[d][1], suppress) for d in days])
    latest = series[days[-1]]
    summary = (
        f"{title}. On {days[-1]:%-d %B %Y}: {count_text(latest[0], suppress)} deletions and "
        f"{count_text(latest[1], suppress)} actions overdue."
    )
    return Chart(
        name="overdue-over-time",
        title=title,
        summary=summary,
        columns=["Day", "Deletions overdue", "Actions overdue"],
        rows=[
            [
                f"{d:%-d %B %Y}",
                count_text(series[d][0], suppress),
                count_text(series[d][1], suppress),
            ]
            for d in days
        ],
        drawing=chart,
        note=SUPPRESSED_NOTE if hidden else "",
    )


# --------------------------------------------------------------------------------------------
# From the records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """What the charts cover: the months from ``start`` to ``end`` and the terms to ``end``."""

    start: date
    end: date
    terms: int = 3

    @classmethod
    def year_to(cls, today: date) -> Period:
        months = stats.months_until(today, 12)
        return cls(start=months[0], end=today)

    @classmethod
    def of_term(cls, term: stats.Term, today: date) -> Period:
        return cls(start=term.start, end=min(term.end, today))


def month_ends(period: Period) -> list[date]:
    """The last day of each month of the period (the period's end for the last)."""
    days = []
    for month in stats.months_until(period.end, 36):
        if month < period.start.replace(day=1):
            continue
        following = (month + timedelta(days=32)).replace(day=1)
        days.append(min(following - timedelta(days=1), period.end))
    return days


Builder = Callable[[Sequence[School], Period, bool], Chart]


def _incidents(schools: Sequence[School]) -> QuerySet[Incident]:
    return Incident.objects.filter(school_id__in=[school.pk for school in schools])


def _by_month(schools: Sequence[School], period: Period, suppress: bool) -> Chart:
    months = [m for m in stats.months_until(period.end, 36) if m >= period.start.replace(day=1)]
    return incidents_by_month(
        stats.monthly_by_category(_incidents(schools), months), months, suppress=suppress
    )


def _by_term(schools: Sequence[School], period: Period, suppress: bool) -> Chart:
    terms = stats.terms_until(period.end, period.terms)
    return timings_by_term(stats.by_term(_incidents(schools), terms), terms, suppress=suppress)


def _by_agency(schools: Sequence[School], period: Period, suppress: bool) -> Chart:
    counts = stats.referrals_by_agency(_incidents(schools), period.start, period.end)
    return referrals_by_agency(counts, period.start, period.end, suppress=suppress)


def _overdue(schools: Sequence[School], period: Period, suppress: bool) -> Chart:
    # Actions and deletions carry their school: read by it, never through the incidents.
    school_ids = [school.pk for school in schools]
    return overdue_over_time(
        stats.overdue_over_time(school_ids, month_ends(period)), suppress=suppress
    )


BUILDERS: dict[str, Builder] = {
    "incidents-by-month": _by_month,
    "timings-by-term": _by_term,
    "referrals-by-agency": _by_agency,
    "overdue-over-time": _overdue,
}


def build(name: str, schools: Sequence[School], period: Period, *, suppress: bool = False) -> Chart:
    """One chart of the records of ``schools`` (one school, or a trust's)."""
    return BUILDERS[name](schools, period, suppress)


def build_all(schools: Sequence[School], period: Period, *, suppress: bool = False) -> list[Chart]:
    """Every chart, in the order pages show them (six queries in all)."""
    return [build(name, schools, period, suppress=suppress) for name in NAMES]


__all__ = ["FEWER", "NAMES", "SVG_POLICY", "Chart", "Period", "build", "build_all"]
