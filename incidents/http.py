"""Typed requests: what this project's middleware adds to Django's ``HttpRequest``.

Only annotations: Django builds every request, these classes are never instantiated. Views
name the request they are given (healthchecks' ``AuthenticatedHttpRequest``) so mypy checks
what they read from it.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from incidents.models import School, User

# What a middleware is given: the rest of the chain, down to the view.
GetResponse = Callable[[HttpRequest], HttpResponse]


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
