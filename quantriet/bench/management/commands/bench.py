"""`quantriet bench`: run every benchmark scenario on PostgreSQL and write bench/results.json."""
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quantriet.bench import harness


class Command(BaseCommand):
    help = ("Generate (or reuse) a national dataset of N members, run every benchmark scenario against the "
            "production server, print a table and write results.json. Needs PostgreSQL.")

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=200_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--output", default="bench/results.json", help="where to write the JSON report")
        parser.add_argument("--connections", type=int, default=32, help="concurrent clients (default 32)")
        parser.add_argument("--duration", type=float, default=20.0, help="seconds of measured load per endpoint")
        parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load first")
        parser.add_argument("--max-requests", type=int, default=200_000, help="cap per measurement")
        parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto",
                            help="load generator (auto: wrk when installed)")
        parser.add_argument("--workers", type=int, default=None, help="gunicorn workers for the server")
        parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
        parser.add_argument("--regenerate", action="store_true", help="generate even if a matching dataset exists")
        parser.add_argument("--no-collectstatic", action="store_true",
                            help="start the server on the static files already collected")
        parser.add_argument("--only", action="append", default=[], metavar="SCENARIO",
                            help="run only this scenario (repeatable)")

    def handle(self, *args, **options):
        if options["members"] < 1:
            raise CommandError("--members must be at least 1.")
        if not 1 <= options["connections"] <= 1024:
            raise CommandError("--connections must be between 1 and 1024.")
        if options["duration"] <= 0 or options["duration"] > 600:
            raise CommandError("--duration must be between 0 and 600 seconds.")
        config = harness.Config(
            members=options["members"], seed=options["seed"], output=Path(options["output"]),
            connections=options["connections"], duration=options["duration"], warmup=options["warmup"],
            max_requests=options["max_requests"], tool=options["tool"], workers=options["workers"],
            threads=options["threads"], regenerate=options["regenerate"], only=options["only"],
            collectstatic=not options["no_collectstatic"],
            verbose=options["verbosity"] > 0,
        )
        try:
            report = harness.run(config)
        except harness.BenchError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(harness.format_table(report))
        self.stdout.write(f"written to {config.output}")
        failed = [s["name"] for s in report["scenarios"] if s.get("error")]
        if failed:
            self.stderr.write(f"scenarios that failed to run: {', '.join(failed)}")
            sys.exit(1)
