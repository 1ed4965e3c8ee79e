from django.urls import path, register_converter

from incidents.views import (
    accounts,
    concern,
    cover,
    dashboard,
    export,
    home,
    overview,
    people,
    pupils,
    record,
    retention,
    session,
)
from incidents.views import grants as grant_views
from incidents.views import signing as signing_views
from incidents.views import wizard as wizard_views


class ReferenceConverter:
    """An incident's reference as the school's sequence writes it (``OAK-2026-0001``).

    Anything else in its place (a NUL byte, a path, a long string) is not a reference and is
    answered 404 before any view or query runs (docs/architecture.md#input-the-product-refuses).
    Lower case is let through: a reference typed by hand is still looked up, and refused.
    """

    regex = "[A-Za-z0-9-]{1,20}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, "ref")

urlpatterns = [
    path("", home.home, name="home"),
    # The timeout warning's "Stay signed in" (a POST that renews the idle limit).
    path("session/keep-alive/", session.keep_alive, name="session_keep_alive"),
    path("school/", home.choose_school, name="choose_school"),
    path("school/invitations/", accounts.school_invitations, name="school_invitations"),
    path("incidents/", dashboard.incident_list, name="incident_list"),
    # Before the record's pattern: "search" is not a reference.
    path("incidents/search/", dashboard.incident_search, name="incident_search"),
    path("incidents/<ref:reference>/", record.incident_detail, name="incident_detail"),
    path(
        "incidents/<ref:reference>/export.pdf",
        export.incident_export_pdf,
        name="incident_export_pdf",
    ),
    path("reports/inspection-pack/", export.inspection_pack, name="inspection_pack"),
    # Exports prepared by a task worker: their progress, then the file (the requester's only).
    path("exports/<uuid:job>/", export.export_status, name="export_status"),
    path("exports/<uuid:job>/download/", export.export_download, name="export_download"),
    path("concerns/new/", concern.report_concern, name="report_concern"),
    path("concerns/<ref:reference>/receipt/", concern.concern_receipt, name="concern_receipt"),
    path("incidents/<ref:reference>/steps/", wizard_views.wizard_start, name="incident_wizard"),
    path(
        "incidents/<ref:reference>/steps/<slug:step>/",
        wizard_views.incident_step,
        name="incident_step",
    ),
    path(
        "incidents/<ref:reference>/assessment-preview/",
        wizard_views.assessment_preview,
        name="assessment_preview",
    ),
    path(
        "incidents/<ref:reference>/roll-search/",
        pupils.incident_roll_search,
        name="incident_roll_search",
    ),
    path(
        "incidents/<ref:reference>/pick-pupil/",
        pupils.incident_pick_pupil,
        name="incident_pick_pupil",
    ),
    path("headteacher/", dashboard.head_queue, name="head_queue"),
    # Seeing the whole: the trust overview, the charts, the governors' report.
    path("overview/", overview.trust_overview, name="trust_overview"),
    path("charts/<slug:name>.svg", overview.chart_svg, name="chart_svg"),
    path("reports/governors/", overview.governors_report, name="governors_report"),
    # Signing, approval and verification.
    path("incidents/<ref:reference>/sign/", signing_views.incident_sign, name="incident_sign"),
    path(
        "incidents/<ref:reference>/approve/",
        signing_views.incident_approve,
        name="incident_approve",
    ),
    path(
        "incidents/<ref:reference>/send-back/",
        signing_views.incident_send_back,
        name="incident_send_back",
    ),
    path(
        "incidents/<ref:reference>/non-referral-signoff/",
        signing_views.incident_non_referral_signoff,
        name="incident_non_referral_signoff",
    ),
    path(
        "incidents/<ref:reference>/addenda/new/",
        signing_views.incident_addendum,
        name="incident_addendum",
    ),
    path(
        "incidents/<ref:reference>/verify/", signing_views.incident_verify, name="incident_verify"
    ),
    path("incidents/<ref:reference>/access/", grant_views.incident_access, name="incident_access"),
    # The school's roll, the child's file, transfers and files received.
    path("pupils/", pupils.pupil_list, name="pupil_list"),
    path("pupils/import/", pupils.pupil_import, name="pupil_import"),
    path("school/calendar/", pupils.school_calendar, name="school_calendar"),
    path("pupils/<int:pupil>/", pupils.pupil_file, name="pupil_file"),
    path("pupils/<int:pupil>/transfer/", pupils.pupil_transfer, name="pupil_transfer"),
    path(
        "pupils/<int:pupil>/subject-access.pdf",
        pupils.pupil_subject_access_pdf,
        name="pupil_subject_access_pdf",
    ),
    path("transfers/<int:transfer>/send/", pupils.transfer_send, name="transfer_send"),
    path("transfers/<int:transfer>/receipt/", pupils.transfer_receipt, name="transfer_receipt"),
    path(
        "transfers/<int:transfer>/file.pdf", pupils.transfer_export_pdf, name="transfer_export_pdf"
    ),
    path("received/", pupils.received_list, name="received_list"),
    path("received/<int:received>/", pupils.received_file, name="received_file"),
    path("retention/", retention.retention_list, name="retention_list"),
    path("retention/<ref:reference>/keep/", retention.retention_keep, name="retention_keep"),
    path(
        "retention/<ref:reference>/authorise/",
        retention.retention_authorise,
        name="retention_authorise",
    ),
    path(
        "retention/<ref:reference>/destroy/", retention.retention_destroy, name="retention_destroy"
    ),
    # Roles waiting for a second person; the school's people and its leavers.
    path("roles/pending/", people.role_confirmations, name="role_confirmations"),
    path("school/people/", people.school_people, name="school_people"),
    # A deputy DSL in cover for the DSL: granted, listed and ended early by the DSL.
    path("school/cover/", cover.school_cover, name="school_cover"),
    path("school/cover/<int:cover>/end/", cover.cover_end, name="cover_end"),
    path(
        "school/people/<int:person_id>/actions/",
        people.leaver_actions,
        name="leaver_actions",
    ),
]
