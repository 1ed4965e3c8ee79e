"""Two database roles: the application's role owns nothing and cannot switch the locks off.

The suite runs every query as the application's role (DATABASE_URL) and creates, migrates and
flushes as the owner (DATABASE_MIGRATE_URL; `make test` creates both). Each refused statement
runs in its own savepoint, so the test's transaction survives it.
"""

import os
import re
import subprocess
import sys
from io import StringIO

import pgtrigger
import pytest
from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from incidents.checks import check_app_role, role_problems
from incidents.dbroles import app_role, append_only_tables, grant_app_privileges
from incidents.models import AuditEvent, Disclosure, Incident, Signature, Status
from tests.factories import full_record

pytestmark = pytest.mark.django_db

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OWNER_ONLY = "must be owner of"
NOT_GRANTED = "permission denied for"
# The tables the attack of issue 13 emptied with one TRUNCATE, and the audit log.
RECORD_TABLES = {
    "incidents_disclosure",
    "incidents_initialreview",
    "incidents_youngperson",
    "incidents_signature",
    "incidents_addendum",
    "incidents_auditevent",
    "incidents_incident",
}


@pytest.fixture(autouse=True)
def two_roles():
    if connection.vendor != "postgresql" or settings.DATABASE_MIGRATE is None:
        pytest.fail("The database roles exist on PostgreSQL only: run this file with make test")


@pytest.fixture
def approved(world):
    incident = full_record(world.oak, world.oak_dsl)
    Incident.objects.filter(pk=incident.pk).update(status=Status.APPROVED)
    incident.refresh_from_db()
    return incident


def refused(sql, match, params=None):
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def tables():
    return sorted(connection.introspection.table_names())


def triggers():
    """(table, trigger, function) of every trigger the migrations installed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname, p.proname FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE NOT t.tgisinternal ORDER BY 1, 2"
        )
        return cursor.fetchall()


def owned_by(role):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
            "AND pg_get_userbyid(c.relowner) = %s",
            [role],
        )
        return cursor.fetchone()[0]


def test_it_runs_the_application_as_a_role_that_owns_nothing():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == app_role() == "safeguarding_app"
    assert owned_by(app_role()) == 0
    assert owned_by(settings.DATABASE_MIGRATE["USER"]) == len(tables())
    assert set(tables()) >= RECORD_TABLES


def test_it_refuses_truncate_of_every_table():
    allowed = []
    for table in tables():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f'TRUNCATE "{table}" CASCADE')
            allowed.append(table)
        except DatabaseError as exc:
            assert NOT_GRANTED in str(exc)
    assert allowed == []


@pytest.mark.parametrize("table", sorted(RECORD_TABLES))
def test_it_refuses_dropping_or_altering_a_table(table):
    refused(f"DROP TABLE {table} CASCADE", OWNER_ONLY)
    refused(f"ALTER TABLE {table} ADD COLUMN smuggled text", OWNER_ONLY)
    refused(f"ALTER TABLE {table} DISABLE TRIGGER USER", OWNER_ONLY)
    refused(f"ALTER TABLE {table} DISABLE TRIGGER ALL", OWNER_ONLY)
    refused(f"ALTER TABLE {table} OWNER TO CURRENT_USER", OWNER_ONLY)


def test_it_refuses_creating_tables_and_triggers():
    refused("CREATE TABLE smuggled (id int)", NOT_GRANTED)
    refused(
        "CREATE TRIGGER smuggled BEFORE UPDATE ON incidents_incident "
        "FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()",
        NOT_GRANTED,
    )


def test_it_refuses_dropping_disabling_or_replacing_every_trigger():
    found = triggers()
    assert len(found) >= 35
    for table, trigger, function in found:
        refused(f"DROP TRIGGER {trigger} ON {table}", OWNER_ONLY)
        refused(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}", OWNER_ONLY)
        refused(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RETURN NEW; END $$",
            # No CREATE on the schema, so it never gets as far as the owner check.
            f"{OWNER_ONLY}|{NOT_GRANTED} schema",
        )
        refused(f"ALTER FUNCTION {function}() RESET search_path", OWNER_ONLY)


def test_it_refuses_switching_every_trigger_off_for_the_session():
    # Triggers do not fire for a session in replica mode: only a superuser may enter it.
    refused("SET session_replication_role = replica", "permission denied to set parameter")
    refused("SET LOCAL session_replication_role = replica", "permission denied to set parameter")


def test_it_grants_row_access_only_where_the_product_needs_it():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, p FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "CROSS JOIN unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE',"
            "'REFERENCES','TRIGGER']) AS p WHERE n.nspname = current_schema() "
            "AND c.relkind = 'r' AND has_table_privilege(c.oid, p)"
        )
        held: dict[str, set[str]] = {}
        for table, privilege in cursor.fetchall():
            held.setdefault(table, set()).add(privilege)
    append_only = append_only_tables()
    assert {"incidents_auditevent", "incidents_signature", "incidents_addendum"} <= append_only
    assert "incidents_historicaldisclosure" in append_only
    for table in tables():
        if table == "django_migrations":
            expected = {"SELECT"}
        elif table in append_only:
            expected = {"SELECT", "INSERT"}
        else:
            expected = {"SELECT", "INSERT", "UPDATE", "DELETE"}
        assert held.get(table) == expected, table


def test_it_no_longer_lets_pgtrigger_ignore_unlock_an_approved_record(approved):
    with pgtrigger.ignore(
        "incidents.Disclosure:section_locked_with_incident",
        "incidents.Incident:incident_locked_when_approved",
    ):
        with pytest.raises(IntegrityError, match="approved and locked"), transaction.atomic():
            Disclosure.objects.filter(incident=approved).update(platforms="Nowhere")
        with pytest.raises(IntegrityError, match="approved and locked"), transaction.atomic():
            Incident.objects.filter(pk=approved.pk).update(status=Status.UNDER_REVIEW)
    pgids = ",".join(trigger for _table, trigger, _function in triggers())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + pgids + "}"])
        refused(
            "DELETE FROM incidents_disclosure WHERE incident_id = %s", "approved", [approved.pk]
        )
        refused("DELETE FROM incidents_incident WHERE id = %s", "approved", [approved.pk])
    assert Disclosure.objects.filter(incident=approved).exists()


def test_it_is_not_fooled_by_a_temporary_table_standing_in_for_the_incidents(approved):
    # A temporary table comes first in an unpinned search_path: the trigger would read this
    # one, find nothing approved and let the change through.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE incidents_incident (id bigint, status text)")
        refused(
            "UPDATE incidents_disclosure SET platforms = 'Nowhere' WHERE incident_id = %s",
            "approved and locked",
            [approved.pk],
        )
        cursor.execute("DROP TABLE pg_temp.incidents_incident")


@pytest.fixture
def granted_too_much(owner_connection):
    """The owner grants the application's role UPDATE, DELETE and TRUNCATE on the append-only
    tables by mistake; `migrate`'s grant step takes them back."""
    with owner_connection() as owner, owner.cursor() as cursor:
        cursor.execute(
            "GRANT UPDATE, DELETE, TRUNCATE ON incidents_auditevent, incidents_signature "
            "TO safeguarding_app"
        )
    yield
    with owner_connection() as owner:
        grant_app_privileges(owner, app_role())


def test_its_triggers_refuse_the_log_even_to_a_role_granted_too_much(
    world, approved, granted_too_much
):
    signature = Signature.objects.create(
        incident=approved, kind="signed", signer=world.oak_dsl, signer_name="Oak Dsl",
        role="dsl", meaning="I confirm.", digest="a" * 64,
    )  # fmt: skip
    assert AuditEvent.objects.exists()  # rows for the row triggers to refuse
    with pgtrigger.ignore("incidents.AuditEvent:audit_append_only"):
        refused("UPDATE incidents_auditevent SET action = 'test.hidden'", "append-only: UPDATE")
        refused("DELETE FROM incidents_auditevent", "append-only: DELETE")
        refused("UPDATE incidents_signature SET meaning = 'Other'", "append-only: UPDATE")
    refused("TRUNCATE incidents_auditevent CASCADE", "append-only: TRUNCATE")
    assert Signature.objects.filter(pk=signature.pk, meaning="I confirm.").exists()
    # ...and the deploy check names what was granted, until migrate's grant step takes it back.
    problems = check_app_role()
    assert [p.id for p in problems] == ["incidents.E102"]
    assert "TRUNCATE on incidents_auditevent" in problems[0].msg
    out = StringIO()
    call_command("migrate", "--noinput", stdout=out)
    assert f"row access to {len(tables())} tables" in out.getvalue()
    assert check_app_role() == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == "safeguarding_app"


