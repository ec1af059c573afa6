"""The national-scale generator (SQLite and PostgreSQL) and the benchmark harness (PostgreSQL).

The harness test runs every scenario on a tiny dataset with a short, bounded load; the real
benchmark is `make bench` (docs/performance.md), never part of `make test`.
"""
import hashlib
import http.server
import json
import socket
import threading

import pytest
from django.db import connection

from quantriet.bench import generator, harness, loadgen
from quantriet.bench.generator import GeneratorError, apportion, generate
from quantriet.bench.models import Dataset
from quantriet.bench.scenarios import REGISTRY, Result, load_all
from quantriet.core.text import fold, name_sort_key
from quantriet.members.models import ACTIVE_STATUSES, Member, Position
from quantriet.units.models import Unit, path_segment

COVERED_URLS: set[str] = set()  # no URL of its own; the harness only reads existing pages

MEMBERS = 3000


def _fingerprint() -> str:
    rows = Member.objects.order_by("id").values_list(
        "full_name", "birth_date", "gender", "status", "card_number", "citizen_id", "admission_date",
        "official_date", "unit__code",
    )
    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(row).encode())
    for row in Unit.objects.order_by("id").values_list("code", "name", "path", "member_count"):
        digest.update(repr(row).encode())
    for row in Position.objects.order_by("id").values_list("member__card_number", "title", "order"):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def test_apportion_adds_up_exactly():
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert apportion(7, [0.5, 0.25, 0.25]) == [3, 2, 2]  # largest remainders: 0.75, 0.75
    assert apportion(0, [1, 2]) == [0, 0]
    assert sum(apportion(5_600_000, [1.0 + i / 7 for i in range(3389)])) == 5_600_000


@pytest.mark.django_db
def test_generator_builds_a_proportional_consistent_country():
    result = generate(members=MEMBERS, seed=7)

    assert (result.members, result.provinces, result.communes) == (MEMBERS, 34, 3321)
    assert Member.objects.count() == MEMBERS
    assert Unit.objects.filter(depth=0).count() == 1
    assert Unit.objects.filter(depth=1, kind__code="tinh-uy").count() == 34
    assert Unit.objects.filter(kind__code="dang-bo-xa").count() == 3321
    assert Unit.objects.filter(kind__code="dang-bo-truc-thuoc").count() == 68
    assert Unit.objects.count() == result.units
    assert Position.objects.count() == result.positions
    # Real names from the data packages, in the right place.
    hoan_kiem = Unit.objects.select_related("parent").get(name="Đảng bộ Phường Hoàn Kiếm")
    assert hoan_kiem.parent.name == "Đảng bộ Thành phố Hà Nội"
    assert Unit.objects.filter(name="Đảng bộ tỉnh Tuyên Quang", depth=1).exists()

    # Paths, depths and folded names are what the actions would have written.
    units = {u.pk: u for u in Unit.objects.all()}
    for unit in units.values():
        parent = units.get(unit.parent_id)
        assert unit.path == (parent.path if parent else "") + path_segment(unit.pk)
        assert unit.depth == (parent.depth + 1 if parent else 0)
        assert unit.name_folded == fold(unit.name)

    # Counters: active members directly in each unit, and every member sits in a cell.
    active = Member.objects.filter(status__in=ACTIVE_STATUSES)
    assert result.active_members == active.count()
    assert sum(u.member_count for u in units.values()) == result.active_members
    per_unit = {}
    for unit_id in active.values_list("unit_id", flat=True):
        per_unit[unit_id] = per_unit.get(unit_id, 0) + 1
    assert {pk: u.member_count for pk, u in units.items() if u.member_count} == per_unit
    cell_kinds = {"chi-bo", "chi-bo-co-so"}
    assert set(Member.objects.values_list("unit__kind__code", flat=True).distinct()) <= cell_kinds

    # Members: stored keys match the text helpers, identifiers are unique, records validate.
    for full_name, folded, key in Member.objects.values_list("full_name", "name_folded", "sort_key"):
        assert (folded, key) == (fold(full_name), name_sort_key(full_name))
    cards = list(Member.objects.values_list("card_number", flat=True))
    assert len(set(cards)) == MEMBERS and all(len(c) == 8 and c.isdigit() for c in cards)
    ids = [c for c in Member.objects.values_list("citizen_id", flat=True) if c]
    assert len(set(ids)) == len(ids) and all(len(c) == 12 and c.isdigit() for c in ids)
    for member in Member.objects.order_by("id")[::37]:
        member.full_clean()
    statuses = set(Member.objects.values_list("status", flat=True))
    assert {"official", "probationary"} <= statuses

    # One cell secretary per cell that has members.
    cells_with_members = Member.objects.values("unit_id").distinct().count()
    assert Position.objects.filter(title__startswith="Bí thư Chi bộ").count() == cells_with_members
    agencies = Unit.objects.filter(code__endswith="-CQD")
    assert agencies.count() == 34
    staffed = sum(Member.objects.filter(unit__path__startswith=a.path).exists() for a in agencies)
    assert staffed >= 30
    assert Position.objects.filter(title__in=["Bí thư Tỉnh ủy", "Bí thư Thành ủy"]).count() == staffed


