"""`quantriet generate --members N [--seed S]`: a synthetic national organization (see bench/generator.py)."""
import datetime


from django.core.management.base import BaseCommand, CommandError

from quantriet.bench.generator import GENERATOR_VERSION, GeneratorError, generate
from quantriet.bench.models import Dataset


class Command(BaseCommand):
    help = ("Generate a synthetic national party organization: the real 34 provinces and 3,321 communes, "
            "grassroots organizations, cells and N members, written with PostgreSQL COPY. "
            "Deterministic for a seed.")

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, required=True, help="number of members to generate")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, default=None,
                            help="reference date for ages and admission dates (YYYY-MM-DD; default 2026-01-01)")
        parser.add_argument("--replace", action="store_true",
                            help="first delete the whole tree, all members and everything attached to them")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON on the last line")

    def handle(self, *args, members, seed, as_of, replace, json: bool, **options):
        if members < 0:
            raise CommandError("--members cannot be negative.")
        quiet = json or options["verbosity"] == 0
        progress = None if quiet else (lambda message: self.stdout.write(f"  {message}"))
        try:
            result = generate(members=members, seed=seed, as_of=as_of, replace=replace, progress=progress)
        except GeneratorError as error:
            raise CommandError(str(error)) from error
        summary = result.as_dict()
        Dataset.objects.create(members=members, seed=seed, as_of=result.as_of, generator_version=GENERATOR_VERSION,
                               summary=summary)
        if json:
            import json as json_module

            self.stdout.write(json_module.dumps(summary))
            return
        self.stdout.write(self.style.SUCCESS(
            f"{result.members:,} members ({result.active_members:,} active), {result.units:,} units "
            f"({result.provinces} provinces, {result.communes:,} communes, {result.grassroots:,} grassroots "
            f"organizations, {result.cells:,} cells), {result.positions:,} positions in {result.seconds:.1f} s "
            f"({result.members / max(result.seconds, 1e-9):,.0f} members/s); peak memory "
            f"{result.peak_rss_kib / 1024:.0f} MiB"
        ))
