"""Bench-only views: the same rows of the same tables, rendered bare, with no permission checks.

They are the yardstick of ``bench/run.py``: what Django itself costs to show the rows a page
shows, so a page's figure can be read as a ratio to it. Never routed in the application: the
benchmark points ``ROOT_URLCONF`` at this module, which adds two paths to the project's own.
"""

from datetime import date

from django.db import connection
from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import path
from django.utils import timezone

from incidents.models import (
    Action,
    AssessmentResult,
    AuditEvent,
    Decision,
    DeletionRequest,
    Incident,
    School,
    Signature,
    User,
)
from safeguarding.urls import urlpatterns as project_urlpatterns

PER_PAGE = 25  # as the incident list
DASHBOARD_LIMIT = 10  # as the dashboard's lists

# Compiled once, as the cached template loader keeps the project's templates.
LIST_TEMPLATE = engines["django"].from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Incidents</title></head>
<body>
<table>
  <thead><tr><th>Reference</th><th>Stage</th><th>Incident date</th><th>Disclosed</th>
  <th>Category</th><th>Overdue</th></tr></thead>
  <tbody>
  {% for incident in incidents %}
  <tr>
    <td>{{ incident.reference }}</td>
    <td>{{ incident.get_status_display }} {{ incident.last_signature }}</td>
    <td>{{ incident.incident_date|date:"j M Y" }}</td>
    <td>{{ incident.disclosed_at|date:"j M Y, H:i" }}</td>
    <td>{{ incident.category }} {{ incident.subtype }} {{ incident.override_category }}</td>
    <td>{{ incident.deletion_overdue }} {{ incident.action_overdue }}</td>
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
<ul>{% for person in people %}<li>{{ person.pk }} {{ person.username }}</li>{% endfor %}</ul>
<table>{% for event in events %}<tr><td>{{ event.at|date:"j M Y, H:i:s" }}</td>
<td>{{ event.username }}</td><td>{{ event.action }}</td><td>{{ event.ip_address }}</td></tr>
{% endfor %}</table>
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
    "addenda",
)
# The accounts a record names, as the record page names each entry's author.
PEOPLE_FIELDS = ("created_by_id", "updated_by_id", "signer_id", "author_id", "confirmed_by_id")
HISTORY_LIMIT = 50  # as the record page's access history


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
<ul>{% for row in deletions %}<li>{{ row.incident__reference }} {{ row.count }}
{{ row.earliest|date:"j M Y" }}</li>{% endfor %}</ul>
<ul>{% for row in actions %}<li>{{ row.incident.reference }} {{ row.get_kind_display }}
{{ row.owner }} {{ row.due_date|date:"j M Y" }}</li>{% endfor %}</ul>
<ul>{% for row in in_progress %}<li>{{ row.reference }} {{ row.get_status_display }}
{{ row.last_signature }} {{ row.disclosed_at|date:"j M Y" }}
{{ row.updated_at|date:"j M Y, H:i" }}</li>{% endfor %}</ul>
<ul>{% for row in awaiting_approval %}<li>{{ row.reference }}
{{ row.updated_at|date:"j M Y" }}</li>{% endfor %}</ul>
<ul>{% for row in awaiting_signoff %}<li>{{ row.incident.reference }}
{{ row.decided_at|date:"j M Y" }}</li>{% endfor %}</ul>
</body></html>"""
)


def bare_dashboard(request, school_id: int):
    """The rows the dashboard shows: counts by stage and its five short lists, bare.

    Each list names its incidents by reference, as the dashboard does: the overdue deletions
    one line per incident, the actions and decisions with their incident joined, the records
    in progress with their latest signature's kind (a record sent back is flagged).
    """
    today = timezone.localdate()
    incidents = Incident.objects.filter(school_id=school_id)
    limit = DASHBOARD_LIMIT + 1
    counts = incidents.order_by().values_list("status").annotate(n=Count("pk"))
    lists = [
        (
            "deletions",
            DeletionRequest.objects.filter(
                incident__school_id=school_id, confirmed_on__isnull=True, deadline__lt=today
            )
            .values("incident__reference")
            .annotate(count=Count("pk"), earliest=Min("deadline"))
            .order_by("earliest", "incident__reference")[:limit],
        ),
        (
            "actions",
            Action.objects.filter(
                incident__school_id=school_id, done_on__isnull=True, due_date__lt=today
            )
            .select_related("incident")
            .order_by("due_date")[:limit],
        ),
        (
            "in_progress",
            incidents.filter(status__in=["reported", "under_review"])
            .annotate(
                last_signature=Subquery(
                    Signature.objects.filter(incident=OuterRef("pk"))
                    .order_by("-signed_at", "-pk")
                    .values("kind")[:1]
                )
            )
            .order_by("disclosed_at")[:limit],
        ),
        (
            "awaiting_approval",
            incidents.filter(status="awaiting_approval").order_by("updated_at")[:limit],
        ),
        (
            "awaiting_signoff",
            Decision.objects.filter(
                incident__school_id=school_id,
                outcome="handled_in_school",
                headteacher_signoff_by__isnull=True,
            )
            .select_related("incident")
            .order_by("decided_at")[:limit],
        ),
    ]
    context = {"counts": counts, **dict(lists)}
    return HttpResponse(DASHBOARD_TEMPLATE.render(context, request))


def bare_list(request, school_id: int):
    """The newest incidents of a school, one page of them, with the columns the list shows:
    the latest rules' result, the overdue flags and the latest signature's kind."""
    today = timezone.localdate()
    latest = AssessmentResult.objects.filter(incident=OuterRef("pk")).order_by(
        "-computed_at", "-pk"
    )
    newest = Incident.objects.filter(school_id=school_id).order_by("-created_at", "-pk")
    incidents = (
        # The page's rows first, so the columns are worked out for those rows only.
        Incident.objects.filter(pk__in=newest.values("pk")[:PER_PAGE])
        .annotate(
            category=Subquery(latest.values("category")[:1]),
            subtype=Subquery(latest.values("subtype")[:1]),
            override_category=Subquery(latest.values("override_category")[:1]),
            deletion_overdue=Exists(
                DeletionRequest.objects.filter(
                    incident=OuterRef("pk"), confirmed_on__isnull=True, deadline__lt=today
                )
            ),
            action_overdue=Exists(
                Action.objects.filter(
                    incident=OuterRef("pk"), done_on__isnull=True, due_date__lt=today
                )
            ),
            last_signature=Subquery(
                Signature.objects.filter(incident=OuterRef("pk"))
                .order_by("-signed_at", "-pk")
                .values("kind")[:1]
            ),
        )
        .order_by("-created_at", "-pk")
    )
    return HttpResponse(LIST_TEMPLATE.render({"incidents": incidents}, request))


def bare_record(request, reference: str):
    """One incident with every row of its record, each field printed, the accounts the record
    names, and the latest events about it in the audit log, as the record page shows them."""
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
    objects = [getattr(incident, name, None) for name in ONE_TO_ONE]
    objects += [row for name in LISTS for row in getattr(incident, name).all()]
    people_ids = {getattr(obj, name, None) for obj in objects for name in PEOPLE_FIELDS}
    people_ids.discard(None)
    people = User.objects.in_bulk(people_ids).values()
    events = AuditEvent.objects.filter(incident=incident).order_by("-at", "-pk")[:HISTORY_LIMIT]
    context = {
        "incident": incident,
        "fields": field_rows(incident),
        "sections": sections,
        "people": people,
        "events": events,
    }
    return HttpResponse(RECORD_TEMPLATE.render(context, request))


OVERVIEW_TEMPLATE = engines["django"].from_string(
    """<!doctype html><html><body><table>
{% for row in rows %}<tr><td>{{ row.school_id }}</td><td>{{ row.stages }}</td>
<td>{{ row.overdue }}</td><td>{{ row.signoffs }}</td><td>{{ row.medians }}</td></tr>{% endfor %}
</table></body></html>"""
)

# The medians of the trust overview, per school, in plain SQL: from the disclosure to the first
# save (or the meeting), to the decision, to the first referral to an agency.
OVERVIEW_MEDIANS = """
SELECT i.school_id,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM LEAST(
      (SELECT min(a.at) FROM incidents_auditevent a
        WHERE a.incident_id = i.id AND a.action = 'incident.step_saved'),
      ((r.meeting_date + 1)::timestamp AT TIME ZONE 'Europe/London' - interval '1 microsecond')
  ) - i.disclosed_at)),
  percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM d.decided_at - i.disclosed_at)),
  percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (
      SELECT min(f.made_at) FROM incidents_referral f
       WHERE f.incident_id = i.id AND f.agency IN ('mash', 'social_care', 'police_101',
                                                   'police_999')) - i.disclosed_at))
