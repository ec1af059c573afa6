"""The per-unit member counters (Unit.member_count) and their recount."""
from django.db import connection, transaction

from quantriet.members.models import ACTIVE_STATUSES

from .cache import bump_tree_version
from .models import Unit


@transaction.atomic
def recount_member_counts() -> int:
    """Recompute every unit's counter from the member table; returns how many were wrong."""
    bump_tree_version()
    table_u = Unit._meta.db_table
    from quantriet.members.models import Member

    table_m = Member._meta.db_table
    placeholders = ", ".join(["%s"] * len(ACTIVE_STATUSES))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table_u} SET member_count = COALESCE((
                SELECT COUNT(*) FROM {table_m} m
                WHERE m.unit_id = {table_u}.id AND m.status IN ({placeholders})
            ), 0)
            WHERE member_count <> COALESCE((
                SELECT COUNT(*) FROM {table_m} m
                WHERE m.unit_id = {table_u}.id AND m.status IN ({placeholders})
            ), 0)
            """,
            [str(s) for s in ACTIVE_STATUSES] * 2,
        )
        return cursor.rowcount
