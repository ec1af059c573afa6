"""The dashboard-style tree page of a province under load, against a trivial endpoint."""
from __future__ import annotations

from quantriet.units.models import Unit

from . import Result, Scenario, register

TRIVIAL_PATH = "/healthz"


@register
class TreePage(Scenario):
    name = "tree_page"
    title = "Province tree page with member counts vs /healthz, both with 32 logged-in clients"
    models = ("Committee offices of all 34 provinces opening their dashboard (children units with member "
              "counts of the whole subtree) at the same time, e.g. the morning of a national conference.")
    order = 200
    needs_server = True

    def setup(self, ctx):
        provinces = list(Unit.objects.filter(depth=1).order_by("id").values_list("id", flat=True))
        if not provinces:
            raise AssertionError("no province in the dataset")
        self.paths = [f"/units/{pk}/" for pk in provinces]
        headers = ctx.session_headers()
        # The page must really render for the bench user (not redirect to the login page).
        from quantriet.bench.harness import http_request

        status, _headers, body = http_request(ctx.server.base_url, "GET", self.paths[0], headers=headers)
        if status != 200 or 'data-testid="subtree-total"' not in body:
            raise AssertionError(f"{self.paths[0]} answered {status} without the subtree total")
        status, _headers, _body = http_request(ctx.server.base_url, "GET", TRIVIAL_PATH, headers=headers)
        if status != 200:
            raise AssertionError(f"{TRIVIAL_PATH} answered {status}")

    def run(self, ctx):
        trivial = ctx.load([TRIVIAL_PATH])
        tree = ctx.load(self.paths)
        details = {"tree": tree.as_dict(), "trivial": trivial.as_dict(), "paths": len(self.paths),
                   "trivial_path": TRIVIAL_PATH}
        for result in (tree, trivial):
            if result.non_200 or result.errors:
                raise AssertionError(f"{result.non_200} non-200 responses and {result.errors} errors: {details}")
        return [
            Result("tree_page_throughput", ours=tree.rps, baseline=trivial.rps, unit="requests/s",
                   target=0.5, target_applies_to="ratio", better="higher", details=details),
            Result("tree_page_p95", ours=tree.p95_ms, baseline=trivial.p95_ms, unit="ms",
                   target=200, target_applies_to="ours", better="lower",
                   details={"tree_p50_ms": round(tree.p50_ms, 2), "trivial_p50_ms": round(trivial.p50_ms, 2)}),
        ]
