import re
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from incidents.export import render_record_pdf
from tests.factories import full_record

pytestmark = pytest.mark.django_db


def test_dump(world):
    small = full_record(world.oak, world.oak_dsl, names=("Amelia Hart",), ages=(14,))
    with CaptureQueriesContext(connection) as queries:
        render_record_pdf(small)
    for q in queries.captured_queries:
        sql = q["sql"]
        m = re.search(r'FROM "(\w+)"', sql)
        print(sql[:6], m and m.group(1), 'WHERE' in sql and sql[sql.index('WHERE'):][:80])
    print(len(queries))
