"""Failed sign-ins, counted so that an attacker slows himself down without locking the owner
out (ASVS V6; README, Security).

- Per (account, client address): the first FREE_FAILURES failures cost nothing; after them
  each attempt must wait a delay that doubles with every failure, up to MAX_DELAY.
- Per account, from all addresses: at most ACCOUNT_CEILING failed passwords an hour. Past it,
  the password no longer signs in for the rest of the hour; an e-mailed one-time code does
  (allauth's login by code). The account itself is never locked.

Counters live in the cache; a successful sign-in from an address clears that address's count.
"""

import hashlib
import time

from django.core.cache import cache

FREE_FAILURES = 5
MAX_DELAY = 15 * 60
ACCOUNT_CEILING = 100
ACCOUNT_WINDOW = 60 * 60
PAIR_MEMORY = 24 * 60 * 60


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).lower().encode()).hexdigest()


def _pair_key(email: str, client: str) -> str:
    return f"login-failures:pair:{_digest(email, client)}"


def _account_key(email: str) -> str:
    return f"login-failures:account:{_digest(email)}"


def delay_after(failures: int) -> int:
    """The wait before the next attempt after `failures` failures in a row: 0, then 1, 2, 4,
    8 ... seconds, never more than MAX_DELAY."""
    if failures < FREE_FAILURES:
        return 0
    return min(2 ** (failures - FREE_FAILURES), MAX_DELAY)


def wait_before_next(email: str, client: str) -> int:
    """Seconds this client must still wait before trying this account's password again."""
    failures, last = cache.get(_pair_key(email, client), (0, 0.0))
    return max(0, int(last + delay_after(failures) - time.time() + 0.999))


def ceiling_reached(email: str) -> bool:
    return (cache.get(_account_key(email)) or 0) >= ACCOUNT_CEILING


def record_failure(email: str, client: str) -> None:
    key = _pair_key(email, client)
    failures, _last = cache.get(key, (0, 0.0))
    cache.set(key, (failures + 1, time.time()), PAIR_MEMORY)
    account = _account_key(email)
    cache.add(account, 0, ACCOUNT_WINDOW)
    try:
        cache.incr(account)
    except ValueError:  # expired between add and incr: a new window starts with this one
        cache.set(account, 1, ACCOUNT_WINDOW)


def record_success(email: str, client: str) -> None:
    cache.delete(_pair_key(email, client))
