"""Scenarios: records written from data through the product's forms and services; the demo."""

from datetime import date, datetime, time, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents import digest, record, requirements, scenarios, services
from incidents.audit import AuditAction
from incidents.management.commands.seed_demo import (
    ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    scenario_files,
)
from incidents.models import AuditEvent, Incident, School, SignatureKind, Status, User, age_on
from incidents.scenarios import ScenarioError, parse_birth, parse_day, parse_moment
from tests.conftest import PASSWORD, client_login, fresh_totp_code, totp_device
from tests.factories import full_record

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TODAY = date(2026, 10, 20)


@pytest.fixture
def demo_accounts(db):
    data = scenarios.read_accounts(ACCOUNTS)
    return scenarios.create_accounts(data, password=DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)


def write(data, name="broken.toml"):
    return scenarios.write(scenarios.Scenario(name=name, data=data), password=DEMO_PASSWORD)


def scenario(number: int) -> dict:
    """A fixture's data, to change for a test."""
    (path,) = FIXTURES.glob(f"{number}-*.toml")
    return scenarios.read(path).data


# The fixtures ------------------------------------------------------------------------------


def test_the_fixtures_hold_the_demo_scenarios():
    stages = [scenarios.read(path).data["stage"] for path in scenario_files()]
    assert len(stages) >= 6
    assert stages.count(Status.UNDER_REVIEW) >= 3
    for stage in (Status.REPORTED, Status.AWAITING_APPROVAL, Status.APPROVED):
        assert stage in stages
    schools = {scenarios.read(path).data["school"] for path in scenario_files()}
    assert schools == {"oakfield", "riverside"}


def test_each_fixture_says_which_policy_situation_it_comes_from():
    for path in scenario_files():
        opening = path.read_text().split("\n\n")[0]
        assert opening.startswith("#"), path
        assert "Wolverhampton" in opening or "Evergreen" in opening, path


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_every_fixture_seeds_on_a_fresh_database_and_ends_at_its_stage(demo_accounts, path):
    stage = scenarios.read(path).data["stage"]
    incident = scenarios.write(scenarios.read(path), password=DEMO_PASSWORD)
    assert incident.status == stage
    loaded = record.load_reference(incident.reference)
    signatures = [s.kind for s in loaded.signatures.all()]
    if stage in (Status.AWAITING_APPROVAL, Status.APPROVED):
        assert requirements.missing_items(loaded) == []
        assert digest.verify(loaded).intact is True
    if stage == Status.APPROVED:
        assert signatures[0] == SignatureKind.SIGNED
        assert signatures[-1] == SignatureKind.APPROVED
    if stage == Status.REPORTED:
        assert signatures == []
        assert not AuditEvent.objects.filter(incident=incident, action=AuditAction.STEP_SAVED)


def test_a_record_is_written_by_the_people_the_scenario_names(demo_accounts):
    incident = scenarios.write(
        scenarios.read(FIXTURES / "1-romantic-year-10-couple.toml"), password=DEMO_PASSWORD
    )
    loaded = record.load_reference(incident.reference)
    assert loaded.reported_by.username == "oakfield-staff"
    assert loaded.disclosure.created_by.username == "oakfield-staff"
    assert loaded.disclosure.updated_by.username == "oakfield-dsl"
    assert {p.created_by.username for p in loaded.young_people.all()} == {"oakfield-dsl"}
    assert [p.age_at(loaded.incident_date) for p in loaded.young_people.all()] == [15, 15]
    assert loaded.incident_date == timezone.localdate() - timedelta(days=40)
    saved = AuditEvent.objects.filter(incident=incident, action=AuditAction.STEP_SAVED)
    assert list(saved.order_by("pk").values_list("data__step", flat=True)) == [
        "disclosure",
        "people",
        "initial-review",
        "risk-assessment",
        "assessment",
        "imagery-devices",
        "decision",
        "parents",
        "follow-up",
        "review",
    ]
    assert loaded.decision.headteacher_signoff_by.username == "oakfield-head"


