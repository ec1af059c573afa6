"""A synthetic national party organization, proportional to the real one (DOMAIN.md §1–2).

`generate(members=N, seed=S)` writes, in one transaction:

    Ban Chấp hành Trung ương                          1 unit (trung-uong)
    └── 34 provincial party organizations              real names (vietnam-provinces)
        ├── 3,321 commune party organizations          real names, all of them, whatever N
        │   ├── village / residential cells            chi bộ thôn, tổ dân phố (≈ 63,619 at full scale)
        │   └── grassroots organizations               schools, clinics, cooperatives, firms
        │       └── cells                              (a chi bộ cơ sở is itself a cell)
        └── 2 provincial đảng bộ (party agencies; the provincial government)
            └── grassroots organizations → cells

At N = 5,600,000 that is ≈ 52,000 grassroots organizations (communes included) and ≈ 63,600
village cells, as in the real organization; at smaller N the provinces and communes stay
real and complete while everything below them shrinks in proportion.

Members get realistic names, ages, genders, ethnicities, statuses, admission and official
dates that pass `Member.clean()`, unique 8-digit card numbers and 12-digit citizen IDs, and
positions (cell secretaries, commune and provincial leaders, everyday jobs). The same seed
and `as_of` date always give the same rows.

Speed: rows are produced by a streaming generator and written with PostgreSQL `COPY`
(psycopg 3, in chunks so the deferred foreign-key queue stays small); only O(units) state is
kept in memory, so the peak memory does not grow with the number of members. SQLite gets the
same rows through `executemany` (used by the tests, not for national scale).
"""
from __future__ import annotations

import datetime
import functools
import itertools
import math
import random
import resource
import tempfile
import time
from array import array
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from quantriet.core.text import fold, name_sort_key
from quantriet.members.models import ACTIVE_STATUSES, Member, Position, Status
from quantriet.units import cache as tree_cache
from quantriet.units.models import SEGMENT_WIDTH, Unit, UnitKind

from . import names
from .geography import provinces

#: Bump when the rows for a given (members, seed, as_of) change, so stored datasets are not reused.
GENERATOR_VERSION = 1

# The real organization at full scale (DOMAIN.md §1–2).
REAL_MEMBERS = 5_600_000
REAL_GRASSROOTS = 52_000
REAL_VILLAGES = 63_619
# Shapes derived from those figures: at 5.6 M members a commune holds ≈ 1,650 members, 60 % of
# them in ≈ 19 village cells of ≈ 53 and the rest in ≈ 14 grassroots organizations of ≈ 46.
VILLAGE_SHARE = 0.60
MEMBERS_PER_VILLAGE_CELL = 53
MEMBERS_PER_ORG = 46
MEMBERS_PER_ORG_CELL = 18
MAX_CELL_ORG = 30  # up to this many members a grassroots organization is a single chi bộ cơ sở
PROVINCIAL_BODY_SHARE = 0.03  # of a province's members, for each of its two provincial đảng bộ
COPY_CHUNK = 250_000  # rows per COPY statement
DEFAULT_AS_OF = datetime.date(2026, 1, 1)
NEW_STRUCTURE_FROM = datetime.date(2025, 7, 1)

UNIT_COLUMNS = ("id", "code", "name", "name_folded", "kind_id", "parent_id", "path", "depth", "valid_from",
                "valid_to", "member_count")
MEMBER_COLUMNS = ("id", "full_name", "name_folded", "sort_key", "birth_date", "gender", "ethnicity", "religion",
                  "card_number", "record_number", "admission_date", "official_date", "unit_id", "citizen_id",
                  "phone", "email", "status", "user_id", "created_at", "updated_at")
POSITION_COLUMNS = ("id", "member_id", "title", "title_folded", "order")


class GeneratorError(Exception):
    """The generator cannot run against this database as it is."""


