from typing import Any

from django.conf import settings
from django.http import HttpRequest


def current_school(request: HttpRequest) -> dict[str, Any]:
    school = getattr(request, "school", None)
    return {"current_school": school or None, "current_roles": getattr(request, "roles", ())}


def limits(request: HttpRequest) -> dict[str, Any]:
    """The largest body the server reads, for the page's script to stop a form over it before
    it is sent (``static/js/app.js``): what was typed stays on the page."""
    return {"body_limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE or ""}
