"""Database helpers for hot paths.

`prepared_cursor()`: on PostgreSQL, a cursor whose statements are prepared on the server the
first time this connection runs them and only bound and executed afterwards (psycopg's
server-side binding with `prepare=True`): the few statements a check-in runs thousands of times
a second skip parsing and planning. Django keeps prepared statements off by default because
transaction-mode connection poolers (PgBouncer before 1.21) cannot carry them;
`QUANTRIET_PREPARED_STATEMENTS=0` turns this off for such deployments. Elsewhere (SQLite, or
turned off) it is Django's ordinary cursor. Statements meant for it must type their parameters
where PostgreSQL cannot infer them (`%s::bigint` in a select list), as server-side binding
sends values apart from the text.
"""
from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.db import connection


def _prepared_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)

        def _send_query_prepared(self, name, pgq, *, binary=None):
            # psycopg records the query only for unprepared sends; keep it for Django's query log
            # (`last_executed_query`: tests, DEBUG), as its unprepared path does.
            self._query = pgq
            return super()._send_query_prepared(name, pgq, binary=binary)

    return PreparedCursor


_CLASS = None


def prepared_enabled() -> bool:
    return (connection.vendor == "postgresql" and getattr(settings, "QUANTRIET_PREPARED_STATEMENTS", True)
            and connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold") is not None)


@contextmanager
def prepared_cursor():
    global _CLASS
    if not prepared_enabled():
        with connection.cursor() as cursor:
            yield cursor
        return
    if _CLASS is None:
        _CLASS = _prepared_cursor_class()
    connection.ensure_connection()
    # Wrapped like Django's own cursors: error translation, and the query log of tests and DEBUG.
    with connection._prepare_cursor(_CLASS(connection.connection)) as cursor:
        yield cursor
