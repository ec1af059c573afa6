"""`quantriet send-conference-reminders [--dry-run]`: send the conference reminders due now, for those who
run cron instead of `quantriet qcluster` (the same function as the schedule; running both is safe)."""
from django.core.management.base import BaseCommand

from quantriet.conferences import tasks
from quantriet.conferences.models import Session


class Command(BaseCommand):
    help = "Send the automatic conference reminders due now (each one once; --dry-run only lists them)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be sent; send nothing.")

    def handle(self, *args, dry_run=False, **options):
        summary = tasks.send_due_reminders(dry_run=dry_run)
        titles = dict(Session.objects.filter(pk__in=[pk for pk, _kind, _n in summary["due"]])
                      .values_list("pk", "title"))
        for session_id, kind, people in summary["due"]:
            self.stdout.write(f"session {session_id} ({titles.get(session_id, '')}): {kind}, {people} "
                              f"{'to remind' if dry_run else 'reminded'}")
        if dry_run:
            total = sum(people for _pk, _kind, people in summary["due"])
            self.stdout.write(f"Dry run: {total} reminder(s) due, nothing sent.")
        else:
            self.stdout.write(f"{summary['reminded']} people reminded ({summary['messages']} messages) "
                              f"for {summary['sessions']} session(s).")
