"""Records written from data exactly as a DSL writes them through the pages.

A *scenario* is one incident, from the concern to the stage it ends at. The demo data
(``fixtures/``, loaded by ``manage.py seed_demo``) and the tests' records (``tests/factories.py``)
are scenarios, so a demo or test record is what the product itself would have written: every
item timestamped and attributed, every step audited, every signature real.

The writer does what the pages do, in the same order and through the same code:

- the concern: the concern form (``ConcernForm``) as the reporting member of staff fills it in,
  then ``services.report_concern``;
- each wizard step: the step's own forms, filled in from what the step's page shows (the record
  as saved) with the scenario's answers on top, checked (``is_valid`` and the step's
  ``validate``), then saved by ``step.submit`` with the record's current version. A step that
  does not apply, or whose prerequisite is not complete (``wizard.Flow``), is refused as the
  wizard refuses it; the record is read afresh before each step;
- signing: ``services.sign_record``, ``approve_record``, ``sign_off_non_referral`` and
  ``send_back``, with the signer's password and a code from their confirmed authenticator.
  The writer computes that code, which it can only do for accounts whose key it reads (the demo
  and test accounts). A device refuses a code used before, so the writer re-arms it (forgets the
  last code used) before each signature and puts it back as it was once the record is written:
  a newcomer, or a test, can still use the current code.

Anything refused stops the scenario with a ``ScenarioError`` naming the scenario (its file),
the step and every error the forms or the services gave; nothing of that record is kept.

The data (a TOML file read by ``read``, or a dict built by a caller)::

    school = "oakfield"            # the school's slug
    dsl = "oakfield-dsl"           # who writes the wizard steps, unless a step says ``by``
    stage = "under_review"         # reported, under_review, awaiting_approval or approved

    [concern]                      # the concern form: its fields, and who reported it
    by = "oakfield-staff"
    incident_date = "12 days ago"
    disclosed_at = "11 days ago at 08:15"
    ...

    [[step]]                       # one page saved, in order
    id = "people"                  # a step of the wizard (``record.PARTS``), or a signature
    [[step.young_people]]          # a form of the step, by its prefix or its heading
    name = "Leah Turner"
    date_of_birth = "aged 14 at the incident"
    ...

    [[step]]
    id = "parents"
    [step."Leah Turner"]           # the parents step has a form per young person, headed
    informed = "yes"               # by their name
    ...

    [[step]]
    id = "approve"                 # sign, approve, sign-off-non-referral, send-back
    by = "oakfield-head"
    sign_off_non_referral = true   # approve: give the sign-off in the same act
                                   # send-back: ``reason = "..."``

A form is a table of its fields; a list of items (a formset) is a list of tables, each a new
item, or, with ``saved = 2``, a change to the second item already saved. A field left out
keeps what the page shows. Choices are written as stored (``"yes"``, ``"friend"``); several
choices of one question as a list (``imagery_location = ["personal_device", "online"]``); ticks
as ``true`` or ``false``; a young person, where a form asks for one, by name.

Dates are relative to the day the scenario is written, so the demo always looks current:

- a day: ``"today"``, ``"yesterday"``, ``"tomorrow"``, ``"40 days ago"``, ``"in 7 days"``
  (``"1 day ago"``, ``"in 1 day"``);
- a date and time: a day, then ``" at "`` and the time on a 24-hour clock:
  ``"39 days ago at 08:50"``, ``"yesterday at 16:40"``;
- a date of birth: ``"aged 15 at the incident"`` (born 15 years and 6 months before the
  incident date) or ``"aged 15 years 2 months at the incident"``.

A date field takes a day, a date-and-time field a date and time; anything else is refused. A
file holds no other kind of date (TOML's own dates are refused); a caller in Python may also
give ``date`` and ``datetime`` objects.
"""

from __future__ import annotations

import calendar
import re
import tomllib
from base64 import b32decode
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.db.models import ProtectedError
from django.forms import BaseFormSet
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents import access, record, services, wizard
from incidents.forms.concern import ConcernForm
from incidents.models import (
    Incident,
    Membership,
    Role,
    School,
    Status,
    Trust,
    User,
)
from incidents.security import needs_second_factor

