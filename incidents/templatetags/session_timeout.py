"""The timeout warning's times, for ``templates/includes/session_timeout.html``."""

import datetime
from typing import Any

from django import template
from django.conf import settings
from django.utils import timezone

from incidents.security import idle_limit_text, idle_remaining

register = template.Library()


@register.simple_tag(takes_context=True)
def session_timeout_times(context: Any) -> dict[str, Any]:
    """``{% session_timeout_times as times %}``: how long the session has left (seconds, as the
    server counts it), when the page was made and when the session ends without activity."""
    remaining = int(idle_remaining(context["request"]))
    loaded_at = timezone.localtime()
    return {
        "remaining": remaining,
        "warning": settings.SESSION_WARNING_SECONDS,
        "limit": idle_limit_text(),
        "loaded_at": loaded_at,
        "ends_at": loaded_at + datetime.timedelta(seconds=remaining),
    }
