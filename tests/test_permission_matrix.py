"""Every URL × every kind of person × GET and POST, with the status each must get (STYLE 6).

staff never read records; a deputy DSL acts only on an incident they were granted (or a
concern nobody has taken up: the incident here is being written, so taken up already; a deputy
in cover is tested in tests/test_deputies.py, which compares them with the DSL on every URL);
the DSL edits and signs; the headteacher reads and approves; the trust lead reads and never
edits; the system administrator has no access to incident content. Outside the incident's
school: 404, never 403.

The incident is Oakfield's (a complete record, being written, reported by ``oak-staff``). Each
person is signed in with their second factor (``client_login``). POSTs carry no data: they
test who gets through, never change anything. ``test_it_covers_every_url_pattern`` fails
when a URL is added without a row here.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from incidents import services
from incidents.access import GRANT_CODENAME
from incidents.models import ExportJob, ExportState, Incident, Membership, Role
from incidents.services import exports
from tests.conftest import client_login, make_user
from tests.factories import full_record
from tests.test_child_file import child_file_objects

# The people, in the order of each row's statuses.
ACTORS = (
    "anonymous",
    "staff",  # oak-staff: reported the concern
    "deputy",  # oak-deputy: no grant on this incident
    "deputy+grant",  # a deputy DSL of Oakfield granted this incident
    "dsl",
    "head",
    "trust_lead",  # Oakfield's trust
    "sysadmin",  # is_staff and is_superuser, no role
    "riv_dsl",  # same trust, another school
    "elm_staff",  # another trust's school, every role
    "elm_deputy",
    "elm_dsl",
    "elm_head",
    "second",  # oak-second: Oakfield's second signatory (the headteacher is not this DSL)
)

# url name: {method: statuses in ACTORS order}. 302 for a signed-in person is a redirect to
# the next step (choosing a school when they hold roles in several, the wizard's first step,
# the authenticator's code page) — never a way in.
#            anon staff dep dep+g dsl head trust sys riv e-st e-dep e-dsl e-head second
MATRIX = {
    "assessment_preview": {
        "GET": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 200, 200, 403, 403, 404, 404, 404, 404, 404, 404, 403),
    },
    "chart_svg": {
        "GET": (302, 403, 403, 403, 200, 200, 302, 302, 200, 403, 403, 200, 200, 403),
        "POST": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    },
    "choose_school": {
        "GET": (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        "POST": (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    },
    "concern_receipt": {
        "GET": (302, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
        "POST": (302, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    },
    "governors_report": {
        "GET": (302, 403, 403, 403, 200, 200, 302, 302, 200, 403, 403, 200, 200, 403),
        "POST": (302, 403, 403, 403, 200, 200, 302, 302, 200, 403, 403, 200, 200, 403),
    },
    "head_queue": {
        "GET": (302, 403, 403, 403, 403, 200, 302, 302, 403, 403, 403, 403, 200, 200),
        "POST": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    },
    "home": {
        "GET": (302, 200, 200, 200, 200, 200, 302, 200, 200, 200, 200, 200, 200, 200),
        "POST": (302, 200, 200, 200, 200, 200, 302, 200, 200, 200, 200, 200, 200, 200),
    },
    "incident_access": {
        "GET": (302, 403, 403, 403, 200, 403, 403, 404, 404, 404, 404, 404, 404, 403),
        "POST": (302, 403, 403, 403, 200, 403, 403, 404, 404, 404, 404, 404, 404, 403),
    },
    "incident_addendum": {
        "GET": (302, 403, 403, 200, 200, 403, 403, 404, 404, 404, 404, 404, 404, 403),
        "POST": (302, 403, 403, 200, 200, 403, 403, 404, 404, 404, 404, 404, 404, 403),
    },
    "incident_approve": {
        "GET": (302, 403, 403, 403, 403, 200, 403, 404, 404, 404, 404, 404, 404, 403),
        "POST": (302, 403, 403, 403, 403, 200, 403, 404, 404, 404, 404, 404, 404, 403),
    },
    "incident_detail": {
        "GET": (302, 403, 403, 200, 200, 200, 200, 404, 404, 404, 404, 404, 404, 403),
        "POST": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    },
    # Asks a task worker for the PDF (302 to its status page); the record is not changed.
    "incident_export_pdf": {
        "GET": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 302, 302, 302, 302, 404, 404, 404, 404, 404, 404, 403),
    },
    # An export (the record's PDF, asked for by the DSL): its requester's only, 404 to anyone
    # else, the same school included.
    "export_status": {
        "GET": (302, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404),
        "POST": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    },
    "export_download": {
        "GET": (302, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404),
        "POST": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    },
    "incident_list": {
        "GET": (302, 403, 200, 200, 200, 200, 302, 302, 200, 403, 200, 200, 200, 200),
        "POST": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    },
    "incident_non_referral_signoff": {
        "GET": (302, 403, 403, 403, 403, 200, 403, 404, 404, 404, 404, 404, 404, 403),
        "POST": (302, 403, 403, 403, 403, 200, 403, 404, 404, 404, 404, 404, 404, 403),
    },
    "incident_search": {
        "GET": (302, 403, 200, 200, 200, 200, 302, 302, 200, 403, 200, 200, 200, 200),
        "POST": (302, 403, 200, 200, 200, 200, 302, 302, 200, 403, 200, 200, 200, 200),
    },
    "incident_send_back": {
        "GET": (302, 403, 403, 403, 403, 200, 403, 404, 404, 404, 404, 404, 404, 403),
        "POST": (302, 403, 403, 403, 403, 200, 403, 404, 404, 404, 404, 404, 404, 403),
    },
    "incident_sign": {
        "GET": (302, 403, 403, 200, 200, 403, 403, 404, 404, 404, 404, 404, 404, 403),
        "POST": (302, 403, 403, 200, 200, 403, 403, 404, 404, 404, 404, 404, 404, 403),
    },
    "incident_step": {
        "GET": (302, 403, 403, 200, 200, 403, 403, 404, 404, 404, 404, 404, 404, 403),
        "POST": (302, 403, 403, 200, 200, 403, 403, 404, 404, 404, 404, 404, 404, 403),
    },
    "incident_verify": {
        "GET": (302, 403, 403, 200, 200, 200, 200, 404, 404, 404, 404, 404, 404, 403),
        "POST": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    },
    "incident_wizard": {
        "GET": (302, 403, 403, 302, 302, 403, 403, 404, 404, 404, 404, 404, 404, 403),
        "POST": (302, 403, 403, 302, 302, 403, 403, 404, 404, 404, 404, 404, 404, 403),
    },
    "inspection_pack": {
        "GET": (302, 403, 403, 403, 200, 200, 302, 302, 200, 403, 403, 200, 200, 403),
        "POST": (302, 403, 403, 403, 200, 200, 302, 302, 200, 403, 403, 200, 200, 403),
    },
    "login": {
        "GET": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        "POST": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    },
    "logout": {
        "GET": (405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        "POST": (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    },
    "report_concern": {
        "GET": (302, 200, 200, 200, 200, 200, 302, 302, 200, 200, 200, 200, 200, 200),
        "POST": (302, 200, 200, 200, 200, 200, 302, 302, 200, 200, 200, 200, 200, 200),
    },
    # The timeout warning's "Stay signed in": anyone signed in (with their second factor).
    "session_keep_alive": {
        "GET": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        "POST": (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    },
    "trust_overview": {
        "GET": (302, 403, 403, 403, 200, 200, 200, 302, 200, 403, 403, 200, 200, 403),
        "POST": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    },
    "two_factor_enrol": {
        "GET": (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
        "POST": (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    },
    "two_factor_verify": {
        "GET": (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        "POST": (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    },
    "role_confirmations": {
        "GET": (302, 403, 403, 403, 200, 200, 200, 403, 200, 403, 403, 200, 200, 403),
        "POST": (302, 403, 403, 403, 200, 200, 200, 403, 200, 403, 403, 200, 200, 403),
    },
    "school_people": {
        "GET": (302, 403, 403, 403, 200, 200, 403, 403, 200, 403, 403, 200, 200, 403),
        "POST": (302, 403, 403, 403, 200, 200, 403, 403, 200, 403, 403, 200, 200, 403),
    },
    "leaver_actions": {
        "GET": (302, 403, 403, 403, 200, 200, 403, 403, 404, 403, 403, 404, 404, 403),
        "POST": (302, 403, 403, 403, 200, 403, 403, 403, 404, 403, 403, 404, 404, 403),
    },
    # Enrolment and recovery. Your sign-in and your recovery codes: your own, once verified.
    "account_security": {
        "GET": (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        "POST": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    },
    "recovery_codes": {
        "GET": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        "POST": (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    },
    # A link that is not (or no longer) an invitation is not found, for anyone.
    "invitation_accept": {
        "GET": (404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
        "POST": (404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    },
    # A forgotten password: open to everyone; a link that is not valid says so.
    "password_reset": {
        "GET": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        "POST": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    },
    "password_reset_done": {
        "GET": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    },
    "password_reset_confirm": {
        "GET": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        "POST": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    },
    "password_reset_complete": {
        "GET": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    },
    # The DSL invites colleagues of their own school (another school's DSL: their own).
    "school_invitations": {
        "GET": (302, 403, 403, 403, 200, 403, 302, 302, 200, 403, 403, 200, 403, 403),
        "POST": (302, 403, 403, 403, 200, 403, 302, 302, 200, 403, 403, 200, 403, 403),
    },
    # Passkeys (django-otp-webauthn's JSON): a signed-in, verified user's own; the empty
    # POSTs of the matrix are malformed ceremonies (400).
    "credential-registration-begin": {
        "GET": (403, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        "POST": (403, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    },
    "credential-registration-complete": {
        "GET": (403, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        "POST": (403, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    },
    "credential-authentication-begin": {
        "GET": (403, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        "POST": (403, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    },
    "credential-authentication-complete": {
        "GET": (403, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        "POST": (403, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    },
    "js-i18n-catalog": {
        "GET": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        "POST": (405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    },
    # The school's roll, the child's file, transfers and files received (issue 16). The
    # pupil and the transfer are Oakfield's; the file received is Elm High's copy.
    "pupil_list": {
        "GET": (302, 403, 200, 200, 200, 200, 302, 302, 200, 403, 200, 200, 200, 403),
        "POST": (302, 403, 200, 200, 200, 200, 302, 302, 200, 403, 200, 200, 200, 403),
    },
    "pupil_import": {
        "GET": (302, 403, 403, 403, 200, 403, 302, 302, 200, 403, 403, 200, 403, 403),
        "POST": (302, 403, 403, 403, 200, 403, 302, 302, 200, 403, 403, 200, 403, 403),
    },
    "school_calendar": {
        "GET": (302, 403, 403, 403, 200, 403, 302, 302, 200, 403, 403, 200, 403, 403),
        "POST": (302, 403, 403, 403, 200, 403, 302, 302, 200, 403, 403, 200, 403, 403),
    },
    "pupil_file": {
        "GET": (302, 403, 200, 200, 200, 200, 200, 404, 404, 404, 404, 404, 404, 403),
        "POST": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    },
    "pupil_transfer": {
        "GET": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 200, 403, 403, 404, 404, 404, 404, 404, 404, 403),
    },
    "pupil_subject_access_pdf": {
        "GET": (302, 403, 403, 403, 200, 403, 403, 404, 404, 404, 404, 404, 404, 403),
        "POST": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    },
    "transfer_send": {
        "GET": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 302, 403, 403, 404, 404, 404, 404, 404, 404, 403),
    },
    "transfer_receipt": {
        "GET": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 302, 403, 403, 404, 404, 404, 404, 404, 404, 403),
    },
    "transfer_export_pdf": {
        "GET": (302, 403, 403, 403, 200, 403, 403, 404, 404, 404, 404, 404, 404, 403),
        "POST": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    },
    "received_list": {
        "GET": (302, 403, 403, 403, 200, 200, 302, 302, 200, 403, 403, 200, 200, 403),
        "POST": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    },
    "received_file": {
        "GET": (302, 404, 404, 404, 404, 404, 404, 404, 404, 403, 403, 200, 200, 404),
        "POST": (302, 404, 404, 404, 404, 404, 404, 404, 404, 403, 403, 302, 403, 404),
    },
    "incident_roll_search": {
        "GET": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 200, 200, 403, 403, 404, 404, 404, 404, 404, 404, 403),
    },
    "retention_list": {
        "GET": (302, 403, 403, 403, 200, 200, 302, 302, 200, 403, 403, 200, 200, 403),
        "POST": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
    },
    "retention_keep": {
        "GET": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 302, 302, 403, 404, 404, 404, 404, 404, 404, 403),
    },
    "retention_authorise": {
        "GET": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 302, 302, 403, 404, 404, 404, 404, 404, 404, 403),
    },
    "retention_destroy": {
        "GET": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 302, 302, 403, 404, 404, 404, 404, 404, 404, 403),
    },
    # Cover for the DSL (issue 14): the school's DSL only. The cover is Oakfield's, arranged
    # for next week for the granted deputy (so no column changes before it starts).
    "school_cover": {
        "GET": (302, 403, 403, 403, 200, 403, 302, 302, 200, 403, 403, 200, 403, 403),
        "POST": (302, 403, 403, 403, 200, 403, 302, 302, 200, 403, 403, 200, 403, 403),
    },
    "cover_end": {
        "GET": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 403, 302, 403, 403, 404, 404, 404, 404, 404, 404, 403),
    },
    "incident_pick_pupil": {
        "GET": (302, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405),
        "POST": (302, 403, 403, 302, 302, 403, 403, 404, 404, 404, 404, 404, 404, 403),
    },
}


# django-otp-webauthn's JSON endpoints and its JavaScript catalogue, under its namespace.
PASSKEY_URLS = {
    "credential-registration-begin",
    "credential-registration-complete",
    "credential-authentication-begin",
    "credential-authentication-complete",
    "js-i18n-catalog",
}


def url_names():
    """Every named URL pattern, recursively, except the admin's (tested on its own)."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.name

    return {
        name: route
        for route, name in walk(get_resolver().url_patterns)
        if not route.startswith(("admin/", "static/"))
    }


