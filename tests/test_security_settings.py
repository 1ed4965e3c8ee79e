"""Production configuration and response headers (issue 5: headers and configuration)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.conftest import client_login

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "p7#Rk2@vXz9!Lq4$Wn8^Tb3&Yc6*Hm1(Gd5)Fs0_Je-Ua+Ko=Ix",
    "DJANGO_ALLOWED_HOSTS": "records.example.org",
    "SAFEGUARDING_DIGEST_KEYS": "k2:" + "A" * 43 + "=",
}


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={"PATH": os.environ["PATH"], **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_setting(expression: str, **env) -> str:
    result = subprocess.run(
        [sys.executable, "-c", f"import safeguarding.settings as s; print({expression})"],
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **PRODUCTION, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_it_passes_the_deployment_checks_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_fails_the_deployment_checks_when_https_is_turned_off():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION,
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout


def test_it_hashes_passwords_with_argon2_in_production():
    hashers = production_setting("s.PASSWORD_HASHERS[0]")
    assert hashers == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_it_uses_secure_cookies_and_hsts_in_production():
    values = production_setting(
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS >= 31536000"
    )
    assert values == "True True True True"
    names = production_setting("s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME")
    assert names == "__Host-sessionid __Host-csrftoken"


def csp_directives(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in header.split(";")
        if part.strip()
    }


def test_it_sends_a_strict_content_security_policy_on_pages(client, db):
    response = client.get(reverse("login"))
    directives = csp_directives(response)
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]


def test_it_sends_the_policy_on_a_record_page_too(client, world, incident):
    client_login(client, world.oak_dsl)
    response = client.get(f"/incidents/{incident.reference}/")
    assert response.status_code == 200
    assert csp_directives(response)["script-src"] == "'self'"


def test_it_has_no_inline_script_or_style_in_any_template():
    offending = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)", text):
            offending.append(f"{path}: inline <script>")
        if re.search(r"\sstyle=\"|<style|\son[a-z]+=\"", text):
            offending.append(f"{path}: inline style or event handler")
    assert offending == []


def test_it_forbids_caching_anything_shown_to_a_signed_in_user(client, world, incident):
    client_login(client, world.oak_dsl)
    for path in ("/", f"/incidents/{incident.reference}/"):
        cache_control = client.get(path).headers["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control


@pytest.mark.parametrize("header", ["X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"])
def test_it_sends_the_hardening_headers(client, db, header):
    assert client.get(reverse("login")).headers[header]


def test_it_never_puts_a_search_in_the_address(client, world):
    # No personal data in URLs: the search form posts. The list's filters are in the query
    # string (issue 18), so that form is a GET: it has choices and dates only, no text a name
    # could be typed into.
    client_login(client, world.oak_dsl)
    body = client.get("/incidents/").content.decode()
    forms = re.findall(r"(<form[^>]*>)(.*?)</form>", body, flags=re.S)
    assert any('method="post"' in tag.lower() and "search" in tag for tag, _ in forms)
    get_forms = [inner for tag, inner in forms if 'method="get"' in tag.lower()]
    assert len(get_forms) == 1
    for inner in get_forms:
        kinds = set(re.findall(r'<input[^>]*type="([a-z]+)"', inner))
        assert kinds <= {"date", "checkbox", "hidden", "submit"}, kinds
        assert "<textarea" not in inner
