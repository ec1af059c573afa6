"""Conference check-in through the HTTP API, against inserting the same rows directly.

Models the 7/2/2026 national conference: 1.93 million participants at >31,000 sites checked
in within 30 minutes (≈1,070 attendees/s on average, far more at the peak). A conference is
set up on the benchmark tree (a central site, one per province, one per commune, each
commune's members invited at their commune) through the conference actions, then:

- single check-ins: `POST /api/v1/checkin/` by the site secretaries (token auth), one member
  each, `connections` concurrent clients;
- offline batches: `POST /api/v1/checkin/batch/` of 500 rows with device times, `BATCH_CLIENTS`
  concurrent sites uploading;
- the baselines insert the same rows (same members and sites, into a twin session) straight
  into the attendance table in the same run with the same number of concurrent clients: one
  row per transaction for the singles, one 500-row bulk insert per transaction for the batches.

The scenario then checks that nothing was double counted: the records equal the rows the API
reported inserted, a re-sent batch inserts nothing, and a full recount finds no drifted counter.

Work is bounded by the members available (each is checked in once per session) and by the
configured duration, whichever ends first.
"""
from __future__ import annotations

import datetime
import http.client
import itertools
import json
import threading
import time

from django.db import close_old_connections, connection, connections, transaction
from django.utils import timezone

from . import Result, Scenario, register

BATCH_SIZE = 500
BATCH_CLIENTS = 8
SINGLE_TARGET_RPS = 600
BATCH_TARGET_ROWS = 20_000
P95_TARGET_MS = 250