FROM incidents_incident i
LEFT JOIN incidents_initialreview r ON r.incident_id = i.id
LEFT JOIN incidents_decision d ON d.incident_id = i.id
WHERE i.school_id = ANY(%s) AND i.disclosed_at >= %s
GROUP BY i.school_id
"""


def bare_overview(request, trust_id: int):
    """The trust overview's table, bare: counts by stage, records overdue, sign-offs waiting
    and the three medians, a row per school of the trust (no charts, no checks)."""
    today = timezone.localdate()
    ids = list(School.objects.filter(trust_id=trust_id).values_list("pk", flat=True))
    incidents = Incident.objects.filter(school_id__in=ids)
    rows = {pk: {"school_id": pk, "stages": {}, "overdue": 0, "signoffs": 0} for pk in ids}
    for school_id, status, n in (
        incidents.order_by().values_list("school_id", "status").annotate(n=Count("pk"))
    ):
        rows[school_id]["stages"][status] = n
    late = Exists(
        DeletionRequest.objects.filter(
            incident=OuterRef("pk"), confirmed_on__isnull=True, deadline__lt=today
        )
    ) | Exists(
        Action.objects.filter(incident=OuterRef("pk"), done_on__isnull=True, due_date__lt=today)
    )
    for school_id, n in (
        incidents.filter(late).order_by().values_list("school_id").annotate(n=Count("pk"))
    ):
        rows[school_id]["overdue"] = n
    for school_id, n in (
        Decision.objects.filter(
            incident__school_id__in=ids, signoff_required=True, headteacher_signoff_by__isnull=True
        )
        .order_by()
        .values_list("incident__school_id")
        .annotate(n=Count("pk"))
    ):
        rows[school_id]["signoffs"] = n
    since = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    with connection.cursor() as cursor:
        cursor.execute(OVERVIEW_MEDIANS, [ids, since])
        for school_id, *medians in cursor.fetchall():
            rows[school_id]["medians"] = medians
    return HttpResponse(OVERVIEW_TEMPLATE.render({"rows": rows.values()}, request))


urlpatterns = [
    path("bench/bare/dashboard/<int:school_id>/", bare_dashboard, name="bench_bare_dashboard"),
    path("bench/bare/overview/<int:trust_id>/", bare_overview, name="bench_bare_overview"),
    path("bench/bare/list/<int:school_id>/", bare_list, name="bench_bare_list"),
    path("bench/bare/record/<str:reference>/", bare_record, name="bench_bare_record"),
    *project_urlpatterns,
]
