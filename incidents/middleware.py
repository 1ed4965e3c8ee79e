"""The school a user is working in, chosen explicitly when they hold roles in several; the
tombstone page for a record destroyed at the end of its retention."""

from typing import cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from incidents import childfile
from incidents.access import RecordDestroyed, roles_in, roles_read_with, schools_for, with_roles
from incidents.http import GetResponse, SchoolRequest
from incidents.models import School

SESSION_KEY = "current_school_id"


def _current_school(request: HttpRequest) -> School | None:
    user = request.user
    if not user.is_authenticated:
        return None
    # The roles come in the same query as the school (``access.with_roles``), every request.
    schools = with_roles(schools_for(user), user)
    school_id = request.session.get(SESSION_KEY)
    if school_id is not None:
        school = schools.filter(pk=school_id).select_related("trust").first()
        if school is not None:
            return school
    # With one school there is nothing to choose; with several the user picks one.
    only = list(schools.select_related("trust")[:2])
    return only[0] if len(only) == 1 else None


def _roles(request: SchoolRequest) -> frozenset[str]:
    """The user's roles in the request's school: those read with it, else one query."""
    school = request.school
    if not school:
        return frozenset()
    read = roles_read_with(school, request.user)
    return read if read is not None else roles_in(request.user, school)


class CurrentSchoolMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # From here on the request is a ``SchoolRequest``; the lazy objects stand in for a
        # school (or nothing) and a set of roles, read only if a view asks.
        typed = cast(SchoolRequest, request)
        typed.school = cast(School | None, SimpleLazyObject(lambda: _current_school(request)))
        typed.roles = cast(frozenset[str], SimpleLazyObject(lambda: _roles(typed)))
        return self.get_response(request)


class TombstoneMiddleware:
    """Any page of a destroyed record answers with its tombstone and 410 Gone to a person who
    may read the school's records (``access.get_incident_for_user`` raises ``RecordDestroyed``
    only for them; anyone else has had a 403 or a 404 already)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, RecordDestroyed):
            return None
        return render(
            request,
            "incidents/tombstone.html",
            {"tombstone": childfile.tombstone_of(exception.incident)},
            status=410,
        )