@dataclass
class GenerationResult:
    members: int
    seed: int
    as_of: datetime.date
    units: int = 0
    positions: int = 0
    active_members: int = 0
    provinces: int = 0
    communes: int = 0
    grassroots: int = 0
    cells: int = 0
    seconds: float = 0.0
    peak_rss_kib: int = 0
    vendor: str = ""
    timings: dict = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.units + self.members + self.positions

    def as_dict(self) -> dict:
        return {
            "members": self.members, "seed": self.seed, "as_of": self.as_of.isoformat(), "units": self.units,
            "positions": self.positions, "active_members": self.active_members, "rows": self.rows,
            "provinces": self.provinces, "communes": self.communes, "grassroots": self.grassroots,
            "cells": self.cells, "seconds": round(self.seconds, 3), "peak_rss_kib": self.peak_rss_kib,
            "vendor": self.vendor, "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "generator_version": GENERATOR_VERSION,
        }


def peak_rss_kib() -> int:
    """Peak resident set size of this process so far, in KiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# --- small deterministic helpers ---------------------------------------------------------------

def split(total: int, parts: int, rng: random.Random, spread: float = 0.5) -> list[int]:
    """`total` split into `parts` positive-ish shares around the mean (largest remainder)."""
    if parts <= 0:
        return []
    weights = [1.0 - spread + 2 * spread * rng.random() for _ in range(parts)]
    return apportion(total, weights)


def apportion(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to `weights` that add up to exactly `total`."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    exact = [total * w / whole for w in weights]
    shares = [int(x) for x in exact]
    missing = total - sum(shares)
    for index in sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))[:missing]:
        shares[index] += 1
    return shares


def _table(weighted: list[tuple[str, int]], size: int = 4096) -> list[str]:
    """A lookup table for fast weighted choice: table[int(random() * len(table))]."""
    whole = sum(w for _, w in weighted)
    table: list[str] = []
    for word, weight in weighted:
        table.extend([word] * max(1, round(size * weight / whole)))
    return table


@functools.lru_cache(maxsize=200_000)
def _name_keys(full_name: str) -> tuple[str, str]:
    """(folded, sort key) of a name; names repeat a lot, so this is cached."""
    return fold(full_name), name_sort_key(full_name)


def _copy_text(value: str) -> str:
    """Escape a value for PostgreSQL COPY text format (only unit names can need it)."""
    return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")


# --- the plan: the tree, streamed as unit rows --------------------------------------------------

@dataclass
class _Cells:
    """What the member pass needs to know about each cell, kept compactly (O(units))."""

    ids: array = field(default_factory=lambda: array("q"))
    sizes: array = field(default_factory=lambda: array("l"))
    province_codes: array = field(default_factory=lambda: array("h"))
    names: list = field(default_factory=list)
    # cell index → {member index in the cell: [extra position titles]}
    leaders: dict = field(default_factory=dict)

    def add(self, unit_id: int, size: int, province_code: int, name: str) -> int:
        self.ids.append(unit_id)
        self.sizes.append(size)
        self.province_codes.append(province_code)
        self.names.append(name)
        return len(self.ids) - 1

    def lead(self, cell_index: int, member_index: int, titles: list[str]) -> None:
        """Give extra titles to a member of a cell (the last one when the cell is smaller)."""
        size = self.sizes[cell_index]
        if size:
            self.leaders.setdefault(cell_index, {}).setdefault(min(member_index, size - 1), []).extend(titles)


class _Tree:
    """Walks the geography and yields unit rows, recording cells and counts on the way."""

    def __init__(self, members: int, rng: random.Random, kinds: dict[str, int], first_id: int):
        self.members = members
        self.rng = rng
        self.kinds = kinds
        self.next_id = first_id
        self.cells = _Cells()
        self.count = 0
        self.communes = 0
        self.grassroots = 0
        self.provinces = 0

    def _unit(self, code, name, kind, parent, start=NEW_STRUCTURE_FROM):
        """Make one unit row; `parent` is (id, path, depth) or None."""
        unit_id = self.next_id
        self.next_id += 1
        if parent is None:
            path, depth, parent_id = f"{unit_id:0{SEGMENT_WIDTH}d}.", 0, None
        else:
            parent_id, parent_path, parent_depth = parent
            path, depth = f"{parent_path}{unit_id:0{SEGMENT_WIDTH}d}.", parent_depth + 1
        self.count += 1
        row = (unit_id, code, name, fold(name), self.kinds[kind], parent_id, path, depth, start, None, 0)
        return row, (unit_id, path, depth)

    def rows(self):
        rng = self.rng
        geo = provinces()
        # Weights: each commune a log-normal size, wards (phường) a little larger; each province's
        # two provincial đảng bộ a fixed share of the province.
        slots = []  # (province index, commune index or -1/-2, weight)
        for p_index, province in enumerate(geo):
            total = 0.0
            for c_index, commune in enumerate(province.communes):
                factor = {"phường": 1.3, "đặc khu": 0.6}.get(commune.division_type, 1.0)
                weight = rng.lognormvariate(0.0, 0.45) * factor
                slots.append((p_index, c_index, weight))
                total += weight
            body = total * PROVINCIAL_BODY_SHARE / (1 - 2 * PROVINCIAL_BODY_SHARE)
            slots.append((p_index, -1, body))
            slots.append((p_index, -2, body))
        shares = apportion(self.members, [w for _, _, w in slots])
        per_slot = {(p, c): share for (p, c, _), share in zip(slots, shares)}

        root_row, root = self._unit("TW", "Ban Chấp hành Trung ương", "trung-uong", None, start=None)
        yield root_row
        for p_index, province in enumerate(geo):
            self.provinces += 1
            code = f"T{province.code:02d}"
            row, prov = self._unit(code, province.party_name, "tinh-uy", root)
            yield row
            city = province.name.startswith("Thành phố")
            committee, level = ("Thành ủy", "thành phố") if city else ("Tỉnh ủy", "tỉnh")
            place = province.name if city else f"tỉnh {province.name}"
            for c_index, commune in enumerate(province.communes):
                self.communes += 1
                yield from self._commune(province, commune, prov, per_slot[(p_index, c_index)])
            bodies = (
                ("CQD", f"Đảng bộ các cơ quan Đảng {place}", names.PARTY_AGENCY_ORGS, [
                    ["Ủy viên Ban Chấp hành Trung ương Đảng", f"Bí thư {committee}",
                     f"Trưởng Đoàn Đại biểu Quốc hội {level}"],
                    [f"Phó Bí thư Thường trực {committee}", f"Chủ tịch Hội đồng nhân dân {level}"],
                ]),
                ("UB", f"Đảng bộ Ủy ban nhân dân {place}", names.GOVERNMENT_ORGS, [
                    [f"Phó Bí thư {committee}", f"Chủ tịch Ủy ban nhân dân {level}"],
                ]),
            )
            for body_index, (suffix, body_name, orgs, leaders) in enumerate(bodies):
                share = per_slot[(p_index, -1 - body_index)]
                row, body = self._unit(f"{code}-{suffix}", body_name, "dang-bo-truc-thuoc", prov)
                yield row
                first_cell = len(self.cells.ids)
                count = max(1, round(share / MEMBERS_PER_ORG)) if share else 0
                org_names = []
                for index in range(count):
                    org = orgs[index % len(orgs)].replace("Tỉnh ủy", committee).replace("tỉnh", level)
                    org_names.append(org if index < len(orgs) else f"{org} ({index // len(orgs) + 1})")
                yield from self._orgs(f"{code}-{suffix}", body, org_names, split(share, count, rng), province.code)
                if len(self.cells.ids) > first_cell:
                    for offset, titles in enumerate(leaders):
                        self.cells.lead(first_cell, 2 + offset, titles)

    def _commune(self, province, commune, prov, members):
        rng = self.rng
        code = f"T{province.code:02d}-X{commune.code:05d}"
        row, unit = self._unit(code, f"Đảng bộ {commune.name}", "dang-bo-xa", prov)
        yield row
        self.grassroots += 1
        if not members:
            return
        in_villages = round(members * VILLAGE_SHARE)
        in_orgs = members - in_villages
        org_count = round(in_orgs / MEMBERS_PER_ORG)
        if org_count == 0:
            in_villages, in_orgs = members, 0
        village_count = max(1, round(in_villages / MEMBERS_PER_VILLAGE_CELL)) if in_villages else 0
        first_cell = len(self.cells.ids)
        word = {"phường": "tổ dân phố", "đặc khu": "khu dân cư"}.get(commune.division_type, "thôn")
        for index, size in enumerate(split(in_villages, village_count, rng)):
            if word == "thôn":
                village = names.VILLAGES[index % len(names.VILLAGES)]
                if index >= len(names.VILLAGES):
                    village = f"{village} {index // len(names.VILLAGES) + 1}"
                name = f"Chi bộ thôn {village}"
            else:
                name = f"Chi bộ {word} số {index + 1}"
            row, cell = self._unit(f"{code}-T{index + 1}", name, "chi-bo", unit)
            yield row
            self.cells.add(cell[0], size, province.code, name)
        org_names = []
        for index in range(org_count):
            template = names.COMMUNE_ORGS[index % len(names.COMMUNE_ORGS)]
            org = template.format(c=commune.short_name)
            org_names.append(org if index < len(names.COMMUNE_ORGS) else f"{org} ({index + 1})")
        yield from self._orgs(code, unit, org_names, split(in_orgs, org_count, rng), province.code)
        if len(self.cells.ids) > first_cell:
            level = commune.division_type
            self.cells.lead(first_cell, 2, [f"Bí thư Đảng ủy {level} {commune.short_name}",
                                            f"Chủ tịch Hội đồng nhân dân {level} {commune.short_name}"])
            self.cells.lead(first_cell, 3, [f"Phó Bí thư Đảng ủy {level} {commune.short_name}",
                                            f"Chủ tịch Ủy ban nhân dân {level} {commune.short_name}"])

    def _orgs(self, code, parent, org_names, sizes, province_code):
        """Grassroots organizations: a chi bộ cơ sở when small, else a đảng bộ cơ sở with cells."""
        for index, (org, size) in enumerate(zip(org_names, sizes)):
            self.grassroots += 1
            org_code = f"{code}-G{index + 1}"
            if size <= MAX_CELL_ORG:
                name = f"Chi bộ {org}"
                row, unit = self._unit(org_code, name, "chi-bo-co-so", parent)
                yield row
                self.cells.add(unit[0], size, province_code, name)
                continue
            row, unit = self._unit(org_code, f"Đảng bộ {org}", "dang-bo-co-so", parent)
            yield row
            first_cell = len(self.cells.ids)
            cell_count = max(2, round(size / MEMBERS_PER_ORG_CELL))
            for cell_index, cell_size in enumerate(split(size, cell_count, self.rng)):
                name = f"Chi bộ số {cell_index + 1}"
                row, cell = self._unit(f"{org_code}-C{cell_index + 1}", name, "chi-bo", unit)
                yield row
                self.cells.add(cell[0], cell_size, province_code, f"{name} ({org})")
            self.cells.lead(first_cell, 2, [f"Bí thư Đảng ủy {org}"])


# --- members ------------------------------------------------------------------------------------

_AGE_BUCKETS = [  # (weight, youngest, oldest) of party members by age
    (14, 20, 30), (24, 31, 40), (22, 41, 50), (18, 51, 60), (11, 61, 70), (11, 71, 95),
]
_INACTIVE = [  # (cumulative probability, status)
    (0.003, Status.CANDIDATE), (0.008, Status.TRANSFERRED_OUT), (0.0095, Status.REMOVED),
    (0.01, Status.EXPELLED), (0.014, Status.DECEASED),
]
_PERMUTATION_MULTIPLIER = 7_919_371  # coprime with 90,000,000 and with 1,000,000


class _MemberRows:
    """Streams member rows (tuples in MEMBER_COLUMNS order) and their positions."""

    def __init__(self, cells: _Cells, rng: random.Random, first_id: int, first_position_id: int,
                 as_of: datetime.date, positions_file, created_at):
        self.cells = cells
        self.rng = rng
        self.next_id = first_id
        self.next_position_id = first_position_id
        self.positions_file = positions_file
        self.positions = 0
        self.active = 0
        self.today = as_of.toordinal()
        self.created_at = created_at
        self.card_offset = rng.randrange(90_000_000)
        self.citizen_counters: dict[str, int] = {}
        self.citizen_offset = rng.randrange(1_000_000)
        self.family = _table(names.FAMILY)
        self.middle_male = _table(names.MIDDLE_MALE)
        self.middle_female = _table(names.MIDDLE_FEMALE)
        self.ethnicity = _table(names.ETHNICITIES)
        self.religion = _table(names.RELIGIONS)
        # Each bucket gets weight × 100 entries spread evenly over its ages.
        self.ages = [low + i % (high - low + 1) for weight, low, high in _AGE_BUCKETS for i in range(weight * 100)]

    def _position(self, member_id: int, title: str, order: int) -> None:
        self.positions_file.write(f"{self.next_position_id}\t{member_id}\t{_copy_text(title)}\t"
                                  f"{_copy_text(fold(title))}\t{order}\n")
        self.next_position_id += 1
        self.positions += 1

    def rows(self):
        cells = self.cells
        rng = self.rng
        random_ = rng.random
        today = self.today
        from_ordinal = datetime.date.fromordinal
        family, middle_m, middle_f = self.family, self.middle_male, self.middle_female
        given_m, given_f = names.GIVEN_MALE, names.GIVEN_FEMALE
        ethnicity, religion, ages = self.ethnicity, self.religion, self.ages
        created = self.created_at
        jobs = names.JOB_POSITIONS
        official, probationary, exempted = Status.OFFICIAL.value, Status.PROBATIONARY.value, Status.EXEMPTED.value
        candidate = Status.CANDIDATE.value
        inactive = [(p, s.value) for p, s in _INACTIVE]
        inactive_limit = inactive[-1][0]
        active_values = {s.value for s in ACTIVE_STATUSES}
        for cell_index in range(len(cells.ids)):
            unit_id = cells.ids[cell_index]
            province = cells.province_codes[cell_index]
            leaders = cells.leaders.get(cell_index, {})
            size = cells.sizes[cell_index]
            for member_index in range(size):
                member_id = self.next_id
                self.next_id += 1
                sequence = member_id
                female = random_() < 0.36
                if female:
                    full_name = (f"{family[int(random_() * len(family))]} {middle_f[int(random_() * len(middle_f))]} "
                                 f"{given_f[int(random_() * len(given_f))]}")
                else:
                    full_name = (f"{family[int(random_() * len(family))]} {middle_m[int(random_() * len(middle_m))]} "
                                 f"{given_m[int(random_() * len(given_m))]}")
                folded, sort_key = _name_keys(full_name)
                age = ages[int(random_() * len(ages))]
                birth = today - int(age * 365.25) - int(random_() * 365)
                # status
                draw = random_()
                status = official
                if draw < inactive_limit:
                    for limit, value in inactive:
                        if draw < limit:
                            status = value
                            break
                elif age >= 70 and random_() < 0.55:
                    status = exempted
                elif age <= 45 and random_() < 0.07:
                    status = probationary
                # dates (ordinals), consistent with Member.clean()
                if status == candidate:
                    admission = official_date = None
                elif status == probationary:
                    admission = today - 1 - int(random_() * 360)
                    official_date = None
                else:
                    admission_age = 18 + int(22 * random_() ** 1.6)
                    admission = birth + int(min(admission_age, age - 2) * 365.25) + int(random_() * 365)
                    admission = min(admission, today - 410)
                    official_date = admission + 366 + int(random_() * 40)
                if status in active_values:
                    self.active += 1
                card = f"{10_000_000 + (sequence * _PERMUTATION_MULTIPLIER + self.card_offset) % 90_000_000:08d}"
                birth_date = from_ordinal(birth)
                if random_() < 0.97:
                    prefix = f"{province:03d}{(2 if birth_date.year >= 2000 else 0) + (1 if female else 0)}{birth_date.year % 100:02d}"
                    counter = self.citizen_counters.get(prefix, 0)
                    self.citizen_counters[prefix] = counter + 1
                    citizen_id = f"{prefix}{(counter * _PERMUTATION_MULTIPLIER + self.citizen_offset) % 1_000_000:06d}"
                else:
                    citizen_id = None
                phone = f"0{(9, 3, 8, 7)[int(random_() * 4)]}{int(random_() * 100_000_000):08d}" if random_() < 0.8 else ""
                email = ""
                if random_() < 0.25:
                    email = f"{folded.replace(' ', '')}{int(random_() * 10_000)}@example.vn"
                yield (
                    member_id, full_name, folded, sort_key, birth_date, "female" if female else "male",
                    ethnicity[int(random_() * len(ethnicity))], religion[int(random_() * len(religion))], card,
                    f"{province:02d}{member_id:08d}",
                    from_ordinal(admission) if admission is not None else None,
                    from_ordinal(official_date) if official_date is not None else None,
                    unit_id, citizen_id, phone, email, status, None, created, created,
                )
                # positions: cell secretary and deputy, leaders chosen by the plan, everyday jobs
                order = 0
                if member_index in leaders:
                    for title in leaders[member_index]:
                        self._position(member_id, title, order)
                        order += 1
                if member_index == 0:
                    self._position(member_id, f"Bí thư {cells.names[cell_index]}", order)
                    order += 1
                elif member_index == 1 and size >= 9:
                    self._position(member_id, f"Phó Bí thư {cells.names[cell_index]}", order)
                    order += 1
                if random_() < 0.04:
                    self._position(member_id, jobs[int(random_() * len(jobs))], order)


# --- writing ------------------------------------------------------------------------------------

class _Writer:
    def __init__(self):
        self.vendor = connection.vendor

    def write(self, table: str, columns, rows) -> int:
        if self.vendor == "postgresql":
            return self._copy(table, columns, rows)
        return self._insert(table, columns, rows)

    def _copy(self, table, columns, rows) -> int:
        raw = connection.connection  # psycopg 3, inside the atomic block's transaction
        column_sql = ", ".join(connection.ops.quote_name(c) for c in columns)
        count = 0
        rows = iter(rows)
        with raw.cursor() as cursor:
            while True:
                chunk = itertools.islice(rows, COPY_CHUNK)
                written = 0
                with cursor.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
                        written += 1
                count += written
                if written < COPY_CHUNK:
                    return count

    def copy_text_file(self, table, columns, handle) -> int:
        """Load rows already in COPY text format (one per line) from an open file."""
        handle.seek(0)
        if self.vendor == "postgresql":
            column_sql = ", ".join(connection.ops.quote_name(c) for c in columns)
            with connection.connection.cursor() as cursor:
                with cursor.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
                    while block := handle.read(1 << 20):
                        copy.write(block)
                return cursor.rowcount
        rows = (tuple(None if v == "\\N" else v for v in line.rstrip("\n").split("\t")) for line in handle)
        return self._insert(table, columns, rows)

    def _insert(self, table, columns, rows) -> int:
        quote = connection.ops.quote_name
        sql = (f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
               f"VALUES ({', '.join(['%s'] * len(columns))})")
        adapt = _sqlite_value
        count = 0
        rows = iter(rows)
        with connection.cursor() as cursor:
            while batch := [tuple(adapt(v) for v in row) for row in itertools.islice(rows, 5000)]:
                cursor.executemany(sql, batch)
                count += len(batch)
        return count


def _sqlite_value(value):
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _check_columns() -> None:
    """Fail clearly if a model gained a required column the generator does not write."""
    for model, columns in ((Unit, UNIT_COLUMNS), (Member, MEMBER_COLUMNS), (Position, POSITION_COLUMNS)):
        actual = {f.column for f in model._meta.concrete_fields}
        if actual != set(columns):
            raise GeneratorError(
                f"{model._meta.db_table} has columns {sorted(actual)}, the generator writes {sorted(columns)}: "
                "update quantriet/bench/generator.py"
            )


def clear_tables() -> None:
    """Empty the tree, the members and everything that refers to them (`--replace`)."""
    from django.core.management.color import no_style

    from .models import Dataset

    tables = [Position._meta.db_table, Member._meta.db_table, Unit._meta.db_table, Dataset._meta.db_table]
    with transaction.atomic():
        sql = connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
        connection.ops.execute_sql_flush(sql)


class _DeferredIndexes:
    """Drop a table's secondary indexes and its own constraints during a bulk load, then rebuild them.

    Keeping a dozen b-tree indexes up to date row by row costs about ten times more than
    building them once from sorted data, and foreign keys are validated in one join instead of
    one lookup per row (what pg_restore does). Everything happens inside the generator's
    transaction, so a failure rolls the drop back too; the tables are locked meanwhile.
    """

    def __init__(self, tables):
        self.tables = tables
        self.saved: list[tuple[str, str]] = []  # (drop statement, create statement), in drop order

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(
                    """SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
                       WHERE c.conrelid = %s::regclass AND c.contype IN ('f', 'u') ORDER BY c.contype, c.conname""",
                    [table],
                )
                constraints = cursor.fetchall()
                cursor.execute(
                    """SELECT ci.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
                       JOIN pg_class ci ON ci.oid = i.indexrelid
                       WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
                         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
                       ORDER BY ci.relname""",
                    [table],
                )
                indexes = cursor.fetchall()
                quoted = connection.ops.quote_name(table)
                for name, definition in constraints:
                    name = connection.ops.quote_name(name)
                    self.saved.append((f"ALTER TABLE {quoted} DROP CONSTRAINT {name}",
                                       f"ALTER TABLE {quoted} ADD CONSTRAINT {name} {definition}"))
                for name, definition in indexes:
                    self.saved.append((f"DROP INDEX {connection.ops.quote_name(name)}", definition))
            for drop, _create in self.saved:
                cursor.execute(drop)

    def restore(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem TO '256MB'")
            # Indexes first (unique ones back the constraints' checks), foreign keys last.
            for _drop, create in sorted(self.saved, key=lambda pair: "FOREIGN KEY" in pair[1]):
                cursor.execute(create)


def _next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")
        return cursor.fetchone()[0]


def _finish_postgres() -> None:
    with connection.cursor() as cursor:
        for model in (Unit, Member, Position):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


def _recount() -> None:
    """Unit.member_count = active members directly in the unit, in one set-based UPDATE."""
    units, members = Unit._meta.db_table, Member._meta.db_table
    statuses = [str(s) for s in ACTIVE_STATUSES]
    placeholders = ", ".join(["%s"] * len(statuses))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""UPDATE {units} u SET member_count = c.n FROM (
                        SELECT unit_id, COUNT(*) AS n FROM {members} WHERE status IN ({placeholders}) GROUP BY unit_id
                    ) c WHERE u.id = c.unit_id""",
                statuses,
            )
        else:
            cursor.execute(
                f"""UPDATE {units} SET member_count = (
                        SELECT COUNT(*) FROM {members} m WHERE m.unit_id = {units}.id AND m.status IN ({placeholders}))""",
                statuses,
            )