@pytest.fixture
def people(world):
    return build_people(world)


def build_people(world):
    """Each column's person, and the record every row is asked about (tests/test_deputies.py
    asks the same of a deputy in cover)."""
    granted = make_user("oak-granted")
    Membership.objects.create(
        user=granted, school=world.oak, role=Role.DEPUTY_DSL, confirmed_at=timezone.now()
    )
    record = full_record(world.oak, world.oak_dsl, reporter=world.oak_staff, viewing_complete=True)
    assign_perm(GRANT_CODENAME, granted, record)
    record.child_file = child_file_objects(world, record)
    second = make_user("oak-second")
    Membership.objects.create(
        user=second, school=world.oak, role=Role.SECOND_SIGNATORY, confirmed_at=timezone.now()
    )
    job = exports.request_record_pdf(None, world.oak_dsl, record)
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportState.READY, content=b"%PDF-", filename="x.pdf", content_type="application/pdf"
    )
    record.child_file["job"] = job.pk
    record.child_file["cover"] = services.grant_cover(
        school=world.oak,
        granted_by=world.oak_dsl,
        deputy=granted,
        starts_at=timezone.now() + timedelta(days=7),
        ends_at=timezone.now() + timedelta(days=8),
        reason="Leave",
    ).pk
    users = {
        "second": second,
        "anonymous": None,
        "staff": world.oak_staff,
        "deputy": world.oak_deputy,
        "deputy+grant": granted,
        "dsl": world.oak_dsl,
        "head": world.oak_head,
        "trust_lead": world.trust_lead,
        "sysadmin": world.sysadmin,
        "riv_dsl": world.riv_dsl,
        "elm_staff": world.elm_staff,
        "elm_deputy": world.elm_deputy,
        "elm_dsl": world.elm_dsl,
        "elm_head": world.elm_head,
    }
    return users, record


