"""Importing a 100,000-row member file (.xlsx) against only reading the same file.

Models a province's organization commission loading its export of CSDL đảng viên 3.0 (DOMAIN.md §6):
100,000 members spread over the cells of the benchmark tree, with the mess real files have (dates as
text and as date cells, some names in NFD, some in TCVN3).

Both measurements run in a fresh process each, so their peak memory (ru_maxrss) is their own:
- baseline: open the file with python-calamine and clean every cell (what any import must do);
- ours: `MemberImporter.commit()`: every row checked, then written in bulk by
  `members.actions.import_members` (permission per unit, validation, unit counters, membership
  periods, audit) in one transaction, which the benchmark then rolls back so the dataset is left
  as it was.

Results: rows/s (ours against reading only) and peak memory (ours against reading only).
Run alone: `python -m quantriet.bench.scenarios.member_import --rows 10000` (DATABASE_URL set).
"""
from __future__ import annotations

import datetime
import json
import os
import resource
import subprocess
import sys
import time
import unicodedata

from . import Result, Scenario, register

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
CARD_PREFIX = "9"  # card numbers 9xxxxxxx; the scenario checks that none exists


def make_file(path, rows: int, unit_codes: list[str], card_prefix: str = CARD_PREFIX) -> None:
    """A member file with the template's columns (openpyxl write-only, so memory stays flat)."""
    from openpyxl import Workbook

    from quantriet.members.importing import HEADERS, to_tcvn3

    families = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
    middles = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thu", "Ngọc", "Quang", "Thanh", "Xuân"]
    givens = ["An", "Bình", "Cường", "Dũng", "Hằng", "Hương", "Lâm", "Linh", "Nam", "Sơn", "Thắng", "Tuyết", "Yến"]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Đảng viên")
    sheet.append(HEADERS)
    for index in range(rows):
        name = f"{families[index % 13]} {middles[index // 13 % 10]} {givens[index // 130 % 13]}"
        if index % 50 == 7:
            name = unicodedata.normalize("NFD", name)
        elif index % 50 == 13:
            name = to_tcvn3(name)
        birth = datetime.date(1950 + index % 50, 1 + index % 12, 1 + index % 28)
        admission = birth.replace(year=birth.year + 22)
        official = admission.replace(year=admission.year + 1)
        sheet.append([
            name,
            birth if index % 2 else birth.strftime("%d/%m/%Y"),
            "Nữ" if index % 3 == 0 else "Nam",
            "Kinh" if index % 7 else "Tày",
            "Không",
            f"{card_prefix}{index:07d}",
            f"LL-{index}",
            admission.strftime("%d/%m/%Y"),
            official if index % 4 else "",
            unit_codes[index % len(unit_codes)],
            f"{index:012d}" if index % 5 == 0 else "",
            f"09{index % 100000000:08d}" if index % 3 == 0 else "",
            "",
            "Đảng viên; Tổ trưởng tổ dân phố" if index % 10 == 0 else "",
        ])
    workbook.save(path)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def child(phase: str, path: str, username: str = "") -> dict:
    """One measurement in this (fresh) process; prints and returns a JSON summary."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quantriet.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from quantriet.members import importing

    baseline_mb = _peak_mb()
    started = time.perf_counter()
    if phase == "read":
        table = importing.Table(path)
        _header, rows, _total = importing._find_header(table)
        count = 0
        for _number, cells in rows:
            if any(importing.cell_text(v) for v in cells):
                count += 1
        summary = {"rows": count}
    else:
        user = get_user_model().objects.get(username=username)
        with transaction.atomic():
            report = importing.MemberImporter(path, user=user).commit()
            transaction.set_rollback(True)  # leave the benchmark dataset as it was
        summary = {"rows": report.total_rows, "created": report.create_count, "updated": report.update_count,
                   "errors": report.error_rows, "committed": report.committed,
                   "first_errors": report.issues[:3] if report.error_rows else []}
    summary.update(seconds=time.perf_counter() - started, peak_mb=_peak_mb(), start_mb=baseline_mb)
    print(json.dumps(summary))
    return summary


def _run_child(env, *args) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", "quantriet.bench.scenarios.member_import", "--child", *args],
        env=env, capture_output=True, text=True, timeout=6 * 3600,
    )
    if completed.returncode != 0:
        raise AssertionError(f"import bench child {args[0]} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


@register
class MemberImport(Scenario):
    name = "member_import"
    title = f"Import of a {ROWS:,}-row member .xlsx vs only reading it"
    models = ("A provincial organization commission importing its members from a CSDL đảng viên export "
              "(100,000 rows), checked and written all-or-nothing through the member actions.")
    order = 400
    needs_server = False

    def setup(self, ctx):
        from django.contrib.auth import get_user_model

        from quantriet.members.models import Member
        from quantriet.units.models import Unit

        if Member.objects.filter(card_number__startswith=CARD_PREFIX).exists():
            raise AssertionError(f"the dataset already has card numbers starting with {CARD_PREFIX}")
        codes = list(Unit.objects.valid_on().filter(kind__is_cell=True).order_by("id").values_list("code", flat=True)[:2000])
        if not codes:
            raise AssertionError("no current party cell in the dataset")
        user, _created = get_user_model().objects.get_or_create(
            username="bench-import", defaults={"is_superuser": True, "is_staff": True}
        )
        self.username = user.username
        self.path = ctx.scratch / "members.xlsx"
        started = time.perf_counter()
        make_file(self.path, ROWS, codes)
        ctx.log(f"member file of {ROWS:,} rows written in {time.perf_counter() - started:.1f} s "
                f"({self.path.stat().st_size / 1e6:.1f} MB, {len(codes)} cells)")

    def run(self, ctx):
        read = _run_child(ctx.env, "read", str(self.path))
        ours = _run_child(ctx.env, "import", str(self.path), self.username)
        if ours["errors"] or ours["rows"] != ROWS or read["rows"] != ROWS:
            raise AssertionError(f"unexpected import result: {ours} (read {read})")
        details = {"rows": ROWS, "file_mb": round(self.path.stat().st_size / 1e6, 2), "read": read, "import": ours}
        return [
            Result("member_import_rows_per_s", ours=ROWS / ours["seconds"], baseline=ROWS / read["seconds"],
                   unit="rows/s", target=0.02, target_applies_to="ratio", better="higher", details=details),
            Result("member_import_peak_memory", ours=ours["peak_mb"], baseline=read["peak_mb"], unit="MB",
                   target=3.0, target_applies_to="ratio", better="lower", details=details),
        ]


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[:1] == ["--child"]:
        child(*arguments[1:])
    else:  # a stand-alone run against DATABASE_URL: python -m quantriet.bench.scenarios.member_import --rows N
        import tempfile
        from pathlib import Path

        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quantriet.settings")
        django.setup()
        from django.contrib.auth import get_user_model

        from quantriet.units.models import Unit

        rows = int(arguments[arguments.index("--rows") + 1]) if "--rows" in arguments else ROWS
        codes = list(Unit.objects.valid_on().filter(kind__is_cell=True).order_by("id").values_list("code", flat=True)[:2000])
        user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "members.xlsx"
            started = time.perf_counter()
            make_file(path, rows, codes)
            print(f"file: {rows} rows, {path.stat().st_size / 1e6:.1f} MB, written in {time.perf_counter() - started:.1f} s")
            env = dict(os.environ)
            read = _run_child(env, "read", str(path))
            ours = _run_child(env, "import", str(path), user.username)
            print(f"read only: {read['seconds']:.1f} s, {rows / read['seconds']:.0f} rows/s, peak {read['peak_mb']:.0f} MB")
            print(f"import:    {ours['seconds']:.1f} s, {rows / ours['seconds']:.0f} rows/s, peak {ours['peak_mb']:.0f} MB "
                  f"(created {ours['created']}, errors {ours['errors']})")
