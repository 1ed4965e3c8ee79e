"""The record page's access history, shown to the DSL and the headteacher (SPEC §11)."""

from django import template

from incidents.audit import access_history
from incidents.models import Role

register = template.Library()

# Who reads a record's access history: those answerable for it in the school.
HISTORY_READERS = {Role.DSL, Role.HEADTEACHER}


@register.inclusion_tag("incidents/_access_history.html")
def record_access_history(incident, limit=50):
    """``{% record_access_history incident %}``: nothing for other roles, one query for these."""
    roles = getattr(incident, "viewer_roles", frozenset())
    if not roles & HISTORY_READERS:
        return {"incident": incident, "events": None}
    return {
        "incident": incident,
        "events": access_history(incident, limit=limit),
        "can_grant": Role.DSL in roles,
    }