def address(name, record):
    route = url_names()[name]
    kwargs = {}
    if "<ref:reference>" in route:
        kwargs["reference"] = record.reference
    if "<slug:step>" in route:
        kwargs["step"] = "disclosure"
    # A link's token that is not (or no longer) valid: what anyone may try.
    if "<slug:token>" in route:
        kwargs["token"] = "not-a-valid-invitation-token"
    if "<uidb64>/<token>" in route:
        kwargs.update(uidb64="MQ", token="not-a-valid-token")
    if name in PASSKEY_URLS:
        name = f"otp_webauthn:{name}"
    for param, pk in getattr(record, "child_file", {}).items():
        if f"<int:{param}>" in route or f"<uuid:{param}>" in route:
            kwargs[param] = pk
    if "<slug:name>" in route:
        kwargs["name"] = "incidents-by-month"
    if "<int:person_id>" in route:
        kwargs["person_id"] = record.reported_by_id  # oak-staff, an Oakfield person
    return reverse(name, kwargs=kwargs)


def statuses(client_factory, users, url, method):
    found = {}
    for actor in ACTORS:
        client = client_factory()
        if users[actor] is not None:
            client_login(client, users[actor])
        response = client.get(url) if method == "GET" else client.post(url, {})
        found[actor] = response.status_code
    return found


