"""The benchmark harness: dataset, production server, session, load, scenarios and the report.

`run(config)` makes sure the database holds a generated dataset of `config.members` members
(reusing one made by the same generator version and seed unless told to regenerate), runs every
registered scenario, prints a table and writes results.json. See docs/performance.md.
"""
from __future__ import annotations

import datetime
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

from . import loadgen
from .generator import GENERATOR_VERSION
from .scenarios import Result, load_all

BENCH_USERNAME = "bench-office"


@dataclass
class Config:
    members: int = 200_000
    seed: int = 1
    output: Path | None = Path("bench/results.json")
    connections: int = 32
    duration: float = 20.0  # seconds of measured load per endpoint
    warmup: float = 3.0  # seconds of unmeasured load before each measurement
    max_requests: int = 200_000  # per measurement; the load stops at whichever limit comes first
    tool: str = "auto"  # "wrk", "python" or "auto" (wrk when installed)
    workers: int | None = None  # gunicorn workers (default: serve's default, 2 × cores + 1)
    threads: int = 1
    regenerate: bool = False
    collectstatic: bool = True  # False: the server uses the static files already collected
    only: list[str] = field(default_factory=list)
    verbose: bool = True


class BenchError(Exception):
    pass


def database_url() -> str:
    """The URL of the database Django is connected to (so subprocesses use the same one)."""
    s = connection.settings_dict
    user = urllib.parse.quote(s.get("USER") or "", safe="")
    password = urllib.parse.quote(s.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = s.get("HOST") or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{urllib.parse.quote(s['NAME'], safe='')}"


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            kib = int(next(line.split()[1] for line in handle if line.startswith("MemTotal")))
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0].split()[0]
    return (f"{cpu}, {os.cpu_count()} cores{memory}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, PostgreSQL {pg}")


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


