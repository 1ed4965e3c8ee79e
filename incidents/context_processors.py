from typing import Any

from django.http import HttpRequest


def current_school(request: HttpRequest) -> dict[str, Any]:
    school = getattr(request, "school", None)
    return {"current_school": school or None, "current_roles": getattr(request, "roles", ())}
