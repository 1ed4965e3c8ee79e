"""The keys of the tamper evidence: HMAC-SHA256 for signatures' digests and the audit chain.

The keys come from the environment (``SAFEGUARDING_DIGEST_KEYS`` in ``safeguarding.settings``),
never from the database: someone who can change rows in the database cannot recompute a keyed
digest. Each keyed row stores the id of its key, so keys can be rotated: the first key listed is
the one new rows are keyed with, and the others stay listed for verifying what they keyed.

A row with no key id was made before digests were keyed; it is a plain SHA-256 and verifies as
one, but anyone with the data could have recomputed it, so the checks say it is weaker.
"""

import hashlib
import hmac

from django.conf import settings


class UnknownKey(LookupError):
    """A row names a key this server does not hold."""


def current_id() -> str:
    """The id of the key new digests are made with (the first listed)."""
    keys: dict[str, bytes] = settings.SAFEGUARDING_DIGEST_KEYS
    return next(iter(keys))


def held(key_id: str) -> bool:
    return key_id in settings.SAFEGUARDING_DIGEST_KEYS


def mac(data: bytes, key_id: str | None) -> str:
    """HMAC-SHA256 (hex) of ``data`` with the key ``key_id``; plain SHA-256 when it is None
    (rows made before keying). Raises ``UnknownKey`` for a key that is not held."""
    if key_id is None:
        return hashlib.sha256(data).hexdigest()
    try:
        key: bytes = settings.SAFEGUARDING_DIGEST_KEYS[key_id]
    except KeyError:
        raise UnknownKey(key_id) from None
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def equal(a: str, b: str) -> bool:
    """Compare two digests in constant time."""
    return hmac.compare_digest(a.encode(), b.encode())