def test_it_covers_every_url_pattern():
    names = url_names()
    assert None not in names, "every URL pattern needs a name to be in the matrix"
    assert set(names) - set(MATRIX) == set(), "URL patterns missing from the matrix"
    assert set(MATRIX) - set(names) == set(), "rows for URL patterns that no longer exist"
    for name, row in MATRIX.items():
        assert set(row) == {"GET", "POST"}, name
        assert all(len(codes) == len(ACTORS) for codes in row.values()), name


def test_it_answers_each_person_as_the_matrix_says(people):
    # Every cell on the one record: it is written through the wizard, so it is built once for
    # the matrix, not once per row. The POSTs change nothing, and the test holds them to it.
    users, record = people
    before = Incident.objects.values_list("version", "status").get(pk=record.pk)
    wrong = {}
    for name in sorted(MATRIX):
        for method in ("GET", "POST"):
            url = address(name, record)
            found = statuses(Client, users, url, method)
            expected = dict(zip(ACTORS, MATRIX[name][method], strict=True))
            cells = {
                a: f"expected {expected[a]}, got {found[a]}"
                for a in ACTORS
                if found[a] != expected[a]
            }
            if cells:
                wrong[f"{method} {url} ({name})"] = cells
    assert wrong == {}
    assert Incident.objects.values_list("version", "status").get(pk=record.pk) == before


