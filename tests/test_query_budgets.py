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

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import DecisionOutcome, ExportJob, ExportState
from incidents.services import exports
from incidents.wizard import STEP_IDS
from tests.conftest import client_login
from tests.factories import full_record

DSL_PAGES = {
    # +2: the DSL's transfers of children's files out, and files received to confirm;
    # +5: the trends' charts and tables (issue 18).
    "home": (None, 18),
    "trust_overview": (None, 16),  # +1: the children's files without receipt
    "incident_list": (None, 6),
    "incident_search": (None, 5),
    "inspection_pack": (None, 5),
    "report_concern": (None, 5),
    "incident_detail": ("record", 28),
    "incident_sign": ("record", 24),
    "incident_verify": ("record", 33),
    "incident_access": ("record", 9),
    "incident_addendum": ("record", 10),
    "incident_wizard": ("record", 21),
}
# Since 2026 every page that loads a record reads four more lists (conversations, online
# reports, meetings, information shared): four queries more; the PDF and the verify page also
# hash the new parts (format 3: five tables more).
# An export's status page (polled) and its download (audited).
STATUS_CEILING = 7
DOWNLOAD_CEILING = 11
STEP_CEILINGS = {
    "disclosure": 25,
    "people": 25,
    "initial-review": 26,
    "risk-assessment": 25,
    "assessment": 26,
    "interviews": 26,
    "imagery-devices": 27,
    "advice": 25,
    "decision": 26,
    "online-reports": 26,
    "inter-agency": 25,
    "parents": 25,
    "follow-up": 28,
    "review": 25,
    # +1 (issue 14): the latest signature, whether the headteacher sent the record back (its
    # reason is shown at the top); asked only of a record under review.
    "check": 29,
}
HEAD_PAGES = {
    "home": (None, 16),  # +5: the trends' charts and tables (issue 18)
    # Each with one query more (issue 13): whether a headteacher of the school is the
    # incident's DSL, who then may not approve nor sign off (the second signatory does); the
    # queue's, which of its records are the headteacher's own. 2026: +4 for the new parts.
    "head_queue": (None, 12),  # with the audit event of the read (the DSL's reasons it shows)
    "incident_detail": ("record", 29),
    "incident_approve": ("record", 26),
    "incident_send_back": ("record", 11),
    "incident_non_referral_signoff": ("not_referred", 25),
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


def test_it_keeps_an_exports_status_and_download_within_their_ceilings(client, world, records):
    # The record's PDF is rendered by the task worker (its queries: tests/test_export_pdf.py);
    # the pages the requester sees read the export (without its bytes) and check their rights.
    job = exports.request_record_pdf(None, world.oak_dsl, records["record"])
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.READY, content=b"%PDF-")
    client_login(client, world.oak_dsl)
    status = queries_for(client, reverse("export_status", kwargs={"job": job.pk}))
    download = queries_for(client, reverse("export_download", kwargs={"job": job.pk}))
    assert status <= STATUS_CEILING and download <= DOWNLOAD_CEILING, (status, download)
