"""Bench-only views: the same rows of the same tables, rendered bare, with no permission checks.

They are the yardstick of ``bench/run.py``: what Django itself costs to show the rows a page
shows, so a page's figure can be read as a ratio to it. Never routed in the application: the
benchmark points ``ROOT_URLCONF`` at this module, which adds two paths to the project's own.
"""

from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import path
from django.utils import timezone

from incidents.models import Action, Decision, DeletionRequest, Incident
from safeguarding.urls import urlpatterns as project_urlpatterns

PER_PAGE = 25  # as the incident list
DASHBOARD_LIMIT = 10  # as the dashboard's lists

# Compiled once, as the cached template loader keeps the project's templates.
LIST_TEMPLATE = engines["django"].from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Incidents</title></head>
<body>
<table>
  <thead><tr><th>Reference</th><th>Stage</th><th>Incident date</th><th>Disclosed</th></tr></thead>
  <tbody>
  {% for incident in incidents %}
  <tr>
    <td>{{ incident.reference }}</td>
    <td>{{ incident.get_status_display }}</td>
    <td>{{ incident.incident_date|date:"j M Y" }}</td>
    <td>{{ incident.disclosed_at|date:"j M Y, H:i" }}</td>
  </tr>
  {% endfor %}
  </tbody>
</table>
</body></html>"""
)
RECORD_TEMPLATE = engines["django"].from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ incident.reference }}</title></head>
<body>
<h1>{{ incident.reference }}</h1>
<dl>{% for label, value in fields %}<dt>{{ label }}</dt><dd>{{ value }}</dd>{% endfor %}</dl>
{% for name, rows in sections %}<h2>{{ name }}</h2>
{% for row in rows %}<dl>{% for label, value in row %}<dt>{{ label }}</dt><dd>{{ value }}</dd>
{% endfor %}</dl>{% endfor %}{% endfor %}
</body></html>"""
)

ONE_TO_ONE = ("disclosure", "initial_review", "risk_assessment", "decision", "review")
LISTS = (
    "young_people",
    "adults",
    "assessment_results",
    "viewings",
    "device_searches",
    "referrals",
    "parent_contacts",
    "deletions",
    "actions",
    "signatures",
)


def field_rows(obj) -> list[tuple[str, object]]:
    """Every stored field of a row, labelled: a bare rendering of the row."""
    if obj is None:
        return []
    return [(f.verbose_name, f.value_from_object(obj)) for f in obj._meta.concrete_fields]


DASHBOARD_TEMPLATE = engines["django"].from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dashboard</title></head>
<body>
<ul>{% for status, n in counts %}<li>{{ status }}: {{ n }}</li>{% endfor %}</ul>
{% for name, rows in lists %}<h2>{{ name }}</h2>
<ul>{% for row in rows %}<li>{{ row }} {{ row.incident_id }}</li>{% endfor %}</ul>{% endfor %}
</body></html>"""
)


def bare_dashboard(request, school_id: int):
    """The rows the dashboard shows: counts by stage and its five short lists, bare."""
    today = timezone.localdate()
    incidents = Incident.objects.filter(school_id=school_id)
    limit = DASHBOARD_LIMIT + 1
    counts = incidents.order_by().values_list("status").annotate(n=Count("pk"))
    lists = [
        (
            "deletions",
            DeletionRequest.objects.filter(
                incident__school_id=school_id, confirmed_on__isnull=True, deadline__lt=today
            ).order_by("deadline")[:limit],
        ),
        (
            "actions",
            Action.objects.filter(
                incident__school_id=school_id, done_on__isnull=True, due_date__lt=today
            ).order_by("due_date")[:limit],
        ),
        (
            "in progress",
            incidents.filter(status__in=["reported", "under_review"]).order_by("disclosed_at")[
                :limit
            ],
        ),
        (
            "awaiting approval",
            incidents.filter(status="awaiting_approval").order_by("updated_at")[:limit],
        ),
        (
            "awaiting sign-off",
            Decision.objects.filter(
                incident__school_id=school_id,
                outcome="handled_in_school",
                headteacher_signoff_by__isnull=True,
            ).order_by("decided_at")[:limit],
        ),
    ]
    context = {"counts": counts, "lists": lists}
    return HttpResponse(DASHBOARD_TEMPLATE.render(context, request))


def bare_list(request, school_id: int):
    """The newest incidents of a school, one page of them, as the incident list shows."""
    incidents = Incident.objects.filter(school_id=school_id).order_by("-created_at", "-pk")
    return HttpResponse(LIST_TEMPLATE.render({"incidents": incidents[:PER_PAGE]}, request))


def bare_record(request, reference: str):
    """One incident with every row of its record, each field printed."""
    incident = get_object_or_404(
        Incident.objects.select_related(*ONE_TO_ONE).prefetch_related(
            *(Prefetch(name) for name in LISTS)
        ),
        reference=reference,
    )
    sections = [(name, [field_rows(getattr(incident, name, None))]) for name in ONE_TO_ONE]
    sections += [
        (name, [field_rows(row) for row in getattr(incident, name).all()]) for name in LISTS
    ]
    context = {"incident": incident, "fields": field_rows(incident), "sections": sections}
    return HttpResponse(RECORD_TEMPLATE.render(context, request))


urlpatterns = [
    path("bench/bare/dashboard/<int:school_id>/", bare_dashboard, name="bench_bare_dashboard"),
    path("bench/bare/list/<int:school_id>/", bare_list, name="bench_bare_list"),
    path("bench/bare/record/<str:reference>/", bare_record, name="bench_bare_record"),
    *project_urlpatterns,
]
