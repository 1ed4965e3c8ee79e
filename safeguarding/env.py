"""Typed readers for settings from the environment that fail loudly on bad values.

Each reader also accepts ``NAME_FILE``: the path of a file holding the value, so secrets can
come from a mounted file instead of the process environment.
"""

import base64
import binascii
import os
import re
from typing import overload

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _raw(name: str) -> str | None:
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as fh:
                return fh.read().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}") from exc
    return os.environ.get(name)


@overload
def envstr(name: str, default: str, *, required: bool = False) -> str: ...
@overload
def envstr(name: str, default: None = None, *, required: bool = False) -> str | None: ...
def envstr(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = _raw(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"{name} must be set")
        return default
    return value


def envbool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
MIN_KEY_BYTES = 32


def envkeys(name: str) -> dict[str, bytes]:
    """A comma-separated list of ``id:base64key`` pairs, in order (the first is current).

    Each id is 1 to 32 letters, digits, ``_``, ``.`` or ``-`` and appears once; each key decodes
    to at least 32 bytes. An empty or unset variable gives an empty mapping.
    """
    value = _raw(name)
    keys: dict[str, bytes] = {}
    if value is None or value.strip() == "":
        return keys
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        key_id, colon, encoded = item.partition(":")
        key_id = key_id.strip()
        if not colon or not _KEY_ID.match(key_id):
            raise ImproperlyConfigured(
                f"{name} must be a comma-separated list of id:base64key (an id is 1 to 32 "
                "letters, digits, '_', '.' or '-')"
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"{name} names the key id {key_id!r} twice")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(f"{name}: the key {key_id!r} is not valid base64") from None
        if len(key) < MIN_KEY_BYTES:
            raise ImproperlyConfigured(
                f"{name}: the key {key_id!r} must be at least {MIN_KEY_BYTES} bytes "
                f"(it is {len(key)}); make one with: openssl rand -base64 32"
            )
        keys[key_id] = key
    return keys
