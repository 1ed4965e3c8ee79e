"""The record page's access history, shown to the DSL and the headteacher."""

from typing import Any

from django import template

from incidents.audit import access_history

register = template.Library()


@register.inclusion_tag("incidents/_access_history.html")
def record_access_history(incident: Any, limit: int = 50) -> dict[str, Any]:
    """``{% record_access_history incident %}``: nothing for other roles, one query for these.

    ``incident.access`` is what the access check said this reader may do with the record.
    """
    permitted = getattr(incident, "access", None)
    if permitted is None or not permitted.history:
        return {"incident": incident, "events": None}
    return {
        "incident": incident,
        "events": access_history(incident, limit=limit),
        "can_grant": permitted.grant,
    }
