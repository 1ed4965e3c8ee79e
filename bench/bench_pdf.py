"""How much does exporting a record cost beyond WeasyPrint itself? ``python bench/bench_pdf.py``.

In a throwaway test database (the configured engine: SQLite in development, PostgreSQL under
``make bench``) it builds a record with every section filled, signed and approved, then times,
in the same process and warm:

- the export: ``incidents.export.export_record`` — load the record, build the chronology, render
  the template, lay out the PDF/A with the process's renderer, write the audit event;
- WeasyPrint alone on the same HTML, with the same parsed stylesheet and font configuration;
- WeasyPrint as a naive exporter calls it: a new font configuration and a fresh parse of the
  stylesheet on every render.

It prints the median of each and the ratios. The export should cost little more than WeasyPrint
alone: the database and the template are a small part of the time.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from weasyprint import CSS, HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

WARM_UP = 3
RUNS = 15


def build_people():
    from django.utils.timezone import now

    from incidents.models import Membership, Role, School, User
    from tests.conftest import PASSWORD

    school = School.objects.create(name="Bench Academy", slug="bench", reference_prefix="BEN")
    dsl = User.objects.create_user(
        "bench-dsl", password=PASSWORD, first_name="Dana", last_name="Lead"
    )
    head = User.objects.create_user(
        "bench-head", password=PASSWORD, first_name="Hari", last_name="Head"
    )
    Membership.objects.create(user=dsl, school=school, role=Role.DSL, confirmed_at=now())
    Membership.objects.create(user=head, school=school, role=Role.HEADTEACHER, confirmed_at=now())
    return school, dsl, head


def build_record(school, dsl, head):
    """One approved record with every section filled, signed by the DSL and approved by the
    headteacher through the services (their password and a code from their authenticator)."""
    from incidents.models import Status
    from tests.factories import full_record

    return full_record(school, dsl, status=Status.APPROVED, viewing_complete=False)


def interleaved(functions: dict, arguments: list) -> dict[str, list[float]]:
    """Times of each function, called in turn on every run so that a busy machine slows them
    alike; the first ``WARM_UP`` runs are not counted. Each run gets its own argument."""
    samples = {name: [] for name in functions}
    for index, argument in enumerate(arguments):
        for name, function in functions.items():
            start = time.perf_counter()
            function(argument)
            if index >= WARM_UP:
                samples[name].append(time.perf_counter() - start)
    return samples


def main() -> None:
    from incidents.export.pdf import (
        PDF_VARIANT,
        PRINT_CSS,
        STATIC_BASE_URL,
        export_record,
        record_context,
        renderer,
    )
    from incidents.record import load_reference

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        school, dsl, head = build_people()
        # Each export adds a line to its record's access history: export identical records
        # once each, so every run (and WeasyPrint alone) lays out the same content.
        records = [build_record(school, dsl, head) for _ in range(WARM_UP + RUNS)]
        html = render_to_string(
            "export/record.html",
            record_context(
                load_reference(build_record(school, dsl, head).reference), exported_by=dsl
            ),
        )
        shared = renderer()

        def export(incident):
            export_record(incident, user=dsl)

        def weasyprint_alone(_):
            shared.render(html)

        def weasyprint_naive(_):
            fonts = FontConfiguration()
            css = CSS(filename=PRINT_CSS, font_config=fonts, url_fetcher=shared.fetcher)
            HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=shared.fetcher).write_pdf(
                stylesheets=[css], font_config=fonts, pdf_variant=PDF_VARIANT
            )

        pages = len(
            HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=shared.fetcher)
            .render(stylesheets=shared.stylesheets, font_config=shared.font_config)
            .pages
        )
        times = interleaved(
            {"export": export, "alone": weasyprint_alone, "naive": weasyprint_naive}, records
        )
        medians = {name: statistics.median(values) for name, values in times.items()}
        fastest = {name: min(values) for name, values in times.items()}
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(f"Record of {pages} pages, {connection.vendor}; {RUNS} warm runs, median (fastest):")
    rows = (
        ("export", "export_record (load, chronology, template, PDF/A, audit)"),
        ("alone", "WeasyPrint alone, same HTML, shared stylesheet and fonts"),
        ("naive", "WeasyPrint naive, new font config and CSS parse each time"),
    )
    for name, text in rows:
        print(f"  {text:<58} {medians[name] * 1000:7.1f} ms ({fastest[name] * 1000:.1f})")
    for other in ("alone", "naive"):
        print(
            f"Ratio export / WeasyPrint {other}: {medians['export'] / medians[other]:.2f} "
            f"(fastest runs: {fastest['export'] / fastest[other]:.2f})"
        )


if __name__ == "__main__":
    main()