@pytest.mark.django_db
def test_generator_is_deterministic_and_refuses_to_mix_datasets():
    generate(members=1200, seed=11)
    first = _fingerprint()
    with pytest.raises(GeneratorError, match="--replace"):
        generate(members=1200, seed=11)
    generate(members=1200, seed=11, replace=True)
    assert _fingerprint() == first
    generate(members=1200, seed=12, replace=True)
    assert _fingerprint() != first
    assert Member.objects.count() == 1200


@pytest.mark.django_db
def test_generate_command_records_the_dataset(capsys):
    from django.core.management import call_command

    call_command("generate", "--members", "500", "--seed", "3", "--json")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["members"] == 500 and summary["communes"] == 3321 and summary["peak_rss_kib"] > 0
    dataset = Dataset.objects.get()
    assert (dataset.members, dataset.seed, dataset.generator_version) == (500, 3, generator.GENERATOR_VERSION)


def test_result_target_rules():
    assert Result("a", ours=60, baseline=100, unit="r/s", target=0.5).met
    assert not Result("a", ours=40, baseline=100, unit="r/s", target=0.5).met
    assert Result("b", ours=150, baseline=10, unit="ms", target=200, target_applies_to="ours", better="lower").met
    assert not Result("b", ours=250, baseline=10, unit="ms", target=200, target_applies_to="ours",
                      better="lower").met
    assert not Result("c", ours=1, baseline=0, unit="x", target=0.1).met  # no ratio without a baseline
    assert {"generation", "generation_memory", "tree_page"} <= {cls.name for cls in load_all()}
    assert REGISTRY["tree_page"].needs_server


def test_load_generator_stays_on_loopback_and_stops_by_itself():
    with pytest.raises(ValueError, match="loopback"):
        loadgen.run("http://10.0.0.1:80", ["/"], headers={}, connections=1, duration=1, max_requests=1)
    with pytest.raises(ValueError, match="loopback"):
        loadgen.run("http://example.org", ["/"], headers={}, connections=1, duration=1, max_requests=1)

    class Quiet(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            body = b"ok" if self.path == "/ok" else b"no"
            self.send_response(200 if self.path == "/ok" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = loadgen.run(url, ["/ok", "/missing"], headers={}, connections=4, duration=30, max_requests=40,
                             tool="python")
        assert result.requests == 40  # the request cap stopped it long before the 30 s
        assert result.non_200 == 20 and result.errors == 0
        assert result.seconds < 30 and result.p95_ms >= result.p50_ms > 0
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.django_db(transaction=True)
def test_harness_runs_every_scenario_on_a_tiny_dataset(tmp_path, monkeypatch):
    from tests.factories import ensure_unit_kinds

    ensure_unit_kinds()  # a transactional test before this one may have flushed the seeded kinds
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark harness measures PostgreSQL COPY and a gunicorn server on PostgreSQL; "
                    "the generator itself is tested on SQLite above")
    monkeypatch.setenv("QUANTRIET_VAR", str(tmp_path / "var"))  # the server's collected static files
    output = tmp_path / "results.json"
    config = harness.Config(members=2000, seed=5, output=output, connections=4, duration=2.0, warmup=0.5,
                            max_requests=400, verbose=False, only=["generation", "generation_memory", "tree_page"])
    report = harness.run(config)

    saved = json.loads(output.read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(report))
    assert saved["members"] == 2000 and saved["date"] and "PostgreSQL" in saved["machine"]
    assert saved["dataset_generated_in_this_run"] is True
    errors = {s["name"]: s["error"] for s in saved["scenarios"] if "error" in s}
    assert not errors, errors  # e.g. the production server could not start
    by_name = {s["name"]: s for s in saved["scenarios"]}
    assert set(by_name) == {"generation", "generation_memory", "tree_page_throughput", "tree_page_p95"}
    for scenario in saved["scenarios"]:
        assert "error" not in scenario, scenario
        assert set(scenario) >= {"name", "ours", "baseline", "unit", "ratio", "target", "met"}
        assert scenario["ours"] > 0 and scenario["baseline"] > 0 and scenario["ratio"] > 0
        assert scenario["target"] > 0 and scenario["unit"] and isinstance(scenario["met"], bool)
    assert by_name["generation"]["details"]["rows"] == saved["dataset"]["rows"]
    tree = by_name["tree_page_throughput"]["details"]
    assert tree["paths"] == 34
    for load in (tree["tree"], tree["trivial"]):
        assert load["non_200"] == 0 and load["errors"] == 0 and 0 < load["requests"] <= 400
    # The server it started is gone, and the baseline's scratch schema too.
    host, port = loadgen.check_loopback(saved["server"])
    with pytest.raises(OSError):
        socket.create_connection((host, port), timeout=2).close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'bench_baseline'")
        assert cursor.fetchone() is None