def test_evergreen_case_study_1_records_the_advice_and_keeps_the_decision(demo_accounts):
    incident = scenarios.write(
        scenarios.read(FIXTURES / "5-evergreen-case-study-1.toml"), password=DEMO_PASSWORD
    )
    loaded = record.load_reference(incident.reference)
    # The risk assessment after the decision left the outcome as it was: the decision and its
    # confirmation stand on the earlier result, and nothing was saved again.
    assert requirements.decision_is_current(loaded)
    assert requirements.outcome_of(loaded.decision.assessment) == requirements.outcome_of(
        record.current_result(loaded)
    )
    assert record.current_result(loaded).subtype == "other"
    assert loaded.assessment_results.filter(confirmed_at__isnull=False).count() == 1
    # The police officer and social services were consulted, not referred to.
    assert loaded.referrals.count() == 0
    assert sorted(a.agency for a in loaded.advice.all()) == ["police_101", "social_care"]
    asked = requirements.of(loaded)
    assert len(asked.get(requirements.NOT_REFERRED).advice) == 2
    assert asked.signoff_at is not None


# seed_demo ---------------------------------------------------------------------------------


def seed():
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_seed_demo_loads_every_fixture_and_says_so_once(client, db, settings):
    settings.DEBUG = True
    first = seed()
    assert "Demo data loaded." in first
    assert Incident.objects.count() == len(scenario_files())
    assert School.objects.filter(trust__slug="evergreen").count() == 2
    second = seed()
    assert "Demo data is already loaded." in second
    assert Incident.objects.count() == len(scenario_files())
    for output in (first, second):
        assert f"password for every account: {DEMO_PASSWORD}" in output
        assert (
            f"  {'oakfield-dsl':<17} Priya Shah: Designated Safeguarding Lead, Oakfield Academy"
            in output
        )
        assert (
            f"  {'trust-lead':<17} Maya Benson: Trust safeguarding lead, Evergreen Learning Trust"
            in output
        )
        assert f"  {'sysadmin':<17} Alex Admin: System administrator, no school" in output
        assert DEMO_TOTP_SECRET in output
    # The codes the seed signed with are forgotten: a newcomer signs in with the current one.
    assert set(TOTPDevice.objects.values_list("last_t", "drift")) == {(-1, 0)}
    # A person in every role, and a system administrator with none.
    roles = set(User.objects.values_list("memberships__role", flat=True))
    assert roles >= {"staff", "deputy_dsl", "dsl", "headteacher", "trust_lead", None}
    assert User.objects.get(username="sysadmin").is_staff
    # Each demo record opens for its school's DSL.
    for incident in Incident.objects.select_related("school"):
        client_login(client, User.objects.get(username=f"{incident.school.slug}-dsl"))
        assert client.get(f"/incidents/{incident.reference}/").status_code == 200


def test_seed_demo_refuses_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=true"):
        seed()
    assert not School.objects.exists()


def test_seed_demo_names_the_fixture_it_could_not_load(db, settings, monkeypatch, tmp_path):
    settings.DEBUG = True
    broken = tmp_path / "9-broken.toml"
    broken.write_text('school = "oakfield"\nstage = "reported"\n[concern]\nby = "oakfield-staff"\n')
    monkeypatch.setattr("incidents.management.commands.seed_demo.scenario_files", lambda: [broken])
    monkeypatch.setattr("incidents.management.commands.seed_demo._shown", lambda p: p.name)
    with pytest.raises(CommandError, match=r"9-broken.toml, concern:"):
        seed()
    assert not School.objects.exists()


# A scenario the product refuses ------------------------------------------------------------


def test_it_refuses_a_bad_date_naming_the_file_and_the_step(demo_accounts, tmp_path):
    path = tmp_path / "bad-date.toml"
    text = (FIXTURES / "3-groomed-online-by-an-adult.toml").read_text()
    path.write_text(text.replace('meeting_date = "4 days ago"', 'meeting_date = "last Tuesday"'))
    with pytest.raises(ScenarioError) as refused:
        scenarios.write(scenarios.read(path), password=DEMO_PASSWORD)
    message = str(refused.value)
    assert message.startswith(f"{path}, step 3 (initial-review)")
    assert "meeting_date" in message and "'last Tuesday' is not a date" in message
    assert not Incident.objects.exists()


def test_it_refuses_a_date_the_form_refuses(demo_accounts):
    data = scenario(3)
    data["step"][2]["review"]["meeting_date"] = "in 3 days"
    with pytest.raises(ScenarioError, match=r"broken.toml, step 3 \(initial-review\)") as refused:
        write(data)
    assert "The meeting date cannot be in the future." in str(refused.value)


