"""Study coverage at national scale: the counter rows against the straightforward GROUP BY.

Setup opens a national study campaign on the generated tree through `study.actions.open_campaign`
(one record per active member, INSERT … SELECT, counters built from a recount), then marks
realistic partial progress set-based (about 70% attended, 55% submitted, 45% passed, 30% quiz, 35%
completed, varying by unit) and rebuilds the counters, checking they equal the recount.

Measured in the same run, in-process against the same database, sequentially:
- ours: `study.selectors.coverage(campaign, unit)` — what the coverage view runs: the unit's counter
  row and its children's rows (subtree totals for the unit and each child);
- baseline: the straightforward query for the same figures — a GROUP BY over the study records
  joined to the units of the subtree, grouped by the child each record falls under.
Both for the national root and for one commune (the largest), p95 over repeated runs.
Targets (issue): under 50 ms p95 for any unit; at least 50× faster than the baseline at the root.
"""
from __future__ import annotations

import datetime
import statistics
import time

from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import Substr

from . import Result, Scenario, register

TITLE = "BENCH national study campaign"
OURS_RUNS = 200
BASE_RUNS_ROOT = 15
BASE_RUNS_COMMUNE = 60
P95_TARGET_MS = 50
SPEEDUP_TARGET = 50


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def _time(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def baseline(campaign, unit) -> dict:
    """The straightforward figures: subtree GROUP BY, per child of `unit` (and the total)."""
    from quantriet.study.counters import _flag_aggregates
    from quantriet.study.models import StudyRecord

    records = StudyRecord.objects.filter(campaign=campaign, unit__path__startswith=unit.path)
    width = len(unit.path) + 9  # the child's path: the unit's path and one more segment
    per_child = list(records.annotate(child=Substr("unit__path", 1, width)).values("child")
                     .annotate(**_flag_aggregates()).order_by())
    total = {name: sum(row[name] for row in per_child) for name in _flag_aggregates()}
    return {"total": total, "children": per_child}


@register
class StudyCoverage(Scenario):
    name = "study_coverage"
    title = "Study coverage of a national campaign: counter rows vs GROUP BY over the subtree"
    models = ("A national study campaign with one record per member: the coverage dashboard opened for the "
              "national root and for a commune while the campaign runs.")
    order = 400
    needs_server = False

    def setup(self, ctx):
        from django.contrib.auth import get_user_model

        from quantriet.documents.models import Document
        from quantriet.study import actions, counters
        from quantriet.study.models import Campaign, CoverageCounter, StudyRecord
        from quantriet.units.models import Unit

        root = Unit.objects.filter(depth=0).order_by("id").first()
        if root is None:
            raise AssertionError("no root unit in the dataset")
        self.root = root
        admin, _ = get_user_model().objects.get_or_create(username="bench-study", defaults={"is_superuser": True})
        if not admin.is_superuser:
            admin.is_superuser = True
            admin.save(update_fields=["is_superuser"])
        document = Document.objects.filter(canonical_number="21-NQ/TW").first() or Document.objects.create(
            number=21, type_code="NQ", issuer="TW", kind="resolution", issuing_body="Ban Chấp hành Trung ương",
            issued_on=datetime.date(2022, 6, 16), title="về tổ chức cơ sở đảng và đội ngũ đảng viên")
        old = Campaign.objects.filter(title=TITLE).values_list("pk", flat=True)
        if old:
            ctx.log("study: removing the previous benchmark campaign")
            with connection.cursor() as cursor:
                ids = list(old)
                cursor.execute("DELETE FROM study_quizattempt WHERE record_id IN "
                               "(SELECT id FROM study_studyrecord WHERE campaign_id = ANY(%s))", [ids])
                for table in ("study_coveragesnapshot", "study_coveragecounter", "study_studyrecord",
                              "study_campaignsession", "study_campaign_documents"):
                    cursor.execute(f"DELETE FROM {table} WHERE campaign_id = ANY(%s)", [ids])
                cursor.execute("DELETE FROM study_campaign WHERE id = ANY(%s)", [ids])
        today = datetime.date.today()
        started = time.perf_counter()
        with transaction.atomic():
            campaign = actions.create_campaign(acting_user=admin, unit=root, title=TITLE, documents=[document],
                                               starts_on=today, deadline=today + datetime.timedelta(days=60))
            targeted = actions.open_campaign(campaign, acting_user=admin)
        opened_s = time.perf_counter() - started
        ctx.log(f"study: opened a national campaign with {targeted} records in {opened_s:.1f} s")
        # Partial progress, set-based, varying by unit.
        with connection.cursor() as cursor:
            cursor.execute("""
                UPDATE study_studyrecord SET
                  attended = ((id * 7 + unit_id) %% 100) < 70,
                  reflection_status = CASE WHEN ((id * 7 + unit_id) %% 100) < 45 THEN 'passed'
                                           WHEN ((id * 7 + unit_id) %% 100) < 55 THEN 'submitted'
                                           ELSE 'none' END,
                  quiz_passed = ((id * 13 + unit_id) %% 100) < 30
                WHERE campaign_id = %s""", [campaign.pk])
            cursor.execute("""
                UPDATE study_studyrecord SET completed = attended AND reflection_status = 'passed'
                WHERE campaign_id = %s""", [campaign.pk])
            cursor.execute("ANALYZE study_studyrecord")
            cursor.execute("ANALYZE study_coveragecounter")
        started = time.perf_counter()
        rows = counters.build(campaign, CoverageCounter.objects.filter(campaign=campaign).values_list("unit_id", flat=True))
        self.rebuild_s = time.perf_counter() - started
        with connection.cursor() as cursor:  # the bulk UPDATE left dead tuples: a real campaign grows slowly
            cursor.execute("VACUUM ANALYZE study_studyrecord")
            cursor.execute("VACUUM ANALYZE study_coveragecounter")
        started = time.perf_counter()
        if counters.recount(campaign):
            raise AssertionError("the counters differ from the recount after the rebuild")
        self.recount_s = time.perf_counter() - started
        ctx.log(f"study: progress marked; counters rebuilt ({rows} rows) in {self.rebuild_s:.1f} s; "
                f"a full recount finds no difference ({self.recount_s:.1f} s)")
        self.campaign = campaign
        self.targeted = targeted
        self.opened_s = opened_s
        commune_kind = (Unit.objects.filter(depth=2).values("kind_id").annotate(n=Count("id")).order_by("-n")
                        .values_list("kind_id", flat=True).first())
        best = None  # the commune with the most records in its subtree, among the first 400
        for commune in Unit.objects.filter(depth=2, kind_id=commune_kind).order_by("id")[:400]:
            n = StudyRecord.objects.filter(campaign=campaign, unit__path__startswith=commune.path).count()
            if best is None or n > best[1]:
                best = (commune, n)
        if best is None:
            raise AssertionError("no commune-level unit in the dataset")
        self.commune, self.commune_records = best

    def _check(self, unit):
        from quantriet.study import selectors

        total, _own, children = selectors.coverage(self.campaign, unit)
        base = baseline(self.campaign, unit)
        if base["total"] != {k: getattr(total, k) for k in base["total"]}:
            raise AssertionError(f"coverage of {unit} differs from the GROUP BY: {total} vs {base['total']}")
        by_child = {row["child"]: row["completed"] for row in base["children"]}
        for child in children:
            if by_child.get(child.unit.path, 0) != child.completed:
                raise AssertionError(f"child {child.unit} differs from the GROUP BY")

    def run(self, ctx):
        from quantriet.study import selectors

        results = []
        details = {"members_targeted": self.targeted, "open_campaign_s": round(self.opened_s, 2),
                   "rebuild_counters_s": round(self.rebuild_s, 2), "recount_s": round(self.recount_s, 2), "commune": self.commune.name,
                   "commune_records": self.commune_records}
        for label, unit, base_runs in (("root", self.root, BASE_RUNS_ROOT),
                                       ("commune", self.commune, BASE_RUNS_COMMUNE)):
            self._check(unit)
            _time(lambda: selectors.coverage(self.campaign, unit), 20)  # warm-up, not measured
            ours = _time(lambda: selectors.coverage(self.campaign, unit), OURS_RUNS)
            base = _time(lambda: baseline(self.campaign, unit), base_runs)
            ours_p95, base_p95 = _p95(ours), _p95(base)
            info = {**details, "ours_p50_ms": round(statistics.median(ours), 3),
                    "baseline_p50_ms": round(statistics.median(base), 2), "ours_runs": OURS_RUNS,
                    "baseline_runs": base_runs}
            ctx.log(f"study: {label}: ours p95 {ours_p95:.2f} ms, GROUP BY p95 {base_p95:.1f} ms "
                    f"({base_p95 / ours_p95:.0f}×)")
            results.append(Result(f"study_coverage_{label}_p95", ours=ours_p95, baseline=base_p95, unit="ms",
                                  target=P95_TARGET_MS, target_applies_to="ours", better="lower", details=info))
            if label == "root":
                results.append(Result("study_coverage_root_speedup", ours=base_p95 / ours_p95, baseline=1.0,
                                      unit="× faster than GROUP BY (p95)", target=SPEEDUP_TARGET,
                                      target_applies_to="ours", better="higher", details=info))
        return results
