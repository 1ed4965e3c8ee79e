"""Demo data for a newcomer: the trust, schools, accounts and incidents of ``fixtures/``.

``fixtures/accounts.toml`` holds the trust, its schools and a person in every role; every other
file there is one incident, written from a situation in the two policies and through the same
forms and services as the pages (``incidents.scenarios``), so a demo record is exactly what a
DSL would have written. Run by `make run`; refuses to run with DEBUG off, so it can never put
invented children into a live deployment. See fixtures/README.md.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from incidents import scenarios
from incidents.models import Role, School

DEMO_PASSWORD = "safeguarding-demo-2026"
# The second factor of demo accounts: a fixed TOTP secret (base32) that `make run` prints, so a
# newcomer can add it to an authenticator app. Never used outside DEBUG.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"
FIXTURES = Path(settings.BASE_DIR) / "fixtures"
ACCOUNTS = FIXTURES / "accounts.toml"


def scenario_files() -> list[Path]:
    """Every scenario of the demo, in the order they are written (their references' order)."""
    return sorted(path for path in FIXTURES.glob("*.toml") if path != ACCOUNTS)


def _shown(path: Path) -> str:
    """A fixture's path as messages name it: fixtures/…."""
    return str(path.relative_to(settings.BASE_DIR))


class Command(BaseCommand):
    help = "Load the demo trust, schools, accounts and incidents of fixtures/ (development only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DJANGO_DEBUG=true: it invents children.")
        try:
            accounts = scenarios.read_accounts(ACCOUNTS, _shown(ACCOUNTS))
            if School.objects.filter(slug=accounts["school"][0]["slug"]).exists():
                self.stdout.write("Demo data is already loaded.")
            else:
                self.load(accounts)
                self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        except scenarios.ScenarioError as exc:
            raise CommandError(str(exc)) from None
        self.print_logins(accounts)

    def load(self, accounts: dict[str, Any]) -> None:
        # The concerns alert the demo DSL teams at example.org: sent nowhere, not printed.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            transaction.atomic(),
        ):
            scenarios.create_accounts(
                accounts, password=DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET
            )
            for path in scenario_files():
                scenario = scenarios.read(path, _shown(path))
                scenarios.write(scenario, password=DEMO_PASSWORD)

    def print_logins(self, accounts: dict[str, Any]) -> None:
        schools = {school["slug"]: school["name"] for school in accounts["school"]}
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for every account: {DEMO_PASSWORD})")
        for account in accounts["account"]:
            role = account.get("role")
            if role == Role.TRUST_LEAD:
                where = accounts["trust"]["name"]
            else:
                where = schools.get(account.get("school"), "no school")
            label = Role(role).label if role else "System administrator"
            name = f"{account['first_name']} {account['last_name']}"
            self.stdout.write(f"  {account['username']:<17} {name}: {label}, {where}")
        self.stdout.write(
            f"Accounts that read records ask for a second factor: add the secret "
            f"{DEMO_TOTP_SECRET} to an authenticator app (TOTP, 6 digits, 30 seconds)."
        )
