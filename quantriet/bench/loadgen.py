"""Load generation against the local production server: wrk when installed, else a Python one.

Both keep to loopback (anything else is refused), stop after a fixed duration or a fixed
number of requests, whichever comes first, and report requests/s and latency percentiles of
successful (HTTP 200) responses plus a count of anything else.
"""
from __future__ import annotations

import http.client
import json
import math
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class LoadResult:
    tool: str
    connections: int
    requests: int  # completed requests, whatever their status
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    non_200: int  # responses with another status (a redirect to the login page, say)
    errors: int  # connection, read, write errors and timeouts

    def as_dict(self) -> dict:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def check_loopback(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK:
        raise ValueError(f"The load generator only targets http://127.0.0.1 (loopback), not {base_url!r}.")
    return parts.hostname, parts.port or 80


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run(base_url: str, paths: list[str], *, headers: dict[str, str], connections: int, duration: float,
        max_requests: int, tool: str = "auto", timeout: float = 10.0) -> LoadResult:
    """Load `paths` (rotated) on `base_url` with `connections` concurrent clients."""
    check_loopback(base_url)
    if not paths:
        raise ValueError("No paths to load.")
    if duration <= 0 or max_requests <= 0 or connections <= 0:
        raise ValueError("duration, max_requests and connections must be positive.")
    if tool == "auto":
        tool = "wrk" if wrk_available() else "python"
    if tool == "wrk":
        return _run_wrk(base_url, paths, headers, connections, duration, max_requests, timeout)
    return _run_python(base_url, paths, headers, connections, duration, max_requests, timeout)


# --- wrk ------------------------------------------------------------------------------------------

_LUA = r"""
local paths = %(paths)s
local max_per_thread = %(max_per_thread)d
local threads = {}
%(headers)s
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  count = 0
  bad = 0
  index = id
end
function request()
  index = index + 1
  return wrk.format("GET", paths[(index %% #paths) + 1])
end
function response(status, headers, body)
  count = count + 1
  if status ~= 200 then bad = bad + 1 end
  if count >= max_per_thread then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local bad_total = 0
  for _, t in ipairs(threads) do bad_total = bad_total + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d, ' ..
    '"non200": %%d, "errors": %%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, bad_total, e.connect + e.read + e.write + e.timeout))
end
"""


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for our inputs


def _run_wrk(base_url, paths, headers, connections, duration, max_requests, timeout) -> LoadResult:
    threads = min(2, connections)
    script = _LUA % {
        "paths": "{" + ", ".join(_lua_string(p) for p in paths) + "}",
        "max_per_thread": max(1, math.ceil(max_requests / threads)),
        "headers": "\n".join(f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as handle:
        handle.write(script)
        handle.flush()
        command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s",
                   "--timeout", f"{max(1, round(timeout))}s", "-s", handle.name, base_url]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=duration + timeout + 30)
    line = next((l for l in completed.stdout.splitlines() if l.startswith("WRKJSON ")), None)
    if completed.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr or completed.stdout}")
    data = json.loads(line[len("WRKJSON "):])
    seconds = data["duration_us"] / 1e6
    return LoadResult(
        tool="wrk", connections=connections, requests=data["requests"], seconds=seconds,
        rps=data["requests"] / seconds if seconds else 0.0,
        p50_ms=data["p50_us"] / 1000, p95_ms=data["p95_us"] / 1000, p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000, non_200=data["non200"], errors=data["errors"],
    )


# --- Python fallback -------------------------------------------------------------------------------

def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def _run_python(base_url, paths, headers, connections, duration, max_requests, timeout) -> LoadResult:
    host, port = check_loopback(base_url)
    lock = threading.Lock()
    state = {"issued": 0, "non_200": 0, "errors": 0}
    latencies: list[list[float]] = [[] for _ in range(connections)]
    deadline = time.perf_counter() + duration

    def take_ticket() -> int | None:
        with lock:
            if state["issued"] >= max_requests:
                return None
            state["issued"] += 1
            return state["issued"]

    def client(slot: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        mine = latencies[slot]
        try:
            while time.perf_counter() < deadline:
                ticket = take_ticket()
                if ticket is None:
                    return
                path = paths[ticket % len(paths)]
                started = time.perf_counter()
                try:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    if response.getheader("Connection", "").lower() == "close":
                        conn.close()
                except (OSError, http.client.HTTPException):
                    with lock:
                        state["errors"] += 1
                    conn.close()
                    continue
                mine.append(time.perf_counter() - started)
                if response.status != 200:
                    with lock:
                        state["non_200"] += 1
        finally:
            conn.close()

    workers = [threading.Thread(target=client, args=(slot,), daemon=True) for slot in range(connections)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(duration + timeout + 5)
    seconds = time.perf_counter() - started
    values = sorted(v for slot in latencies for v in slot)
    return LoadResult(
        tool="python", connections=connections, requests=len(values), seconds=seconds,
        rps=len(values) / seconds if seconds else 0.0,
        p50_ms=percentile(values, 0.50) * 1000, p95_ms=percentile(values, 0.95) * 1000,
        p99_ms=percentile(values, 0.99) * 1000, max_ms=(values[-1] * 1000 if values else 0.0),
        non_200=state["non_200"], errors=state["errors"],
    )
