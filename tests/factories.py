"""Small builders for tests: a tree, members and users with roles, all through the actions."""
import datetime
import itertools

from django.contrib.auth import get_user_model

from quantriet.accounts.models import RoleAssignment
from quantriet.members import actions as member_actions
from quantriet.units import actions as unit_actions
from quantriet.units.models import UnitKind

_card = itertools.count(10000001)
_seq = itertools.count(1)


def system_user():
    user, _ = get_user_model().objects.get_or_create(username="system", defaults={"is_superuser": True})
    return user


def ensure_unit_kinds() -> None:
    """The kinds seeded by a data migration, restored if a transactional test flushed them."""
    if not UnitKind.objects.exists():
        from importlib import import_module

        for code, kind_name, rank, grassroots, cell in import_module("quantriet.units.migrations.0002_default_kinds").KINDS:
            UnitKind.objects.get_or_create(code=code, defaults={"name": kind_name, "rank": rank,
                                                                "is_grassroots": grassroots, "is_cell": cell})


def unit(code, name, kind="chi-bo", parent=None, **extra):
    ensure_unit_kinds()
    return unit_actions.create_unit(
        code=code, name=name, kind=UnitKind.objects.get(code=kind), parent=parent, acting_user=system_user(), **extra
    )


def member(unit, full_name=None, **fields):
    values = {
        "full_name": full_name or f"Nguyễn Văn Thử {next(_seq)}",
        "birth_date": datetime.date(1980, 5, 17),
        "gender": "male",
        "card_number": f"{next(_card):08d}",
        "admission_date": datetime.date(2005, 3, 1),
        "official_date": datetime.date(2006, 3, 1),
        "status": "official",
        "unit": unit,
    }
    values.update(fields)
    positions = values.pop("positions", ())
    return member_actions.create_member(acting_user=system_user(), positions=positions, **values)


def user(username, role=None, unit=None, member=None, password="Mat-khau-2026!"):
    account = get_user_model().objects.create_user(username=username, password=password)
    if role:
        RoleAssignment.objects.create(user=account, role=role, unit=unit)
    if member is not None:
        member.user = account
        member.save(update_fields=["user"])
    return account
