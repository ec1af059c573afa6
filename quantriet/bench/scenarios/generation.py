"""Generation of the national dataset: speed against a plain COPY, and peak memory."""
from __future__ import annotations

import json
import subprocess
import sys
import time

from django.db import connection

from quantriet.members.models import Member, Position
from quantriet.units.models import Unit

from . import Result, Scenario, register

BASELINE_SCHEMA = "bench_baseline"
TABLES = [Unit._meta.db_table, Member._meta.db_table, Position._meta.db_table]


def _copy_out(table: str, path) -> None:
    with open(path, "wb") as handle, connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} TO STDOUT") as copy:
            for block in copy:
                handle.write(block)


def _definitions(table: str) -> tuple[list[str], list[str], list[str]]:
    """(primary/unique constraints, other indexes, foreign keys) of a table, as SQL for the baseline schema."""
    target = f"{BASELINE_SCHEMA}.{table}"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype DESC, conname",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = %s::regclass "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
            [table],
        )
        indexes = [row[0].replace(f" ON public.{table} ", f" ON {target} ") for row in cursor.fetchall()]
    keys = [f"ALTER TABLE {target} ADD CONSTRAINT {name} {definition}" for name, kind, definition in constraints
            if kind != "f"]
    foreign = [
        # Point the foreign keys at the baseline copies of our tables (others stay on public).
        f"ALTER TABLE {target} ADD CONSTRAINT {name} "
        + definition.replace("REFERENCES units_unit(", f"REFERENCES {BASELINE_SCHEMA}.units_unit(")
        .replace("REFERENCES members_member(", f"REFERENCES {BASELINE_SCHEMA}.members_member(")
        for name, kind, definition in constraints if kind == "f"
    ]
    return keys, indexes, foreign


def copy_baseline(scratch) -> dict:
    """Load the generated rows again from files with COPY, the way pg_restore does.

    The rows are first written to files (not timed). Timed: COPY of the three files into empty
    tables of the same shape, then the same primary keys, unique constraints, indexes and
    foreign keys built afterwards — the fastest standard way to load those rows.
    """
    files = {table: scratch / f"{table}.copy" for table in TABLES}
    rows = {}
    for table in TABLES:
        _copy_out(table, files[table])
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {BASELINE_SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {BASELINE_SCHEMA}")
        for table in TABLES:
            cursor.execute(f"CREATE TABLE {BASELINE_SCHEMA}.{table} (LIKE public.{table} INCLUDING DEFAULTS "
                           f"INCLUDING CONSTRAINTS)")
    definitions = {table: _definitions(table) for table in TABLES}
    try:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem TO '256MB'")
        for table in TABLES:
            with open(files[table], "rb") as handle, connection.connection.cursor() as cursor:
                with cursor.copy(f"COPY {BASELINE_SCHEMA}.{table} FROM STDIN") as copy:
                    while block := handle.read(1 << 20):
                        copy.write(block)
                rows[table] = cursor.rowcount
        with connection.cursor() as cursor:
            for stage in range(3):  # keys first (the foreign keys need them), then indexes, then foreign keys
                for table in TABLES:
                    for statement in definitions[table][stage]:
                        cursor.execute(statement)
        seconds = time.perf_counter() - started
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {BASELINE_SCHEMA} CASCADE")
            cursor.execute("RESET maintenance_work_mem")
        for path in files.values():
            path.unlink(missing_ok=True)
    return {"seconds": seconds, "rows": rows}


@register
class Generation(Scenario):
    name = "generation"
    title = "Generating the national dataset (members/s) vs COPY of the same rows from prepared files"
    models = ("Loading a national member registry (5.6 million records) in one go, as at go-live or "
              "when restoring a province from an export.")
    order = 0

    def run(self, ctx):
        dataset = ctx.dataset
        members = dataset["members"]
        baseline = copy_baseline(ctx.scratch)
        rows = sum(baseline["rows"].values())
        if rows != dataset["rows"]:
            raise AssertionError(f"the baseline copied {rows} rows, the generator wrote {dataset['rows']}")
        return [Result(
            self.name, ours=members / dataset["seconds"], baseline=members / baseline["seconds"], unit="members/s",
            # The bar: 1,000,000 members in under 3 minutes on this machine.
            target=1_000_000 / 180, target_applies_to="ours", better="higher",
            details={
                "generation_seconds": dataset["seconds"], "copy_seconds": round(baseline["seconds"], 3),
                "rows": rows, "rows_by_table": baseline["rows"], "generation_timings": dataset["timings"],
                "generated_in_this_run": ctx.generated_in_this_run, "generated_at": dataset.get("generated_at"),
                "ours_rows_per_s": round(rows / dataset["seconds"], 1),
                "baseline_rows_per_s": round(rows / baseline["seconds"], 1),
            },
        )]


@register
class GenerationMemory(Scenario):
    name = "generation_memory"
    title = "Peak memory (RSS) of the generator process vs an idle app process"
    models = "Whether loading a country needs a big machine: memory must not grow with the number of members."
    order = 1

    def run(self, ctx):
        probe = subprocess.run([sys.executable, "-m", "quantriet.bench.probe"], env=ctx.env, capture_output=True,
                               text=True, timeout=120, check=True)
        idle_kib = json.loads(probe.stdout.strip().splitlines()[-1])["peak_rss_kib"]
        ours_kib = ctx.dataset["peak_rss_kib"]
        return [Result(
            self.name, ours=ours_kib / 1024, baseline=idle_kib / 1024, unit="MiB",
            target=512, target_applies_to="ours", better="lower",
            details={"generated_in_this_run": ctx.generated_in_this_run, "members": ctx.dataset["members"]},
        )]
