"""Exports of the record: one incident as PDF, and the school's inspection pack."""

from incidents.export.pack import (
    build_pack,
    export_inspection_pack,
    pack_size,
    render_inspection_pack,
    render_inspection_pack_csv,
    render_inspection_pack_pdf,
    render_inspection_pack_xlsx,
)
from incidents.export.pdf import export_record, render_record_pdf, renderer
from incidents.export.pupil import render_pupil_file_pdf

__all__ = [
    "build_pack",
    "export_inspection_pack",
    "export_record",
    "pack_size",
    "render_inspection_pack",
    "render_inspection_pack_csv",
    "render_inspection_pack_pdf",
    "render_inspection_pack_xlsx",
    "render_pupil_file_pdf",
    "render_record_pdf",
    "renderer",
]