def test_it_refuses_a_missing_required_field_with_every_form_error(demo_accounts):
    data = scenario(3)
    del data["step"][1]["young_people"][0]["date_of_birth"]
    del data["step"][1]["young_people"][0]["sex"]
    with pytest.raises(ScenarioError) as refused:
        write(data)
    assert refused.value.where == "step 2 (people)"
    assert refused.value.problems == [
        "Young people, item 1, sex: Choose an answer for “Sex”.",
        "Young people, item 1, date_of_birth: Enter a date of birth, or the age at the "
        "incident if not known.",
    ]
    assert not Incident.objects.exists()


def test_it_refuses_a_step_out_of_order(demo_accounts):
    data = scenario(3)
    people = data["step"].pop(1)
    data["step"].append(people)
    with pytest.raises(ScenarioError) as refused:
        write(data)
    assert refused.value.where == "step 2 (initial-review)"
    assert refused.value.problems == [
        "complete “People involved” first: “Initial review” depends on it"
    ]


def test_it_refuses_a_step_that_does_not_apply(demo_accounts):
    data = scenario(5)
    data["step"].insert(3, {"id": "risk-assessment", "risk": {"rating": "low"}})
    with pytest.raises(
        ScenarioError,
        match=r"step 4 \(risk-assessment\): “Risk assessment” "
        r"does not apply to this record",
    ):
        write(data)


def test_it_refuses_a_field_or_a_form_the_step_does_not_have(demo_accounts):
    data = scenario(3)
    data["step"][0]["disclosure"]["colour"] = "red"
    with pytest.raises(
        ScenarioError,
        match=r"step 1 \(disclosure\), disclosure: there is no "
        r"field 'colour'",
    ):
        write(data)
    data = scenario(3)
    data["step"][0]["notes"] = {"text": "x"}
    with pytest.raises(ScenarioError, match=r"'notes' is not a form of this step"):
        write(data)


def test_it_refuses_a_young_person_who_is_not_in_the_record(demo_accounts):
    data = scenario(2)
    data["step"][5]["devices"][0]["young_person"] = "Nobody Known"
    with pytest.raises(
        ScenarioError,
        match=r"step 6 \(imagery-devices\), Device searches and "
        r"confiscation, item 1: young_person: there is no 'Nobody Known'",
    ):
        write(data)


def test_it_refuses_to_sign_an_incomplete_record_saying_what_is_missing(demo_accounts):
    data = scenario(3)
    data["stage"] = "awaiting_approval"
    data["step"].append({"id": "sign"})
    with pytest.raises(ScenarioError) as refused:
        write(data)
    assert refused.value.where == "step 9 (sign)"
    assert "The review of the outcome (policy Step 8) is not recorded." in refused.value.problems


def test_it_refuses_a_record_that_ends_at_another_stage(demo_accounts):
    data = scenario(3)
    data["stage"] = "approved"
    with pytest.raises(ScenarioError, match="the end: the record ends at under_review, not at"):
        write(data)


def test_it_refuses_a_writer_without_the_role(demo_accounts):
    data = scenario(3)
    data["step"][0]["by"] = "oakfield-staff"
    with pytest.raises(ScenarioError, match="oakfield-staff may not write this record"):
        write(data)


def test_it_refuses_fixed_dates_in_a_file(tmp_path):
    path = tmp_path / "fixed.toml"
    path.write_text("[concern]\nincident_date = 2026-01-05\n")
    with pytest.raises(ScenarioError, match="concern.incident_date: write dates relative"):
        scenarios.read(path)


def test_it_changes_a_saved_item_when_told_which(demo_accounts):
    data = scenario(7)
    data["step"].insert(
        -2,
        {
            "id": "follow-up",
            "deletions": [{"saved": 2, "confirmed_on": "yesterday", "confirmation_note": "Done."}],
        },
    )
    data["step"] = data["step"][:-2]  # not signed
    incident = write(data)
    deletions = {d.young_person.name: d for d in incident.deletions.all()}
    assert deletions["Harvey Lewis"].confirmed_on == timezone.localdate() - timedelta(days=1)
    assert deletions["Isla Wright"].confirmed_on is None
    assert incident.deletions.count() == 3


