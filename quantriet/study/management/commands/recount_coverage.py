"""`quantriet recount-coverage [--campaign ID] [--fix]`: recompute the coverage counters from the study
records and report every difference; exit status 1 when there is any (even when fixed)."""
import sys

from django.core.management.base import BaseCommand, CommandError

from quantriet.study import counters
from quantriet.study.models import Campaign


class Command(BaseCommand):
    help = "Recompute the study coverage counters from the records and report differences (exit 1 if any)."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int, help="Only this campaign (id).")
        parser.add_argument("--fix", action="store_true", help="Write the recounted values.")

    def handle(self, *args, campaign=None, fix=False, **options):
        campaigns = Campaign.objects.exclude(status="draft").select_related("unit").order_by("id")
        if campaign is not None:
            campaigns = campaigns.filter(pk=campaign)
            if not campaigns.exists():
                raise CommandError(f"No opened campaign with id {campaign}.")
        total = 0
        for item in campaigns:
            differences = counters.recount(item, fix=fix)
            total += len(differences)
            for diff in differences:
                self.stdout.write(
                    f"campaign {diff['campaign']} unit {diff['unit']}: counted {diff['counted']}, "
                    f"recounted {diff['recounted']}{' (fixed)' if fix else ''}")
            self.stdout.write(f"campaign {item.pk} ({item.title}): {len(differences)} difference(s)")
        if total:
            self.stderr.write(f"{total} difference(s){' fixed' if fix else ''}.")
            sys.exit(1)
        self.stdout.write("The counters agree with the records.")