# The signing transitions a scenario's step may be, beside the wizard's steps.
SIGN = "sign"
APPROVE = "approve"
SIGN_OFF = "sign-off-non-referral"
SEND_BACK = "send-back"
SIGNING = (SIGN, APPROVE, SIGN_OFF, SEND_BACK)
# What each signing step may say besides ``id`` and ``by``.
SIGNING_OPTIONS = {
    SIGN: set(),
    APPROVE: {"sign_off_non_referral"},
    SIGN_OFF: set(),
    SEND_BACK: {"reason"},
}

SCENARIO_KEYS = {"school", "dsl", "stage", "concern", "step"}
ACCOUNT_KEYS = {"trust", "school", "account"}


class ScenarioError(Exception):
    """A scenario the product refuses: where (the scenario and its step) and every reason."""

    def __init__(self, name: str, where: str, problems: Iterable[str]):
        self.name = name
        self.where = where
        self.problems = list(problems)
        head = f"{name}, {where}"
        if len(self.problems) == 1:
            message = f"{head}: {self.problems[0]}"
        else:
            message = f"{head}:\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(message)


@dataclass(frozen=True)
class Scenario:
    """One record's data, and where it came from (a file, or the function that built it)."""

    name: str
    data: dict[str, Any]


# Reading files -------------------------------------------------------------------------------