# The factory -------------------------------------------------------------------------------


def test_the_factory_puts_the_authenticators_back_as_they_were(world):
    device = totp_device(world.oak_dsl)
    used = fresh_totp_code(device)
    services.sign_record(
        full_record(world.oak, world.oak_dsl, viewing_complete=True), world.oak_dsl, PASSWORD, used
    )
    device.refresh_from_db()
    before = (device.last_t, device.drift)
    approved = full_record(world.oak, world.oak_dsl, status=Status.APPROVED)
    assert approved.status == Status.APPROVED
    assert digest.verify(approved).intact is True
    device.refresh_from_db()
    assert (device.last_t, device.drift) == before
    other = full_record(world.oak, world.oak_dsl, viewing_complete=True)
    with pytest.raises(services.WrongCredentials):
        services.sign_record(other, world.oak_dsl, PASSWORD, used)


# The date notation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("today", TODAY),
        ("yesterday", TODAY - timedelta(days=1)),
        ("tomorrow", TODAY + timedelta(days=1)),
        ("40 days ago", TODAY - timedelta(days=40)),
        ("1 day ago", TODAY - timedelta(days=1)),
        ("0 days ago", TODAY),
        ("in 7 days", TODAY + timedelta(days=7)),
        ("in 1 day", TODAY + timedelta(days=1)),
        ("  In  7   days ", TODAY + timedelta(days=7)),
    ],
)
def test_it_reads_a_day(text, expected):
    assert parse_day(text, TODAY) == expected


@pytest.mark.parametrize(
    "text,day,at",
    [
        ("39 days ago at 08:50", TODAY - timedelta(days=39), time(8, 50)),
        ("yesterday at 16:40", TODAY - timedelta(days=1), time(16, 40)),
        ("today at 0:05", TODAY, time(0, 5)),
        ("in 2 days at 23:59", TODAY + timedelta(days=2), time(23, 59)),
    ],
)
def test_it_reads_a_date_and_time_in_the_current_time_zone(text, day, at):
    moment = parse_moment(text, TODAY)
    assert timezone.is_aware(moment)
    assert timezone.localtime(moment).replace(tzinfo=None) == datetime.combine(day, at)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("aged 15 at the incident", date(2011, 4, 20)),
        ("aged 15 years 2 months at the incident", date(2011, 8, 20)),
        ("aged 1 year 1 month at the incident", date(2025, 9, 20)),
        ("aged 10 years 0 months at the incident", date(2016, 10, 20)),
    ],
)
def test_it_reads_a_date_of_birth_as_an_age_at_the_incident(text, expected):
    assert parse_birth(text, TODAY) == expected


def test_a_date_of_birth_gives_the_age_it_says_on_any_day():
    day = date(2024, 1, 31)
    for _ in range(400):
        for months in range(12):
            born = parse_birth(f"aged 14 years {months} months at the incident", day)
            assert age_on(born, day) == 14
        day += timedelta(days=1)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "soon",
        "last Tuesday",
        "2026-10-01",
        "3 weeks ago",
        "-3 days ago",
        "three days ago",
        "in days",
        "days ago",
        "yesterday at noon",
    ],
)
def test_it_refuses_nonsense_as_a_day(text):
    with pytest.raises(ValueError, match="is not a date|has a time"):
        parse_day(text, TODAY)


@pytest.mark.parametrize(
    "text,message",
    [
        ("yesterday", "has no time: give one"),
        ("yesterday at 24:00", "not a time of day"),
        ("yesterday at 12:60", "not a time of day"),
        ("yesterday at 9", "is not a date and time"),
        ("at 09:00", "is not a date"),
        ("whenever at 09:00", "is not a date"),
    ],
)
def test_it_refuses_nonsense_as_a_date_and_time(text, message):
    with pytest.raises(ValueError, match=message):
        parse_moment(text, TODAY)


@pytest.mark.parametrize(
    "text",
    ["aged 15", "aged fifteen at the incident", "aged 15 years 12 months at the incident", "15"],
)
def test_it_refuses_nonsense_as_a_date_of_birth(text):
    with pytest.raises(ValueError):
        parse_birth(text, TODAY)
