"""Every page's queries, counted and held to a ceiling: a change that adds one fails here.

The ceilings are the counts each page had before the record layer was rebuilt (issue 11); each
page must stay at or under its own. Where a page came to show more of the record, its ceiling
says so: the advice sought is one more list of the whole record (+1 on the record page, the
verification and the signed content; +2 on the PDF, with its chronology's advice entries), and
the headteacher's approval and sign-off pages load the whole record to list each unmet
requirement with the DSL's reasons and each safeguard not kept. Counts include the session, the
user, the second factor, the school, the roles and the audit event of the read. Whether a count
grows with the number of records is tested beside each page (5 against 50 incidents).
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import DecisionOutcome, ExportJob, ExportState
from incidents.services import exports
from incidents.wizard import STEP_IDS
from tests.conftest import client_login
from tests.factories import full_record

# Lowered (issue 15): every page reads the school and the user's roles in it in one query, not
# two (-1 everywhere); a page that loads a record fetches only the lists that hold rows
# (record.incidents() says which), so the record of these tests, which leaves the interviews,
# online reports, meetings, information shared and others empty, costs seven to nine fewer.
# A record with every list filled costs at most the ceilings these replaced, less one.
DSL_PAGES = {
    # +2: the DSL's transfers of children's files out, and files received to confirm;
    # +5: the trends' charts and tables (issue 18).
    "home": (None, 17),
    "trust_overview": (None, 15),  # +1: the children's files without receipt
    "incident_list": (None, 5),
    "incident_search": (None, 4),
    "inspection_pack": (None, 4),
    "report_concern": (None, 4),
    "incident_detail": ("record", 19),
    "incident_sign": ("record", 17),
    "incident_verify": ("record", 32),
    "incident_access": ("record", 8),
    "incident_addendum": ("record", 9),
    "incident_wizard": ("record", 14),
}
# Since 2026 every page that loads a record reads four more lists (conversations, online
# reports, meetings, information shared): four queries more; the PDF and the verify page also
# hash the new parts (format 3: five tables more).
# An export's status page (polled) and its download (audited).
STATUS_CEILING = 7
DOWNLOAD_CEILING = 11
STEP_CEILINGS = {
    "disclosure": 18,
    "people": 18,
    "initial-review": 19,
    "risk-assessment": 18,
    "assessment": 19,
    "interviews": 19,
    "imagery-devices": 20,
    "advice": 18,
    "decision": 19,
    "online-reports": 19,
    "inter-agency": 18,
    "parents": 18,
    "follow-up": 21,
    "review": 18,
    # +1 (issue 14): the latest signature, whether the headteacher sent the record back (its
    # reason is shown at the top); asked only of a record under review.
    "check": 20,
}
# Deputies who can act (issue 14): a deputy DSL's dashboard and list (granted records and new
# concerns); in cover, the DSL's pages (the whole school's figures, trends and transfers) and
# one query more on the dashboard (the cover's end, for its banner); the DSL's cover page.
# Flat with the number of records and covers: tests/test_deputies.py.
DEPUTY_PAGES = {"home": (None, 11), "incident_list": (None, 6)}
COVERING_PAGES = {"home": (None, DSL_PAGES["home"][1] + 1), "incident_list": (None, 6)}
COVER_PAGE_CEILING = 8
HEAD_PAGES = {
    "home": (None, 15),  # +5: the trends' charts and tables (issue 18)
    # Each with one query more (issue 13): whether a headteacher of the school is the
    # incident's DSL, who then may not approve nor sign off (the second signatory does); the
    # queue's, which of its records are the headteacher's own. 2026: +4 for the new parts.
    "head_queue": (None, 11),  # with the audit event of the read (the DSL's reasons it shows)
    "incident_detail": ("record", 20),
    "incident_approve": ("record", 19),
    "incident_send_back": ("record", 10),
    "incident_non_referral_signoff": ("not_referred", 18),
}


@pytest.fixture
def records(world):
    found = {
        "record": full_record(world.oak, world.oak_dsl, viewing_complete=True),
        "not_referred": full_record(
            world.oak,
            world.oak_dsl,
            viewing_complete=True,
            outcome=DecisionOutcome.HANDLED_IN_SCHOOL,
        ),
    }
    for _ in range(3):
        full_record(world.oak, world.oak_dsl)
    return found


def queries_for(client, url) -> int:
    client.get(url)  # the first request renews the session; count the second
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code in (200, 302), (url, response.status_code)
    return len(ctx.captured_queries)


def url_of(name, record):
    return reverse(name, args=[record.reference]) if record is not None else reverse(name)


def test_it_lists_every_step():
    assert set(STEP_CEILINGS) == set(STEP_IDS)


# Each table is checked in one test on one set of records: the records are written through the
# wizard, so they are built once per table, not once per page. Every page over its ceiling is
# named.


def over_ceiling(client, pages, records) -> dict:
    over = {}
    for name, (which, ceiling) in pages.items():
        count = queries_for(client, url_of(name, records.get(which)))
        if count > ceiling:
            over[name] = f"{count} queries, ceiling {ceiling}"
    return over


def test_it_keeps_the_dsls_pages_within_their_ceilings(client, world, records):
    client_login(client, world.oak_dsl)
    assert over_ceiling(client, DSL_PAGES, records) == {}


def test_it_keeps_each_step_within_its_ceiling(client, world, records):
    client_login(client, world.oak_dsl)
    steps = {
        step: (reverse("incident_step", args=[records["record"].reference, step]), ceiling)
        for step, ceiling in STEP_CEILINGS.items()
    }
    over = {}
    for step, (url, ceiling) in steps.items():
        count = queries_for(client, url)
        if count > ceiling:
            over[step] = f"{count} queries, ceiling {ceiling}"
    assert over == {}


def test_it_keeps_the_headteachers_pages_within_their_ceilings(client, world, records):
    client_login(client, world.oak_head)
    assert over_ceiling(client, HEAD_PAGES, records) == {}


def test_it_keeps_a_deputys_pages_and_the_cover_page_within_their_ceilings(client, world, records):
    client_login(client, world.oak_deputy)
    assert over_ceiling(client, DEPUTY_PAGES, records) == {}
    services.grant_cover(
        school=world.oak,
        granted_by=world.oak_dsl,
        deputy=world.oak_deputy,
        starts_at=None,
        ends_at=timezone.now() + timedelta(days=1),
        reason="Leave",
    )
    assert over_ceiling(client, COVERING_PAGES, records) == {}
    client_login(client, world.oak_dsl)
    assert queries_for(client, reverse("school_cover")) <= COVER_PAGE_CEILING


def test_it_keeps_an_exports_status_and_download_within_their_ceilings(client, world, records):
    # The record's PDF is rendered by the task worker (its queries: tests/test_export_pdf.py);
    # the pages the requester sees read the export (without its bytes) and check their rights.
    job = exports.request_record_pdf(None, world.oak_dsl, records["record"])
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.READY, content=b"%PDF-")
    client_login(client, world.oak_dsl)
    status = queries_for(client, reverse("export_status", kwargs={"job": job.pk}))
    download = queries_for(client, reverse("export_download", kwargs={"job": job.pk}))
    assert status <= STATUS_CEILING and download <= DOWNLOAD_CEILING, (status, download)