OUTSIDE = ("sysadmin", "riv_dsl", "elm_staff", "elm_deputy", "elm_dsl", "elm_head")


def record_urls():
    return [name for name, route in url_names().items() if "<ref:reference>" in route]


def test_it_never_lets_anyone_outside_the_school_know_a_record_exists():
    for name in record_urls():
        for method, codes in MATRIX[name].items():
            row = dict(zip(ACTORS, codes, strict=True))
            assert {row[a] for a in OUTSIDE} <= {404, 405}, (name, method)


def test_it_never_shows_staff_or_an_ungranted_deputy_a_record():
    for name in record_urls():
        if name == "concern_receipt":  # the reporter's own receipt, not the record
            continue
        for method, codes in MATRIX[name].items():
            row = dict(zip(ACTORS, codes, strict=True))
            assert row["staff"] in {403, 405} and row["deputy"] in {403, 405}, (name, method)


def test_it_never_lets_the_trust_lead_change_a_record():
    for name in record_urls():
        if name == "incident_export_pdf":  # asks for a copy to read: the record is unchanged
            continue
        row = dict(zip(ACTORS, MATRIX[name]["POST"], strict=True))
        assert row["trust_lead"] in {403, 404, 405}, name


def test_it_registers_no_incident_content_in_the_admin():
    from django.contrib import admin

    content_apps = {"incidents"}
    # A school's term dates, closure days and legal holds (issue 16): not record content.
    allowed = {"User", "Trust", "School", "Membership", "Term", "ClosureDay", "LegalHold"}
    registered = {
        model.__name__ for model in admin.site._registry if model._meta.app_label in content_apps
    }
    assert registered <= allowed
