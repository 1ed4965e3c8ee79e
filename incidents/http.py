"""Typed requests: what this project's middleware adds to Django's ``HttpRequest``.

Only annotations: Django builds every request, these classes are never instantiated. Views
name the request they are given (healthchecks' ``AuthenticatedHttpRequest``) so mypy checks
what they read from it.
"""

from django.http import HttpRequest

from incidents.models import School, User


class SchoolRequest(HttpRequest):
    """A request after ``incidents.middleware.CurrentSchoolMiddleware``.

    ``school`` is the school the user works in now and ``roles`` the roles they hold there.
    Both are lazy objects: ``school`` is never ``None`` itself but is falsy when there is no
    current school, so test its truth, never its identity.
    """

    school: School | None
    roles: frozenset[str]


class AuthenticatedRequest(SchoolRequest):
    """A request of a signed-in user: what a ``login_required`` view is given."""

    user: User
