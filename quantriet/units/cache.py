"""Version tokens for the caches of tree pages and of users' roles, and whether those caches are on.

Rendered tree fragments (`units.views`) and users' role scopes (`accounts.access`) are cached
under keys that include a *version token*. Every function that changes what they show calls
`bump_tree_version()` (units, member counters, membership periods, reorganizations) or
`bump_roles_version()` (grant, revoke); a new random token makes every older entry
unreachable at once, so a page never shows a count that the database no longer holds.

Transactions: inside `transaction.atomic` the new token is set when the transaction commits
(`on_commit`), once per transaction however many changes it makes, and until then the
connection that made the changes bypasses the caches (it must see its own writes). Other
requests keep the old token until the commit, which is right: they cannot see the new rows
either. A request reads the token *before* it reads any row, so what it stores under a token
is never older than the rows committed when that token was drawn. A rolled-back transaction
drops its pending bump with its other commit hooks.

A token is random, not a counter, so a token lost from the cache (evicted, Redis restarted)
can never bring old entries back: the next reader draws a new one.

The caches are only correct when every process shares them (Redis, REDIS_URL): a per-process
memory cache would not see another process's bump. So they are on only when
`settings.TREE_CACHE` is true, which defaults to "REDIS_URL is set" (settings.py). Entries
also expire after `FRAGMENT_TIMEOUT` seconds, which bounds what a write made outside the
actions (raw SQL, a restored database) can leave behind; `clear()` drops everything at once.
"""
from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

TREE_KEY = "qt:tree-version"
ROLES_KEY = "qt:roles-version"
#: Seconds a cached fragment or role list may live (a bound on writes made outside the actions).
FRAGMENT_TIMEOUT = 600


def enabled() -> bool:
    return bool(getattr(settings, "TREE_CACHE", False))


def _new_token() -> str:
    return uuid.uuid4().hex[:16]


#: Bumps made by this process; tokens remembered for a request are trusted only while it is unchanged.
_generation = 0


class _Bump:
    """The commit hook that draws a new token (recognizable in the connection's pending hooks)."""

    def __init__(self, key: str):
        self.key = key

    def __call__(self) -> None:
        global _generation
        _generation += 1
        cache.set(self.key, _new_token(), None)


def _pending(key: str) -> bool:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return False
    return any(isinstance(func, _Bump) and func.key == key for _sids, func, _robust in connection.run_on_commit)


def _bump(key: str) -> None:
    # Always, even while the caches are off: a cache switched on later must not trust old entries.
    if not _pending(key):
        transaction.on_commit(_Bump(key))  # runs at once outside a transaction


def bump_tree_version() -> None:
    """Call after any change to units, their member counters, membership periods or member↔user links."""
    _bump(TREE_KEY)


def bump_roles_version() -> None:
    """Call after any change to role assignments."""
    _bump(ROLES_KEY)


def pending() -> bool:
    """Whether this connection's open transaction changed the tree or the roles (then bypass the caches)."""
    return _pending(TREE_KEY) or _pending(ROLES_KEY)


def versions(owner=None) -> tuple[str, str] | None:
    """(tree token, roles token) in one round trip; None when the caches must not be used now.

    With `owner` (the request's user object) the tokens are read once per request, as long as
    this process made no bump since. A missing token is drawn anew (`add`, so concurrent
    readers agree on one).
    """
    if not enabled() or pending():
        return None
    memo = getattr(owner, "_quantriet_versions", None)
    if memo is not None and memo[0] == _generation:
        return memo[1]
    generation = _generation
    found = cache.get_many([TREE_KEY, ROLES_KEY])
    result = []
    for key in (TREE_KEY, ROLES_KEY):
        token = found.get(key)
        if token is None:
            cache.add(key, _new_token(), None)
            token = cache.get(key) or _new_token()
        result.append(token)
    tokens = (result[0], result[1])
    if owner is not None:
        owner._quantriet_versions = (generation, tokens)
    return tokens


def tree_version(owner=None) -> str | None:
    """The tree token, or None when the caches must not be used now (off, or changes pending here)."""
    found = versions(owner)
    return found[0] if found else None


def digest(*parts) -> str:
    """A short stable digest of the parts' repr, for cache keys."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def clear() -> None:
    """Invalidate every cached tree fragment and role list at once (e.g. after restoring a database)."""
    cache.set(TREE_KEY, _new_token(), None)
    cache.set(ROLES_KEY, _new_token(), None)


# -- The Redis cache backend used with REDIS_URL (settings.py) --------------------------------

from django.core.cache.backends.redis import RedisCache as _DjangoRedisCache  # noqa: E402
from django.core.cache.backends.redis import RedisCacheClient as _DjangoRedisCacheClient  # noqa: E402


class _ReusingRedisCacheClient(_DjangoRedisCacheClient):
    """Django's client builds a new `redis.Redis` object for every operation; building one costs
    about as much CPU as the round trip itself (≈ 0.1–0.2 ms, its response-callback tables).
    A `redis.Redis` over a connection pool is safe to share, so keep one per pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(_DjangoRedisCache):
    """Django's Redis cache with one reused client per connection pool (same behaviour, less CPU)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingRedisCacheClient
