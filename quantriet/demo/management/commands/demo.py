"""`quantriet demo`: migrate, load the demo data once, print the logins, serve."""
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from quantriet.accounts.models import Role
from quantriet.demo import hooks, loader, reorganization


def _default_port() -> int:
    try:
        return int(os.environ.get("PORT", "8000"))
    except ValueError:
        return 8000


class Command(BaseCommand):
    help = "Migrate, load the Tuyên Quang demo data (once), print the demo logins and serve the site."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="Do everything but start the web server.")
        parser.add_argument("--port", type=int, default=_default_port(),
                            help="Port on 127.0.0.1 (default: $PORT or 8000).")

    def handle(self, *args, **options):
        if not (getattr(settings, "DEMO", False) or settings.DEBUG):
            raise CommandError("The demo loads made-up members: run it with QUANTRIET_DEMO=1 (or DEBUG=1), "
                               "never against a production database.")
        port = options["port"]
        if not 1 <= port <= 65535:
            raise CommandError("--port must be between 1 and 65535.")
        verbosity = options["verbosity"]
        started = time.monotonic()

        self.stdout.write("Migrating the database …")
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0), stdout=self.stdout)
        migrated = time.monotonic()

        try:
            result = loader.load_demo()
        except loader.DemoConflict as error:
            raise CommandError(str(error)) from error
        summary = result.summary
        when = timezone.localtime(result.loaded_at).strftime("%d/%m/%Y %H:%M") if result.loaded_at else "?"
        if result.created:
            self.stdout.write(self.style.SUCCESS(
                f"Loaded the demo data: the Tuyên Quang party organization as of 22/07/2022 "
                f"({time.monotonic() - migrated:.1f} s)."
            ))
        else:
            self.stdout.write(f"The demo data was already loaded ({when}); nothing changed.")
        if summary:
            self.stdout.write(
                f"  {summary.get('units', 0):,} units: {summary.get('district_committees', 0)} district committees, "
                f"{summary.get('communes', 0)} communes; {summary.get('members', 0):,} members "
                f"({summary.get('active_members', 0):,} active), {summary.get('positions', 0):,} positions."
            )
        called = hooks.run_demo_loaders(self.stdout)
        if called:
            self.stdout.write(f"Demo data of other apps: {', '.join(called)}.")
        # Last, the later history (2024 merger, 2025 reorganization), so that 2022 data above
        # was built on the 2022 tree and still reports against it.
        reorganization.apply_history(self.stdout, acting_user=loader.demo_admin())
        # A live campaign on today's merged tree, opened after the history (idempotent).
        from quantriet.study.demo import load_current_campaign

        load_current_campaign(self.stdout)
        self.stdout.write(f"Ready in {time.monotonic() - started:.1f} s.")

        url = f"http://127.0.0.1:{port}/"
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Open {url} and sign in as (password for all: {loader.DEMO_PASSWORD}):"))
        for login in result.logins:
            extra = f"; member {login.member}" if login.member else ""
            with translation.override("en"):
                label = str(Role(login.role).label)
            self.stdout.write(f"  {login.username:<18} {login.password:<16} {label} — {login.unit}{extra}")
        if result.totp_key:
            self.stdout.write(
                f"  admin must also enter a two-factor code: TOTP key {result.totp_key} "
                f"(add it to an authenticator app, or run `quantriet demo-otp`)."
            )
        if options["no_serve"]:
            return
        self._serve(port)

    def _serve(self, port: int) -> None:
        # Stop cleanly (and stop the worker) on SIGTERM as on Ctrl-C.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        worker = None
        if "django_q" in settings.INSTALLED_APPS and not getattr(settings, "Q_CLUSTER", {}).get("sync"):
            # Background tasks: one django-q worker beside the web server, stopped with it.
            worker = subprocess.Popen([sys.executable, "-m", "quantriet", "qcluster"], env=os.environ.copy())
        try:
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        finally:
            if worker is not None and worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
