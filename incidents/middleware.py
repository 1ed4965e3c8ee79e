"""The school a user is working in, chosen explicitly when they hold roles in several."""

from typing import cast

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from incidents.access import roles_in, schools_for
from incidents.http import GetResponse, SchoolRequest
from incidents.models import School

SESSION_KEY = "current_school_id"


def _current_school(request: HttpRequest) -> School | None:
    user = request.user
    if not user.is_authenticated:
        return None
    schools = schools_for(user)
    school_id = request.session.get(SESSION_KEY)
    if school_id is not None:
        school = schools.filter(pk=school_id).select_related("trust").first()
        if school is not None:
            return school
    # With one school there is nothing to choose; with several the user picks one.
    only = list(schools.select_related("trust")[:2])
    return only[0] if len(only) == 1 else None


class CurrentSchoolMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # From here on the request is a ``SchoolRequest``; the lazy objects stand in for a
        # school (or nothing) and a set of roles, read only if a view asks.
        typed = cast(SchoolRequest, request)
        typed.school = cast(School | None, SimpleLazyObject(lambda: _current_school(request)))
        typed.roles = cast(
            frozenset[str],
            SimpleLazyObject(
                lambda: roles_in(request.user, typed.school) if typed.school else frozenset()
            ),
        )
        return self.get_response(request)
