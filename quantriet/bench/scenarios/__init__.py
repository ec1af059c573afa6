"""Benchmark scenarios: one module per capability, each registering its Scenario classes.

A scenario measures something the product must do at national scale *and* a baseline for
it in the same run, and returns one or more `Result`s. To add one, drop a module in this
package (it is imported automatically) with:

    from quantriet.bench.scenarios import Result, Scenario, register

    @register
    class CheckInThroughput(Scenario):
        name = "checkin_throughput"           # unique, snake_case; the key in results.json
        title = "Conference check-in, 32 clients"
        models = "1.93 million participants checking in at >31,000 sites on one morning"
        order = 300                           # position in the run (generation is 0, tree page 200)
        needs_server = True                   # ctx.server is started before run()

        def setup(self, ctx):                 # optional: prepare data (in ctx's database)
            ...

        def run(self, ctx):
            ours = ctx.load([...]).rps
            base = ctx.load(["/healthz"]).rps
            return [Result(self.name, ours=ours, baseline=base, unit="requests/s",
                           target=0.5, target_applies_to="ratio", better="higher")]

        def teardown(self, ctx):              # optional: always called after setup
            ...

The context (`quantriet.bench.harness.Context`) gives the dataset summary, the Django
connection to the benchmark database, the production server (`ctx.server.base_url`), an
authenticated session (`ctx.session_headers()`), the bounded load generator (`ctx.load`),
a scratch folder and the configuration (members, seed, connections, duration …).
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field

REGISTRY: dict[str, type["Scenario"]] = {}


@dataclass
class Result:
    """One line of results.json.

    `target` is checked against `ours` or against `ratio` (= ours / baseline), as
    `target_applies_to` says, and must be ≥ it when `better` is "higher", ≤ when "lower".
    """

    name: str
    ours: float
    baseline: float
    unit: str
    target: float
    target_applies_to: str = "ratio"  # "ratio" or "ours"
    better: str = "higher"  # "higher" or "lower"
    details: dict = field(default_factory=dict)
    error: str = ""

    def __post_init__(self):
        if self.target_applies_to not in ("ratio", "ours"):
            raise ValueError("target_applies_to must be 'ratio' or 'ours'")
        if self.better not in ("higher", "lower"):
            raise ValueError("better must be 'higher' or 'lower'")

    @property
    def ratio(self) -> float | None:
        return self.ours / self.baseline if self.baseline else None

    @property
    def met(self) -> bool:
        if self.error:
            return False
        value = self.ratio if self.target_applies_to == "ratio" else self.ours
        if value is None:
            return False
        return value >= self.target if self.better == "higher" else value <= self.target

    def as_dict(self) -> dict:
        def number(value):
            return None if value is None else round(float(value), 4)

        data = {
            "name": self.name, "ours": number(self.ours), "baseline": number(self.baseline), "unit": self.unit,
            "ratio": number(self.ratio), "target": number(self.target), "target_applies_to": self.target_applies_to,
            "better": self.better, "met": self.met, "details": self.details,
        }
        if self.error:
            data["error"] = self.error
        return data


class Scenario:
    name = ""
    title = ""
    models = ""
    order = 100
    needs_server = False

    def setup(self, ctx) -> None:
        pass

    def run(self, ctx) -> list[Result]:
        raise NotImplementedError

    def teardown(self, ctx) -> None:
        pass


def register(cls: type[Scenario]) -> type[Scenario]:
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    if cls.name in REGISTRY and REGISTRY[cls.name] is not cls:
        raise ValueError(f"Two scenarios are named {cls.name!r}")
    REGISTRY[cls.name] = cls
    return cls


def load_all() -> list[type[Scenario]]:
    """Import every module of this package and return the scenarios in run order."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return sorted(REGISTRY.values(), key=lambda cls: (cls.order, cls.name))
