from django.urls import path

from incidents.views import dashboard, export, home, record

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
    path("headteacher/", dashboard.head_queue, name="head_queue"),
]