class Server:
    """The production server (`quantriet serve`, gunicorn) on a free loopback port."""

    def __init__(self, env: dict[str, str], workers: int | None, threads: int, log_path: Path,
                 collectstatic: bool = True):
        self.env = env
        self.collectstatic = collectstatic
        self.workers = workers
        self.threads = threads
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        command = [sys.executable, "-m", "quantriet", "serve", "--bind", f"127.0.0.1:{self.port}",
                   "--threads", str(self.threads)]
        if self.workers:
            command += ["--workers", str(self.workers)]
        if not self.collectstatic:
            command.append("--no-collectstatic")
        self._log = open(self.log_path, "ab")
        # Its own session: gunicorn's master and workers form a group we can stop together.
        self.process = subprocess.Popen(command, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._log.close()
                raise BenchError(f"The server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                status, _headers, _body = http_request(self.base_url, "GET", "/healthz", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise BenchError(f"The server did not answer /healthz within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn: graceful shutdown of the master and its workers
            try:
                self.process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the group we started, nothing else
                self.process.wait(timeout=10)
        self.process = None
        self._log.close()


def http_request(base_url: str, method: str, path: str, *, headers=None, body: str | None = None,
                 timeout: float = 10.0):
    """One HTTP request to the loopback server: (status, headers as a list, body text)."""
    import http.client

    host, port = loadgen.check_loopback(base_url)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _cookies(headers) -> dict[str, str]:
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            jar[key.strip()] = val.strip()
    return jar


class Context:
    """What scenarios get: configuration, dataset, server, session and load generator."""

    def __init__(self, config: Config):
        self.config = config
        self.dataset: dict = {}
        self.generated_in_this_run = False
        self.scratch = Path(tempfile.mkdtemp(prefix="quantriet-bench-"))
        self._server: Server | None = None
        self._session_headers: dict[str, str] | None = None
        self.server_url: str | None = None
        self.env = self._subprocess_env()

    # -- environment and subprocesses

    def _subprocess_env(self) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("QUANTRIET_DEMO", "QUANTRIET_TESTING", "DEBUG", "DJANGO_SETTINGS_MODULE"):
            env.pop(name, None)
        env.update({
            "DATABASE_URL": database_url(),
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DEBUG": "0",
            "PYTHONUNBUFFERED": "1",
        })
        return env

    def log(self, message: str) -> None:
        if self.config.verbose:
            print(f"[bench {datetime.datetime.now():%H:%M:%S}] {message}", flush=True)

    def manage(self, *args: str, timeout: float = 3600) -> subprocess.CompletedProcess:
        """Run a `quantriet` command in a fresh process against the benchmark database."""
        completed = subprocess.run([sys.executable, "-m", "quantriet", *args], env=self.env, capture_output=True,
                                   text=True, timeout=timeout)
        if completed.returncode != 0:
            raise BenchError(f"quantriet {' '.join(args)} failed:\n{completed.stderr[-3000:]}")
        return completed

    # -- dataset

    def ensure_dataset(self) -> dict:
        from quantriet.members.models import Member

        from .models import Dataset

        config = self.config
        existing = Dataset.objects.filter(members=config.members, seed=config.seed,
                                          generator_version=GENERATOR_VERSION).first()
        if existing and not config.regenerate and Member.objects.count() == config.members:
            self.log(f"reusing the dataset of {config.members:,} members generated {existing.created_at:%Y-%m-%d %H:%M}")
            self.dataset = dict(existing.summary, generated_at=existing.created_at.isoformat())
            return self.dataset
        self.log(f"generating {config.members:,} members (seed {config.seed}) …")
        completed = self.manage("generate", "--members", str(config.members), "--seed", str(config.seed),
                                "--replace", "--json")
        self.dataset = json.loads(completed.stdout.strip().splitlines()[-1])
        self.dataset["generated_at"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
        self.generated_in_this_run = True
        self.log(f"generated in {self.dataset['seconds']:.1f} s ({self.dataset['units']:,} units, "
                 f"{self.dataset['positions']:,} positions)")
        return self.dataset

    # -- server and session

    @property
    def server(self) -> Server:
        if self._server is None:
            self.log("starting the production server (gunicorn) …")
            server = Server(self.env, self.config.workers, self.config.threads, self.scratch / "server.log",
                            collectstatic=self.config.collectstatic)
            server.start()
            self._server = server
            self.server_url = server.base_url
            self.log(f"server up at {server.base_url}")
        return self._server

    def bench_user(self):
        """A committee-office account with its role on the root unit (sees the whole country)."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import PBKDF2PasswordHasher

        from quantriet.accounts.models import Role, RoleAssignment
        from quantriet.units.models import Unit

        root = Unit.objects.filter(depth=0).order_by("id").first()
        if root is None:
            raise BenchError("No unit in the database: generate a dataset first.")
        password = secrets.token_urlsafe(24)
        user, _ = get_user_model().objects.get_or_create(username=BENCH_USERNAME)
        # Hashed with the production default, not whatever fast hasher this process may use
        # (the test settings): the server checks the password with its own hasher list.
        hasher = PBKDF2PasswordHasher()
        user.password = hasher.encode(password, hasher.salt())
        user.is_active = True
        user.save()
        _assignment, created = RoleAssignment.objects.get_or_create(user=user, role=Role.OFFICE, unit=root)
        if created:  # written here, not by grant_role: tell the cached role scopes (units/cache.py)
            from quantriet.units.cache import bump_roles_version

            bump_roles_version()
        return user, password

    def session_headers(self) -> dict[str, str]:
        """Headers of a logged-in browser behind a TLS-terminating proxy (logs in once, for real)."""
        if self._session_headers is None:
            user, password = self.bench_user()
            base = self.server.base_url
            proxy = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{self.server.port}"}
            status, headers, body = http_request(base, "GET", "/accounts/login/", headers=proxy)
            jar = _cookies(headers)
            match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
            if status != 200 or not match or "csrftoken" not in jar:
                raise BenchError(f"The login page answered {status} without a CSRF token.")
            form = urllib.parse.urlencode({"username": user.username, "password": password,
                                           "csrfmiddlewaretoken": match.group(1)})
            status, headers, body = http_request(base, "POST", "/accounts/login/", body=form, headers={
                **proxy, "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={jar['csrftoken']}",
                "Referer": f"https://127.0.0.1:{self.server.port}/accounts/login/",
            })
            jar.update(_cookies(headers))
            if status != 302 or "sessionid" not in jar:
                errors = re.findall(r'<ul class="errorlist[^"]*">(.*?)</ul>', body, re.S)
                raise BenchError(f"Logging in as {user.username} failed (HTTP {status}): {' '.join(errors)[:500]}")
            self._session_headers = {**proxy, "Cookie": f"sessionid={jar['sessionid']}; csrftoken={jar['csrftoken']}"}
        return dict(self._session_headers)

    def load(self, paths: list[str], *, headers=None, duration=None, warmup=None) -> loadgen.LoadResult:
        """Bounded load on the server: a short unmeasured warm-up, then the measured run."""
        config = self.config
        headers = self.session_headers() if headers is None else headers
        warmup = config.warmup if warmup is None else warmup
        if warmup > 0:
            loadgen.run(self.server.base_url, paths, headers=headers, connections=config.connections,
                        duration=warmup, max_requests=config.max_requests, tool=config.tool)
        return loadgen.run(self.server.base_url, paths, headers=headers, connections=config.connections,
                           duration=config.duration if duration is None else duration,
                           max_requests=config.max_requests, tool=config.tool)

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        shutil.rmtree(self.scratch, ignore_errors=True)


# --- the run ----------------------------------------------------------------------------------------

def server_config(config: Config) -> dict:
    """How the server ran: workers, threads, and the shared cache (what the figures depend on)."""
    from django.conf import settings

    from .management.commands.serve import default_workers

    redis_url = os.environ.get("REDIS_URL", "")
    return {"workers": config.workers or default_workers(), "threads": config.threads,
            "cache": "redis" if redis_url else "per-process memory",
            "tree_cache": bool(getattr(settings, "TREE_CACHE", False)),
            "session_engine": settings.SESSION_ENGINE}


def run(config: Config) -> dict:
    if connection.vendor != "postgresql":
        raise BenchError(
            "The benchmark needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/quantriet_bench "
            "(scripts/run-bench.sh creates that database)."
        )
    scenarios = load_all()
    unknown = set(config.only) - {s.name for s in scenarios}
    if unknown:
        raise BenchError(f"Unknown scenarios: {', '.join(sorted(unknown))}")
    if config.only:
        scenarios = [s for s in scenarios if s.name in config.only]
    started = time.perf_counter()
    load_before = load_average()
    ctx = Context(config)
    results: list[Result] = []
    try:
        ctx.ensure_dataset()
        for cls in scenarios:
            scenario = cls()
            ctx.log(f"scenario {scenario.name}: {scenario.title}")
            try:
                scenario.setup(ctx)
                try:
                    results.extend(scenario.run(ctx))
                finally:
                    scenario.teardown(ctx)
            except Exception as error:  # one broken scenario must not hide the others' figures
                ctx.log(f"scenario {scenario.name} failed: {error}")
                results.append(Result(scenario.name, ours=0.0, baseline=0.0, unit="", target=0.0,
                                      error=f"{error.__class__.__name__}: {error}",
                                      details={"traceback": traceback.format_exc()[-2000:]}))
    finally:
        ctx.close()
    report = {
        "members": config.members,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_description(),
        "scenarios": [r.as_dict() for r in results],
        "seed": config.seed,
        "dataset": ctx.dataset,
        "dataset_generated_in_this_run": ctx.generated_in_this_run,
        "load": {"connections": config.connections, "duration_s": config.duration, "warmup_s": config.warmup,
                 "max_requests": config.max_requests, "tool": config.tool},
        "server": ctx.server_url,
        "server_config": server_config(config),
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    if config.output:
        config.output.parent.mkdir(parents=True, exist_ok=True)
        config.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return report


def format_table(report: dict) -> str:
    def fmt(value):
        if value is None:
            return "—"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:,.2f}"

    rows = [("scenario", "ours", "baseline", "unit", "ratio", "target", "met")]
    for s in report["scenarios"]:
        target = ("ratio " if s["target_applies_to"] == "ratio" else "") + \
                 ("≥ " if s["better"] == "higher" else "≤ ") + fmt(s["target"])
        rows.append((s["name"], fmt(s["ours"]), fmt(s["baseline"]), s["unit"], fmt(s["ratio"]), target,
                     "yes" if s["met"] else ("ERROR" if s.get("error") else "NO")))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [f"{report['members']:,} members · {report['date']} · {report['machine']}"]
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) if i in (0, 3, 5) else cell.rjust(widths[i])
                               for i, cell in enumerate(row)))
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