def _group_cpu_seconds(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the processes of a process group (the server's
    gunicorn master and workers: the harness starts it in its own session)."""
    import os

    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields[0] is the state; pgrp is the 5th field of the line
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def _machine_cpu():
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            values = [int(v) for v in handle.readline().split()[1:]]
    except OSError:
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


class _CpuMeter:
    """CPU used during a measurement by the server, by this process (the load generator or the
    direct inserts) and by the whole machine (everything else on it included)."""

    def __init__(self, server_pgid: int | None):
        self.pgid = server_pgid

    def __enter__(self):
        self.server = _group_cpu_seconds(self.pgid) if self.pgid else 0.0
        self.own = time.process_time()
        self.machine = _machine_cpu()
        self.wall = time.perf_counter()
        return self

    def __exit__(self, *exc):
        wall = time.perf_counter() - self.wall
        busy0, total0 = self.machine
        busy1, total1 = _machine_cpu()
        self.result = {
            "server_cpu_s": round(_group_cpu_seconds(self.pgid) - self.server, 2) if self.pgid else None,
            "client_cpu_s": round(time.process_time() - self.own, 2),
            "machine_busy_fraction": round((busy1 - busy0) / (total1 - total0), 3) if total1 > total0 else None,
            "wall_s": round(wall, 2),
        }
        return False


def _percentile(values, fraction):
    if not values:
        return 0.0
    values = sorted(values)
    return values[max(0, min(len(values) - 1, int(round(fraction * len(values) + 0.4999)) - 1))]


class _Work:
    """A shared, thread-safe queue of prepared items."""

    def __init__(self, items):
        self.items = items
        self.next = 0
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            if self.next >= len(self.items):
                return None
            item = self.items[self.next]
            self.next += 1
            return item


def _post_load(base_url, path, bodies, headers, clients, duration, check):
    """POST the prepared JSON bodies with `clients` keep-alive connections; returns stats."""
    from quantriet.bench.loadgen import check_loopback

    host, port = check_loopback(base_url)
    work = _Work(bodies)
    lock = threading.Lock()
    stats = {"latencies": [], "bad": 0, "errors": 0, "units": 0, "first_bad": ""}
    deadline = time.perf_counter() + duration

    def client():
        conn = http.client.HTTPConnection(host, port, timeout=60)
        mine, units, bad, errors, first_bad = [], 0, 0, 0, ""
        try:
            while time.perf_counter() < deadline:
                body = work.take()
                if body is None:
                    break
                started = time.perf_counter()
                try:
                    conn.request("POST", path, body=body, headers=headers)
                    response = conn.getresponse()
                    payload = response.read()
                    if response.getheader("Connection", "").lower() == "close":
                        conn.close()
                except (OSError, http.client.HTTPException):
                    errors += 1
                    conn.close()
                    continue
                mine.append(time.perf_counter() - started)
                done = check(response.status, payload)
                if done is None:
                    bad += 1
                    first_bad = first_bad or f"{response.status} {payload[:200]!r}"
                else:
                    units += done
        finally:
            conn.close()
            with lock:
                stats["latencies"].extend(mine)
                stats["units"] += units
                stats["bad"] += bad
                stats["errors"] += errors
                stats["first_bad"] = stats["first_bad"] or first_bad

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 120)
    seconds = time.perf_counter() - started
    latencies = stats.pop("latencies")
    return {**stats, "seconds": seconds, "requests": len(latencies), "rps": len(latencies) / seconds,
            "units_per_s": stats["units"] / seconds, "p50_ms": _percentile(latencies, 0.5) * 1000,
            "p95_ms": _percentile(latencies, 0.95) * 1000, "p99_ms": _percentile(latencies, 0.99) * 1000,
            "clients": clients}


def _direct_load(items, clients, duration, insert):
    """Insert prepared items straight into the database with `clients` threads (own connections)."""
    work = _Work(items)
    lock = threading.Lock()
    stats = {"latencies": [], "units": 0}
    deadline = time.perf_counter() + duration

    def client():
        mine, units = [], 0
        try:
            while time.perf_counter() < deadline:
                item = work.take()
                if item is None:
                    break
                started = time.perf_counter()
                units += insert(item)
                mine.append(time.perf_counter() - started)
        finally:
            connections.close_all()
            with lock:
                stats["latencies"].extend(mine)
                stats["units"] += units

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 120)
    seconds = time.perf_counter() - started
    latencies = stats["latencies"]
    return {"units": stats["units"], "seconds": seconds, "units_per_s": stats["units"] / seconds,
            "requests": len(latencies), "p95_ms": _percentile(latencies, 0.95) * 1000, "clients": clients}


@register
class CheckIn(Scenario):
    name = "checkin"
    title = (f"Conference check-in via the API: single check-ins and offline batches of {BATCH_SIZE}, "
             "vs direct inserts of the same rows")
    models = ("The 7/2/2026 national conference: 1.93 million participants at >31,000 sites checked in "
              "within 30 minutes; poorly connected sites upload their lists in batches when back online.")
    order = 300
    needs_server = True

    def setup(self, ctx):
        from rest_framework.authtoken.models import Token

        from quantriet.conferences import actions
        from quantriet.conferences.models import AudienceKind, Conference, Invitation
        from quantriet.units.models import Unit

        user, _password = ctx.bench_user()
        token, _ = Token.objects.get_or_create(user=user)
        root = Unit.objects.filter(depth=0).order_by("id").first()
        Conference.objects.filter(title__startswith="Bench: ").delete()
        started = time.perf_counter()
        now = timezone.now()
        provinces = list(Unit.objects.filter(parent=root).order_by("id"))

        def conference(title, keys, *, communes):
            with transaction.atomic():
                conf = actions.create_conference(acting_user=user, organizer=root, title=title,
                                                 uninvited_policy="refuse", late_grace_minutes=15)
                sessions = {key: actions.add_session(conf, acting_user=user, title=f"Bench {key}",
                                                     starts_at=now - datetime.timedelta(minutes=10),
                                                     ends_at=now + datetime.timedelta(hours=3)) for key in keys}
                central = actions.add_site(conf, acting_user=user, name="Điểm cầu Trung ương", host_unit=root)
                for province in provinces:
                    site = actions.add_site(conf, acting_user=user, name=province.name, host_unit=province,
                                            parent=central)
                    if not communes:
                        actions.add_audience_rule(site, acting_user=user, kind=AudienceKind.UNIT, unit=province)
                        continue
                    for commune in Unit.objects.filter(parent=province).order_by("id"):
                        child = actions.add_site(conf, acting_user=user, name=commune.name, host_unit=commune,
                                                 parent=site)
                        actions.add_audience_rule(child, acting_user=user, kind=AudienceKind.UNIT, unit=commune)
                actions.build_invitations(conf, acting_user=user)
            pairs = list(Invitation.objects.filter(conference=conf).order_by("site_id", "member_id")
                         .values_list("site_id", "member_id"))
            return conf, sessions, pairs

        # Singles at commune sites (≈ the national average of 62 attendees a site); batches from the
        # province halls, whose lists are long enough for full batches of 500.
        single_conf, single_sessions, single_pairs = conference(
            "Bench: national conference, commune sites", ("single", "direct_single"), communes=True)
        batch_conf, batch_sessions, batch_pairs = conference(
            "Bench: national conference, province halls", ("batch", "direct_batch"), communes=False)
        ctx.log(f"checkin: {single_conf.sites.count()} commune-level sites, {batch_conf.sites.count()} province "
                f"sites, {len(single_pairs)} invited, set up in {time.perf_counter() - started:.1f} s")
        self.conferences = (single_conf, batch_conf)
        self.sessions = {**single_sessions, **batch_sessions}
        self.user_id = user.pk
        proxy = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{ctx.server.port}"}
        self.headers = {**proxy, "Authorization": f"Token {token.key}", "Content-Type": "application/json"}
        # Singles: interleave sites so that concurrent clients hit different counters, as in reality.
        by_site: dict[int, list[int]] = {}
        for site_id, member_id in single_pairs:
            by_site.setdefault(site_id, []).append(member_id)
        interleaved, queues, depth = [], list(by_site.items()), 0
        while queues:
            queues = [(s, m) for s, m in queues if len(m) > depth]
            interleaved.extend((s, m[depth]) for s, m in queues)
            depth += 1
        self.single_pairs = interleaved
        by_site = {}
        for site_id, member_id in batch_pairs:
            by_site.setdefault(site_id, []).append(member_id)
        chunks = [[(site_id, members[i:i + BATCH_SIZE]) for i in range(0, len(members), BATCH_SIZE)]
                  for site_id, members in by_site.items()]
        # Round-robin over the provinces: concurrent uploads come from different halls.
        self.batches = [chunk for group in itertools.zip_longest(*chunks) for chunk in group if chunk]
        self.device_time = (now - datetime.timedelta(minutes=5)).isoformat()
        self.invited = len(single_pairs)

    def run(self, ctx):
        from quantriet.conferences import actions
        from quantriet.conferences.models import Attendance

        config = ctx.config
        single_session, batch_session = self.sessions["single"].pk, self.sessions["batch"].pk
        single_bodies = [json.dumps({"site": s, "session": single_session, "member": m}).encode()
                         for s, m in self.single_pairs]
        batch_bodies = [json.dumps({"site": s, "session": batch_session, "rows": [
            {"member": m, "checked_in_at": self.device_time, "method": "qr_member"} for m in members]}).encode()
            for s, members in self.batches]
        base = ctx.server.base_url

        def single_ok(status, payload):
            return 1 if status == 201 else None

        def batch_ok(status, payload):
            if status != 200:
                return None
            data = json.loads(payload)
            return data["inserted"] if not data["refused"] and not data["duplicates"] else None

        # Warm the server's workers up (imports, connections) without consuming check-in rows.
        from quantriet.bench.harness import http_request

        for _ in range(4 * BATCH_CLIENTS):
            http_request(base, "GET", f"/api/v1/conferences/{self.conferences[0].pk}/", headers=self.headers)
        pgid = ctx.server.process.pid if ctx.server.process is not None else None
        with _CpuMeter(pgid) as meter:
            single = _post_load(base, "/api/v1/checkin/", single_bodies, self.headers, config.connections,
                                config.duration, single_ok)
        single["cpu"] = meter.result
        with _CpuMeter(pgid) as meter:
            batch = _post_load(base, "/api/v1/checkin/batch/", batch_bodies, self.headers, BATCH_CLIENTS,
                               config.duration, batch_ok)
        batch["cpu"] = meter.result
        for result, per in ((single, single["requests"]), (batch, batch["units"])):
            if result["cpu"]["server_cpu_s"] is not None and per:
                # App CPU per check-in (request for singles, row for batches): the figure that,
                # times the target rate, says how many cores the target needs.
                result["cpu"]["server_cpu_ms_per_unit"] = round(result["cpu"]["server_cpu_s"] * 1000 / per, 3)

        # Baselines: the same rows, straight into the table (twin sessions), same concurrency.
        user_id = self.user_id
        now = timezone.now()
        direct_single_session, direct_batch_session = self.sessions["direct_single"].pk, self.sessions["direct_batch"].pk
        single_done = self.single_pairs[:single["units"]]

        # The baselines are what the database itself costs for the same rows, without the ORM
        # building model instances (which in these client threads, sharing one GIL, measured
        # Python more than PostgreSQL): one autocommit INSERT per single check-in, one COPY of
        # 500 rows per transaction for a batch.
        table = connection.ops.quote_name(Attendance._meta.db_table)
        columns = ("session_id, member_id, site_id, status, reason, method, offline, checked_in_at, "
                   "recorded_at, recorded_by_id, late, extra")

        def insert_one(pair):
            site_id, member_id = pair
            with connection.cursor() as cursor:  # autocommit: one row, one transaction
                cursor.execute(f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, 'present', '', 'qr_member', "
                               "false, %s, %s, %s, false, false)",
                               [direct_single_session, member_id, site_id, now, now, user_id])
            return 1

        batches_done = []
        remaining = batch["units"]
        for site_id, members in self.batches:
            if remaining <= 0:
                break
            batches_done.append((site_id, members[:remaining]))
            remaining -= len(members)
        device_time = datetime.datetime.fromisoformat(self.device_time)

        def insert_batch(item):
            site_id, members = item
            with transaction.atomic(), connection.cursor() as cursor:
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for m in members:
                        copy.write_row((direct_batch_session, m, site_id, "present", "", "qr_member", True,
                                        device_time, now, user_id, False, False))
            return len(members)

        with _CpuMeter(None) as meter:
            direct_single = _direct_load(single_done, config.connections, config.duration * 3, insert_one)
        direct_single["cpu"] = meter.result
        with _CpuMeter(None) as meter:
            direct_batch = _direct_load(batches_done, BATCH_CLIENTS, config.duration * 3, insert_batch)
        direct_batch["cpu"] = meter.result
        close_old_connections()
        # The baseline rows bypassed the counters on purpose: remove them before the recount.
        Attendance.objects.filter(session_id__in=[direct_single_session, direct_batch_session]).delete()

        # Nothing double counted: records = rows reported inserted; a re-sent batch inserts nothing;
        # the live counters equal a full recount.
        recorded_single = Attendance.objects.filter(session_id=single_session).count()
        recorded_batch = Attendance.objects.filter(session_id=batch_session).count()
        resend = _post_load(base, "/api/v1/checkin/batch/", batch_bodies[:3], self.headers, 1, 60,
                            lambda status, payload: json.loads(payload)["duplicates"] if status == 200 else None)
        drifted = sum(actions.recount(conf) for conf in self.conferences)
        checks = {
            "single_recorded": recorded_single, "single_reported": single["units"],
            "batch_recorded": recorded_batch, "batch_reported": batch["units"],
            "resent_batches_duplicates": resend["units"], "counters_drifted": drifted,
        }
        problems = []
        if recorded_single != single["units"] or recorded_batch != batch["units"]:
            problems.append("records differ from the rows the API reported inserted")
        if resend["units"] != sum(len(m) for _s, m in self.batches[:3]) or resend["bad"]:
            problems.append("re-sent batches were not pure duplicates")
        if drifted:
            problems.append(f"{drifted} counters drifted")
        for label, result in (("single", single), ("batch", batch)):
            if result["bad"] or result["errors"]:
                problems.append(f"{label}: {result['bad']} bad answers ({result['first_bad']}), "
                                f"{result['errors']} errors")
        details = {"single": single, "batch": batch, "direct_single": direct_single, "direct_batch": direct_batch,
                   "checks": checks, "sites": [c.sites.count() for c in self.conferences], "invited": self.invited,
                   "batch_size": BATCH_SIZE,
                   "server": {"workers": config.workers or "default (2 × cores + 1)", "threads": config.threads}}
        error = "; ".join(problems)
        connection.close()
        return [
            Result("checkin_batch_throughput", ours=batch["units_per_s"], baseline=direct_batch["units_per_s"],
                   unit="attendees/s", target=BATCH_TARGET_ROWS, target_applies_to="ours", better="higher",
                   details=details, error=error),
            Result("checkin_batch_p95", ours=batch["p95_ms"], baseline=direct_batch["p95_ms"], unit="ms",
                   target=P95_TARGET_MS, target_applies_to="ours", better="lower", error=error),
            Result("checkin_single_throughput", ours=single["units_per_s"], baseline=direct_single["units_per_s"],
                   unit="check-ins/s", target=SINGLE_TARGET_RPS, target_applies_to="ours", better="higher",
                   error=error),
            Result("checkin_single_p95", ours=single["p95_ms"], baseline=direct_single["p95_ms"], unit="ms",
                   target=P95_TARGET_MS, target_applies_to="ours", better="lower", error=error),
        ]

    def teardown(self, ctx):
        from quantriet.conferences.models import Conference

        Conference.objects.filter(title__startswith="Bench: ").delete()
