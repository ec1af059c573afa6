"""`quantriet import-members FILE [--unit CODE] [--dry-run] [--user USERNAME]`

Reads a member file (.xlsx, .xls, .csv) with the template's columns. Each row's unit comes from
the file's unit column (a unit code, or the unit's name as shown in the tree); --unit gives the
unit for rows that leave it empty. Exit status 0 when the file is clean (and, without --dry-run,
imported: all rows in one transaction), 1 when it has errors, printed one per line with the row
number. The acting user (for permissions and the audit log) is --user, by default the first
superuser.
"""
import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from quantriet.units.models import Unit

from ...importing import MemberImporter


class Command(BaseCommand):
    help = "Import party members from an .xlsx, .xls or .csv file with the template's columns."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--unit", help="code of the unit for rows whose unit column is empty")
        parser.add_argument("--dry-run", action="store_true", help="check the file and write nothing")
        parser.add_argument("--user", help="username of the acting user (default: the first superuser)")
        parser.add_argument("--progress", action="store_true", help="print progress lines to stderr")

    def handle(self, *args, **options):
        user = self._user(options.get("user"))
        default_unit = None
        if options.get("unit"):
            default_unit = Unit.objects.filter(code=options["unit"]).first()
            if default_unit is None:
                raise CommandError(_("Unknown unit code “%(code)s”.") % {"code": options["unit"]})
        started = time.perf_counter()

        def progress(done, total):
            if options.get("progress"):
                sys.stderr.write(f"progress {done}/{total}\n")
                sys.stderr.flush()

        importer = MemberImporter(options["file"], user=user, default_unit=default_unit, progress=progress)
        report = importer.preview() if options["dry_run"] else importer.commit()
        for message in report.file_errors:
            self.stdout.write(_("File: %(message)s") % {"message": message})
        for issue in report.issues:
            for message in issue["errors"]:
                self.stdout.write(_("Row %(row)s: %(message)s") % {"row": issue["row"], "message": message})
        if report.issues_omitted:
            self.stdout.write(_("(%(count)s more rows with errors or warnings are not listed.)") % {
                "count": report.issues_omitted,
            })
        for issue in report.issues:
            if not issue["errors"]:
                for message in issue["warnings"]:
                    self.stderr.write(_("Row %(row)s (warning): %(message)s") % {"row": issue["row"], "message": message})
        elapsed = time.perf_counter() - started
        summary = _("%(rows)s rows: %(created)s to create, %(updated)s to update, %(errors)s with errors (%(seconds).1f s).") % {
            "rows": report.total_rows, "created": report.create_count, "updated": report.update_count,
            "errors": report.error_rows, "seconds": elapsed,
        }
        self.stderr.write(summary)
        if not report.ok:
            self.stderr.write(_("Nothing was imported."))
            sys.exit(1)
        if not options["dry_run"]:
            self.stderr.write(_("Imported: %(created)s created, %(updated)s updated.") % {
                "created": report.create_count, "updated": report.update_count,
            })

    def _user(self, username):
        users = get_user_model().objects.filter(is_active=True)
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(_("Unknown user “%(name)s”.") % {"name": username})
            return user
        user = users.filter(is_superuser=True).order_by("pk").first()
        if user is None:
            raise CommandError(_("No superuser exists: name the acting user with --user."))
        return user
