"""A child's file as one PDF: to send to a new school not on this service, or to answer a
subject access request. Other children are "another young person" throughout
(``childfile.snapshot``). Returns ``(filename, content_type, bytes)``; the caller authorises
and audits."""

from typing import Any

from django.utils import timezone

from incidents import childfile
from incidents.export.pdf import PDF_CONTENT_TYPE, render_pdf
from incidents.models import Pupil, Transfer, YoungPerson

PURPOSES = {
    "transfer": "Child protection file for transfer to a new school",
    "subject_access": "Subject access: everything the school holds about this pupil",
}


def pupil_file_context(pupil: Pupil, purpose: str) -> dict[str, Any]:
    entries = list(
        YoungPerson.objects.filter(pupil=pupil, incident__school=pupil.school)
        .select_related("incident")
        .order_by("incident__incident_date", "incident_id")
    )
    return {
        "pupil": pupil,
        "school": pupil.school,
        "purpose": purpose,
        "title": PURPOSES[purpose],
        "incidents": childfile.snapshot(pupil, entries),
        "transfers": list(
            Transfer.objects.filter(pupil=pupil)
            .select_related("sent_by", "receipt_confirmed_by")
            .order_by("created_at", "pk")
        ),
        "generated_at": timezone.now(),
        "another": childfile.ANOTHER,
    }


def render_pupil_file_pdf(pupil: Pupil, *, purpose: str) -> tuple[str, str, bytes]:
    content = render_pdf("export/pupil_file.html", pupil_file_context(pupil, purpose))
    stamp = timezone.localdate().isoformat()
    kind = "subject-access" if purpose == "subject_access" else "child-protection-file"
    return (
        f"{kind}-{pupil.school.reference_prefix}-{pupil.pk}-{stamp}.pdf",
        PDF_CONTENT_TYPE,
        content,
    )