def generate(*, members: int, seed: int = 1, as_of: datetime.date | None = None, replace: bool = False,
             progress=None) -> GenerationResult:
    """Write a national organization of `members` members; see the module docstring."""
    if members < 0:
        raise GeneratorError("The number of members cannot be negative.")
    as_of = as_of or min(DEFAULT_AS_OF, timezone.localdate())
    _check_columns()
    say = progress or (lambda message: None)
    result = GenerationResult(members=members, seed=seed, as_of=as_of, vendor=connection.vendor)
    started = time.perf_counter()
    if replace:
        clear_tables()
        result.timings["clear"] = time.perf_counter() - started
    elif Unit.objects.exists() or Member.objects.exists():
        raise GeneratorError(
            f"The database already holds {Unit.objects.count()} units and {Member.objects.count()} members; "
            "use --replace to delete the tree, the members and everything attached to them first."
        )
    kinds = dict(UnitKind.objects.values_list("code", "id"))
    missing = {"trung-uong", "tinh-uy", "dang-bo-xa", "dang-bo-truc-thuoc", "dang-bo-co-so", "chi-bo-co-so",
               "chi-bo"} - set(kinds)
    if missing:
        raise GeneratorError(f"Unit kinds missing (run migrate): {', '.join(sorted(missing))}")
    rng = random.Random(seed)
    created_at = timezone.make_aware(datetime.datetime.combine(as_of, datetime.time(8, 0)))
    writer = _Writer()
    mark = time.perf_counter()
    with transaction.atomic(), tempfile.TemporaryFile("w+", encoding="utf-8") as positions_file:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Check foreign keys per COPY statement (bounded trigger queue) and do not wait for
                # the WAL flush of a bulk load; both only for this transaction.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            deferred = _DeferredIndexes([Unit._meta.db_table, Member._meta.db_table, Position._meta.db_table])
            deferred.drop()
        tree = _Tree(members, rng, kinds, _next_id(Unit))
        result.units = writer.write(Unit._meta.db_table, UNIT_COLUMNS, tree.rows())
        result.timings["units"] = time.perf_counter() - mark
        say(f"{result.units:,} units written")
        mark = time.perf_counter()
        member_rows = _MemberRows(tree.cells, rng, _next_id(Member), _next_id(Position), as_of, positions_file,
                                  created_at)
        written = writer.write(Member._meta.db_table, MEMBER_COLUMNS, member_rows.rows())
        assert written == members, (written, members)
        result.timings["members"] = time.perf_counter() - mark
        say(f"{written:,} members written")
        mark = time.perf_counter()
        result.positions = writer.copy_text_file(Position._meta.db_table, POSITION_COLUMNS, positions_file)
        result.timings["positions"] = time.perf_counter() - mark
        if connection.vendor == "postgresql":
            mark = time.perf_counter()
            deferred.restore()
            result.timings["indexes"] = time.perf_counter() - mark
        mark = time.perf_counter()
        _recount()
        result.timings["counters"] = time.perf_counter() - mark
        # Everything the cached tree pages and role scopes showed is gone (see units/cache.py).
        tree_cache.bump_tree_version()
        tree_cache.bump_roles_version()
        if connection.vendor == "postgresql":
            _finish_postgres()
        result.active_members = member_rows.active
        result.provinces, result.communes = tree.provinces, tree.communes
        result.grassroots, result.cells = tree.grassroots, len(tree.cells.ids)
    mark = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics, or the first queries plan badly
            for model in (Unit, Member, Position):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    result.timings["analyze"] = time.perf_counter() - mark
    result.seconds = time.perf_counter() - started
    result.peak_rss_kib = peak_rss_kib()
    return result


def expected_shape(members: int) -> dict:
    """Rough full-scale figures the generated tree is proportional to (for docs and checks)."""
    scale = members / REAL_MEMBERS
    return {
        "grassroots": round(REAL_GRASSROOTS * scale), "villages": round(REAL_VILLAGES * scale),
        "scale": math.floor(scale * 1000) / 1000,
    }