def test_it_lets_the_owner_through_and_so_a_security_definer_function_it_owns(
    approved, owner_connection
):
    """The pattern for the few paths that must pass a lock (destroying a record at the end of
    its retention): a SECURITY DEFINER function the owner wrote, which the application calls."""
    with owner_connection() as owner, owner.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_destroy_disclosure(incident bigint) RETURNS void "
            "LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp "
            "AS $$ DELETE FROM incidents_disclosure WHERE incident_id = incident $$; "
            "REVOKE ALL ON FUNCTION test_destroy_disclosure(bigint) FROM PUBLIC; "
            "GRANT EXECUTE ON FUNCTION test_destroy_disclosure(bigint) TO safeguarding_app"
        )
    try:
        refused(
            "DELETE FROM incidents_disclosure WHERE incident_id = %s", "approved", [approved.pk]
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT test_destroy_disclosure(%s)", [approved.pk])
        assert not Disclosure.objects.filter(incident=approved).exists()
    finally:
        with owner_connection() as owner, owner.cursor() as cursor:
            cursor.execute("DROP FUNCTION test_destroy_disclosure(bigint)")


def test_its_deploy_check_passes_for_the_application_role():
    assert check_app_role() == []
    registered = checks.registry.registry.get_checks(include_deployment_checks=True)
    assert check_app_role in registered
    assert check_app_role not in checks.registry.registry.get_checks()


def test_its_deploy_check_fails_when_the_application_runs_as_the_owner(owner_connection):
    with owner_connection() as owner:
        problems = role_problems(owner)
    owned = next(p for p in problems if p.id == "incidents.E101")
    assert isinstance(owned, checks.Error)
    # Every table, and its sequences and the trigger functions too.
    count = int(re.search(r"'safeguarding_owner' owns (\d+) database objects", owned.msg)[1])
    assert count > len(tables())
    assert "DATABASE_MIGRATE_URL" in owned.hint
    created = next(p for p in problems if p.id == "incidents.E103")
    assert "CREATEDB" in created.msg


def load_settings(**env):
    """Import the settings in a fresh interpreter with exactly this environment."""
    base = {"PATH": os.environ["PATH"], "PYTHONPATH": ROOT, "DJANGO_DEBUG": "true"}
    return subprocess.run(
        [sys.executable, "-c", "import safeguarding.settings as s; print(s.DATABASE_MIGRATE)"],
        env={**base, **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


APP_URL = "postgres://app:a@db.example:5432/safeguarding"


@pytest.mark.parametrize(
    "env,message",
    [
        ({"DATABASE_MIGRATE_URL": "postgres://owner:o@db.example:5432/other"}, "same PostgreSQL"),
        ({"DATABASE_MIGRATE_URL": "postgres://app:a@db.example:5432/safeguarding"}, "owner role"),
        ({"DATABASE_MIGRATE_URL": "mysql://owner:o@db/safeguarding"}, "same PostgreSQL"),
        (
            {"DATABASE_URL": "sqlite:///x.db", "DATABASE_MIGRATE_URL": APP_URL},
            "for PostgreSQL",
        ),
    ],
)
def test_its_settings_refuse_a_migrate_url_that_is_not_the_owners(env, message):
    result = load_settings(**{"DATABASE_URL": APP_URL, **env})
    assert result.returncode != 0
    assert message in result.stderr


def test_its_settings_take_the_owners_credentials_only():
    result = load_settings(
        DATABASE_URL=APP_URL,
        DATABASE_MIGRATE_URL="postgres://owner:secret@db.example:5432/safeguarding",
    )
    assert result.returncode == 0, result.stderr
    assert "'USER': 'owner'" in result.stdout and "'HOST': 'db.example'" in result.stdout
    assert load_settings().stdout.strip() == "None"