def _toml(path: Path, name: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(name, "the file", [f"not valid TOML: {exc}"]) from None
    native = list(_native_dates(data, ""))
    if native:
        raise ScenarioError(
            name,
            "the file",
            [
                f"{where}: write dates relative to the day of seeding, e.g. '3 days ago' or "
                "'3 days ago at 09:30', not as a fixed date"
                for where in native
            ],
        )
    return data


def _native_dates(value: Any, where: str) -> Iterable[str]:
    if isinstance(value, date | time):
        yield where or "a value"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _native_dates(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            yield from _native_dates(item, f"{where}[{index}]")


def read(path: Path | str, name: str | None = None) -> Scenario:
    """The scenario in a TOML file; ``name`` says where it is in messages (default: its path)."""
    name = name or str(path)
    return Scenario(name=name, data=_toml(Path(path), name))


def read_accounts(path: Path | str, name: str | None = None) -> dict[str, Any]:
    """The trust, schools and accounts in a TOML file (see ``create_accounts``)."""
    name = name or str(path)
    data = _toml(Path(path), name)
    _only(data, ACCOUNT_KEYS, name, "the file")
    return data


# Dates relative to the day of writing --------------------------------------------------------

_DAY = re.compile(r"(today|yesterday|tomorrow)|(\d+) days? ago|in (\d+) days?")
_MOMENT = re.compile(r"(?P<day>.+) at (?P<hour>\d{1,2}):(?P<minute>\d{2})")
_AGED = re.compile(r"aged (\d+)(?: years?)?(?: (\d+) months?)? at the incident")
NOTATION = (
    "write 'today', 'yesterday', 'tomorrow', '3 days ago' or 'in 7 days'; a date and time "
    "adds ' at 09:30'; a date of birth may be 'aged 15 at the incident'"
)


def _words(text: str) -> str:
    return " ".join(text.split()).lower()


def parse_day(text: str, today: date | None = None) -> date:
    """A day in the notation ("40 days ago", "in 7 days", "today"); ``ValueError`` otherwise."""
    today = today or timezone.localdate()
    match = _DAY.fullmatch(_words(text))
    if match is None:
        if _MOMENT.fullmatch(_words(text)):
            raise ValueError(f"{text!r} has a time: a date is a day only, e.g. '3 days ago'")
        raise ValueError(f"{text!r} is not a date: {NOTATION}")
    named, ago, ahead = match.groups()
    if named:
        return today + timedelta(days={"today": 0, "yesterday": -1, "tomorrow": 1}[named])
    return today - timedelta(days=int(ago)) if ago else today + timedelta(days=int(ahead))


def parse_moment(text: str, today: date | None = None) -> datetime:
    """A date and time in the notation ("39 days ago at 08:50"), in the current time zone."""
    match = _MOMENT.fullmatch(_words(text))
    if match is None:
        if _DAY.fullmatch(_words(text)):
            raise ValueError(f"{text!r} has no time: give one, e.g. '{text} at 09:30'")
        raise ValueError(f"{text!r} is not a date and time: {NOTATION}")
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r}: the time is not a time of day (00:00 to 23:59)")
    day = parse_day(match["day"], today)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def parse_birth(text: str, incident_date: date) -> date:
    """A date of birth in the notation ("aged 15 at the incident"): 15 years and 6 months
    before the incident date, or the years and months given ("aged 15 years 2 months ...")."""
    match = _AGED.fullmatch(_words(text))
    if match is None:
        raise ValueError(f"{text!r} is not a date of birth: {NOTATION}")
    years, months = int(match[1]), int(match[2]) if match[2] is not None else 6
    if months > 11:
        raise ValueError(f"{text!r}: give the months as 0 to 11")
    return _months_before(incident_date, years * 12 + months)


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# What a page shows, as the browser posts it --------------------------------------------------


def page_values(form: forms.BaseForm) -> dict[str, str]:
    """A form's fields as its page shows them, in the form the browser posts them unchanged."""
    values = {}
    for bound in form:
        widget = bound.field.widget
        value = bound.value()
        if isinstance(widget, forms.CheckboxInput):
            if widget.check_test(value):
                values[bound.html_name] = "on"
            continue
        shown = widget.format_value(value)
        if isinstance(shown, list) and isinstance(widget, forms.CheckboxSelectMultiple):
            # Several ticked: posted as one value, commas between (``forms.common.Ticks``).
            shown = ",".join(str(v) for v in shown)
        elif isinstance(shown, list):
            shown = shown[0] if shown else ""
        values[bound.html_name] = "" if shown is None else str(shown)
    return values


# Accounts --------------------------------------------------------------------------------------


def create_accounts(data: dict[str, Any], *, password: str, totp_secret: str) -> dict[str, User]:
    """The trust, its schools and the accounts of ``data`` (``read_accounts``), by username.

    Every account has ``password``; every account that reads records (or administers the
    system) gets an authenticator with the base32 ``totp_secret``. Accounts are not records, so
    they are created as the system administrator creates them in the admin, not by a service.
    """
    trust = Trust.objects.create(name=data["trust"]["name"], slug=data["trust"]["slug"])
    schools = {
        entry["slug"]: School.objects.create(trust=trust, **entry) for entry in data["school"]
    }
    key = b32decode(totp_secret).hex()
    users = {}
    # Seeded roles are in effect at once (as if a second person had confirmed them).
    now = timezone.now()
    for entry in data["account"]:
        admin = bool(entry.get("system_administrator", False))
        user = User.objects.create_user(
            username=entry["username"],
            password=password,
            first_name=entry["first_name"],
            last_name=entry["last_name"],
            email=entry.get("email", f"{entry['username']}@example.org"),
            is_staff=admin,
            is_superuser=admin,
        )
        role = entry.get("role")
        if role == Role.TRUST_LEAD:
            Membership.objects.create(user=user, trust=trust, role=role, confirmed_at=now)
        elif role:
            Membership.objects.create(
                user=user, school=schools[entry["school"]], role=role, confirmed_at=now
            )
        if needs_second_factor(user):
            TOTPDevice.objects.create(user=user, name="Demo authenticator", key=key, confirmed=True)
        users[user.username] = user
    return users


# Writing a record ------------------------------------------------------------------------------


def write(scenario: Scenario, *, password: str) -> Incident:
    """Write the scenario's record as its people would through the pages; the incident.

    ``password`` is every signer's. Raises ``ScenarioError`` and keeps nothing when the
    product refuses any part of it.
    """
    return _Writer(scenario, password).write()


def _only(data: dict[str, Any], allowed: set[str], name: str, where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ScenarioError(
            name,
            where,
            [
                f"{key!r} is not understood here: expected {', '.join(sorted(allowed))}"
                for key in unknown
            ],
        )


class _Writer:
    def __init__(self, scenario: Scenario, password: str):
        self.name = scenario.name
        self.data = scenario.data
        self.password = password
        # Devices re-armed for a signature: their last code and drift before, to put back.
        self.armed: dict[int, tuple[int, int]] = {}
        # What a signed-in user's request holds already: their account and their roles in the
        # school (``request.user``, ``request.roles``); the record's school, read once.
        self.users: dict[str, User] = {}
        self.roles: dict[int, frozenset[str]] = {}
        self.school: School | None = None

    def error(self, where: str, *problems: str) -> ScenarioError:
        return ScenarioError(self.name, where, problems)

    def write(self) -> Incident:
        _only(self.data, SCENARIO_KEYS, self.name, "the scenario")
        for key in ("school", "stage", "concern"):
            if key not in self.data:
                raise self.error("the scenario", f"{key!r} is missing")
        stage = self.data["stage"]
        if stage not in Status.values:
            raise self.error(
                "the scenario", f"stage {stage!r} is not one of {', '.join(Status.values)}"
            )
        school = School.objects.filter(slug=self.data["school"]).first()
        if school is None:
            raise self.error("the scenario", f"there is no school {self.data['school']!r}")
        self.school = school
        steps = self.data.get("step", [])
        with transaction.atomic():
            pk = self.concern(school, dict(self.data["concern"])).pk
            for number, values in enumerate(steps, start=1):
                if not isinstance(values, dict) or "id" not in values:
                    raise self.error(f"step {number}", "give the step's id")
                values = dict(values)
                identifier = values.pop("id")
                where = f"step {number} ({identifier})"
                if identifier in SIGNING:
                    self.sign(where, identifier, values, pk)
                else:
                    self.save(where, identifier, values, pk)
            self.put_back_devices()
            incident = Incident.objects.get(pk=pk)
            if incident.status != stage:
                raise self.error(
                    "the end",
                    f"the record ends at {incident.status}, not at {stage}",
                )
        return incident

    def user(self, username: Any, where: str) -> User:
        if not username:
            raise self.error(where, "say who does this: 'by', or the scenario's 'dsl'")
        if username not in self.users:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise self.error(where, f"there is no account {username!r}")
            self.users[username] = user
        return self.users[username]

    def roles_of(self, user: User, school: School) -> frozenset[str]:
        if user.pk not in self.roles:
            self.roles[user.pk] = access.roles_in(user, school)
        return self.roles[user.pk]

    # The concern -----------------------------------------------------------------------------

    def concern(self, school: School, values: dict[str, Any]) -> Incident:
        where = "concern"
        reporter = self.user(values.pop("by", None), where)
        if not self.roles_of(reporter, school):
            raise self.error(where, f"{reporter.username} holds no role in {school.name}")
        page = ConcernForm(reporter=reporter)
        data = page_values(page)
        self.fill(page, values, data, where, None)
        form = ConcernForm(data, reporter=reporter)
        if not form.is_valid():
            raise self.error(where, *_form_errors("the concern form", form))
        return services.report_concern(
            school=school,
            reporter=reporter,
            disclosure=form.save(commit=False),
            incident_date=form.cleaned_data["incident_date"],
            disclosed_at=form.cleaned_data["disclosed_at"],
        )

    # A wizard step ---------------------------------------------------------------------------

    def save(self, where: str, identifier: str, values: dict[str, Any], pk: int) -> None:
        step = wizard.get_step(identifier)
        if step is None:
            raise self.error(
                where,
                f"there is no step {identifier!r}: the steps are "
                + ", ".join([*wizard.STEP_IDS, *SIGNING]),
            )
        user = self.user(values.pop("by", self.data.get("dsl")), where)
        incident = record.incidents().get(pk=pk)
        # The record's school is the one the scenario names, as a page takes the request's.
        assert self.school is not None, "a step is written after its concern"
        incident.school = self.school
        incident = record.load(incident, whole=False)
        if step.read_only:
            raise self.error(where, f"“{step.label}” saves nothing: leave it out")
        flow = wizard.Flow(incident)
        if step not in flow.applicable:
            raise self.error(
                where,
                f"“{step.label}” does not apply to this record: "
                f"{step.not_applicable_reason(incident)}",
            )
        blocker = flow.blocker(step)
        if blocker is not None:
            raise self.error(
                where, f"complete “{blocker.label}” first: “{step.label}” depends on it"
            )
        if not access.access_of(user, incident, self.roles_of(user, incident.school)).edit:
            raise self.error(where, f"{user.username} may not write this record")
        data = self.post(step.forms(incident), step.titles(incident), values, where, incident)
        parts = step.forms(incident, data)
        valid = all(part.is_valid() for part in parts.values())
        if valid:
            step.validate(incident, parts)
            valid = all(part.is_valid() for part in parts.values())
        if not valid:
            titles = step.titles(incident)
            problems = [
                problem
                for name, part in parts.items()
                for problem in _part_errors(titles.get(name) or name, part)
            ]
            raise self.error(where, *problems)
        try:
            step.submit(incident, parts, incident.version, user=user)
        except services.ServiceError as exc:
            raise self.error(where, str(exc)) from None
        except ProtectedError:
            raise self.error(
                where, "an item removed is still referred to elsewhere in the record"
            ) from None

    def post(
        self,
        parts: dict[str, Any],
        titles: dict[str, str],
        values: dict[str, Any],
        where: str,
        incident: Incident,
    ) -> dict[str, str]:
        """What the step's page posts: what it shows, with the scenario's answers on top."""
        names = {}
        for name in parts:
            names[name] = name
            if titles.get(name):
                names.setdefault(titles[name], name)
        unknown = [key for key in values if key not in names]
        if unknown:
            shown = ", ".join(
                f"{name!r}" + (f" ({titles[name]})" if titles.get(name) else "") for name in parts
            )
            raise self.error(
                where,
                *[f"{key!r} is not a form of this step, which has {shown}" for key in unknown],
            )
        given = {names[key]: value for key, value in values.items()}
        data: dict[str, str] = {}
        for name, part in parts.items():
            label = titles.get(name) or name
            if isinstance(part, BaseFormSet):
                data |= self.post_list(part, given.get(name), f"{where}, {label}", incident)
            else:
                data |= page_values(part)
                if name in given:
                    if not isinstance(given[name], dict):
                        raise self.error(where, f"{label}: give a table of its fields")
                    self.fill(part, given[name], data, f"{where}, {label}", incident)
        return data

    def post_list(
        self, formset: BaseFormSet[Any], items: Any, where: str, incident: Incident
    ) -> dict[str, str]:
        """A list's saved items as shown, changed where an item says ``saved = n``, and each
        other item added in a new form."""
        items = [] if items is None else items
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise self.error(where, "give a list of items, each a table of its fields")
        saved = formset.initial_form_count()
        added = [item for item in items if "saved" not in item]
        management = page_values(formset.management_form)
        management[formset.management_form.add_prefix("TOTAL_FORMS")] = str(saved + len(added))
        data = management
        forms_shown = formset.forms[:saved]
        for form in forms_shown:
            data |= page_values(form)
        for item in items:
            if "saved" not in item:
                continue
            item = dict(item)
            position = item.pop("saved")
            if not isinstance(position, int) or not 1 <= position <= saved:
                raise self.error(
                    where, f"saved = {position!r}: there are {saved} saved items (1 to {saved})"
                )
            self.fill(
                forms_shown[position - 1], item, data, f"{where}, saved item {position}", incident
            )
        for index, item in enumerate(added, start=saved):
            form = formset.empty_form
            form.prefix = formset.add_prefix(index)
            data |= page_values(form)
            self.fill(form, item, data, f"{where}, item {index + 1}", incident)
        return data

    def fill(
        self,
        form: forms.BaseForm,
        values: dict[str, Any],
        data: dict[str, str],
        where: str,
        incident: Incident | None,
    ) -> None:
        """Put the scenario's answers into the posted ``data``, as the user types them."""
        for name, value in values.items():
            field = form.fields.get(name)
            if field is None:
                raise self.error(
                    where, f"there is no field {name!r}: the form has {', '.join(form.fields)}"
                )
            key = form.add_prefix(name)
            try:
                text = self.text(field, name, value, incident)
            except ValueError as exc:
                raise self.error(where, f"{name}: {exc}") from None
            if text is None:
                data.pop(key, None)
            else:
                data[key] = text

    def text(
        self, field: forms.Field, name: str, value: Any, incident: Incident | None
    ) -> str | None:
        """What the user types into ``field`` for the scenario's ``value``: None unticks."""
        if isinstance(value, bool):
            if isinstance(field.widget, forms.CheckboxInput):
                return "on" if value else None
            raise ValueError(f"{value!r} is not one of its choices: write the choice as stored")
        if isinstance(value, list) and isinstance(field, forms.MultipleChoiceField):
            return ",".join(str(v) for v in value)
        if isinstance(value, dict | list):
            raise ValueError("give one value")
        if isinstance(field, forms.DateTimeField):
            return _moment_text(value)
        if isinstance(field, forms.DateField):
            return _day_text(value, name, incident)
        if isinstance(field, forms.ModelChoiceField) and value != "":
            for choice in field.queryset or ():
                if str(choice) == str(value):
                    return str(choice.pk)
            raise ValueError(f"there is no {value!r} in this record to choose")
        return str(value)

    # Signing ---------------------------------------------------------------------------------

    def sign(self, where: str, identifier: str, values: dict[str, Any], pk: int) -> None:
        default = self.data.get("dsl") if identifier == SIGN else None
        user = self.user(values.pop("by", default), where)
        _only(values, SIGNING_OPTIONS[identifier], self.name, where)
        incident = Incident.objects.get(pk=pk)
        try:
            if identifier == SIGN:
                services.sign_record(incident, user, self.password, self.code(user, where))
            elif identifier == APPROVE:
                services.approve_record(
                    incident,
                    user,
                    self.password,
                    self.code(user, where),
                    sign_off_non_referral=values.get("sign_off_non_referral") is True,
                )
            elif identifier == SIGN_OFF:
                services.sign_off_non_referral(
                    incident, user, self.password, self.code(user, where)
                )
            else:
                services.send_back(incident, user, values.get("reason", ""))
        except services.RecordIncomplete as exc:
            raise self.error(where, str(exc), *(item.message for item in exc.items)) from None
        except services.ServiceError as exc:
            raise self.error(where, str(exc)) from None

    def code(self, user: User, where: str) -> str:
        """A code the user's authenticator accepts now: the device is re-armed first."""
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            raise self.error(where, f"{user.username} has no authenticator to sign with")
        self.armed.setdefault(device.pk, (device.last_t, device.drift))
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, drift=0)
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
        return f"{totp.token():0{device.digits}d}"

    def put_back_devices(self) -> None:
        for pk, (last_t, drift) in self.armed.items():
            TOTPDevice.objects.filter(pk=pk).update(last_t=last_t, drift=drift)
        self.armed.clear()


def _moment_text(value: Any) -> str:
    if isinstance(value, datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
    elif isinstance(value, date):
        raise ValueError("give a time too")
    elif value == "":
        return ""
    else:
        moment = timezone.localtime(parse_moment(str(value)))
    return f"{moment:%Y-%m-%dT%H:%M}"


def _day_text(value: Any, name: str, incident: Incident | None) -> str:
    if isinstance(value, datetime):
        raise ValueError("a date is a day only")
    if isinstance(value, date):
        return value.isoformat()
    if value == "":
        return ""
    text = str(value)
    if _words(text).startswith("aged "):
        if name != "date_of_birth" or incident is None:
            raise ValueError(f"{text!r}: only a date of birth is written 'aged …'")
        return parse_birth(text, incident.incident_date).isoformat()
    return parse_day(text).isoformat()


def _form_errors(label: str, form: forms.BaseForm) -> list[str]:
    problems = []
    for field, messages in form.errors.items():
        what = label if field == NON_FIELD_ERRORS else f"{label}, {field}"
        problems += [f"{what}: {message}" for message in messages]
    return problems


def _part_errors(label: str, part: Any) -> list[str]:
    if not isinstance(part, BaseFormSet):
        return _form_errors(label, part)
    problems = [f"{label}: {message}" for message in part.non_form_errors()]
    for index, form in enumerate(part.forms, start=1):
        problems += _form_errors(f"{label}, item {index}", form)
    return problems
