from django.urls import path

from incidents.views import concern, dashboard, export, home, record
from incidents.views import grants as grant_views
from incidents.views import signing as signing_views
from incidents.views import wizard as wizard_views

urlpatterns = [
    path("", home.home, name="home"),
    path("school/", home.choose_school, name="choose_school"),
    path("incidents/", dashboard.incident_list, name="incident_list"),
    # Before the record's pattern: "search" is not a reference.
    path("incidents/search/", dashboard.incident_search, name="incident_search"),
    path("incidents/<str:reference>/", record.incident_detail, name="incident_detail"),
    path(
        "incidents/<str:reference>/export.pdf",
        export.incident_export_pdf,
        name="incident_export_pdf",
    ),
    path("reports/inspection-pack/", export.inspection_pack, name="inspection_pack"),
    path("concerns/new/", concern.report_concern, name="report_concern"),
    path("concerns/<str:reference>/receipt/", concern.concern_receipt, name="concern_receipt"),
    path("incidents/<str:reference>/steps/", wizard_views.wizard_start, name="incident_wizard"),
    path(
        "incidents/<str:reference>/steps/<slug:step>/",
        wizard_views.incident_step,
        name="incident_step",
    ),
    path(
        "incidents/<str:reference>/assessment-preview/",
        wizard_views.assessment_preview,
        name="assessment_preview",
    ),
    path("headteacher/", dashboard.head_queue, name="head_queue"),
    # Signing, approval and verification.
    path("incidents/<str:reference>/sign/", signing_views.incident_sign, name="incident_sign"),
    path(
        "incidents/<str:reference>/approve/",
        signing_views.incident_approve,
        name="incident_approve",
    ),
    path(
        "incidents/<str:reference>/send-back/",
        signing_views.incident_send_back,
        name="incident_send_back",
    ),
    path(
        "incidents/<str:reference>/non-referral-signoff/",
        signing_views.incident_non_referral_signoff,
        name="incident_non_referral_signoff",
    ),
    path(
        "incidents/<str:reference>/addenda/new/",
        signing_views.incident_addendum,
        name="incident_addendum",
    ),
    path(
        "incidents/<str:reference>/verify/", signing_views.incident_verify, name="incident_verify"
    ),
    path("incidents/<str:reference>/access/", grant_views.incident_access, name="incident_access"),
]
