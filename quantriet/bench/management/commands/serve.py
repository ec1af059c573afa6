"""`quantriet serve`: the production server (gunicorn, several workers) for this app.

Reads the production settings from the environment like every other command (SECRET_KEY,
DATABASE_URL, ALLOWED_HOSTS, REDIS_URL, …; see docs/deployment.md). App processes keep no
state of their own, so more nodes can run behind the same reverse proxy.
"""
import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def default_workers() -> int:
    return int(os.environ.get("WEB_CONCURRENCY") or (2 * (os.cpu_count() or 1) + 1))


class Command(BaseCommand):
    help = "Run the app under gunicorn with several worker processes (production mode)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}",
                            help="address:port to listen on (env BIND, or 127.0.0.1:$PORT; default 127.0.0.1:8000)")
        parser.add_argument("--workers", type=int, default=None,
                            help="worker processes (env WEB_CONCURRENCY; default 2 × CPU cores + 1)")
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "1")),
                            help="threads per worker (env WEB_THREADS; default 1, i.e. sync workers)")
        parser.add_argument("--timeout", type=int, default=int(os.environ.get("WEB_TIMEOUT", "30")),
                            help="seconds before a stuck worker is restarted (default 30)")
        parser.add_argument("--access-log", action="store_true", default=os.environ.get("ACCESS_LOG") == "1",
                            help="write an access log line per request to stdout (env ACCESS_LOG=1)")
        parser.add_argument("--no-collectstatic", action="store_true",
                            help="skip collecting static files (when the deployment already did it)")
        parser.add_argument("--check", action="store_true",
                            help="print the gunicorn command line and exit without serving")

    def handle(self, *args, bind, workers, threads, timeout, access_log, no_collectstatic, check, **options):
        if settings.DEBUG:
            self.stderr.write(self.style.WARNING("DEBUG is on: do not serve real users with it."))
        if not settings.ALLOWED_HOSTS:
            raise CommandError("ALLOWED_HOSTS is empty: set it to the host names this server answers to.")
        workers = workers or default_workers()
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        command = [
            sys.executable, "-m", "gunicorn", "quantriet.wsgi:application",
            "--bind", bind,
            "--workers", str(workers),
            "--threads", str(threads),
            "--worker-class", "gthread" if threads > 1 else "sync",
            "--timeout", str(timeout),
            "--graceful-timeout", "20",
            # Recycle workers now and then so no slow leak can grow for ever.
            "--max-requests", "20000", "--max-requests-jitter", "2000",
            "--backlog", "2048",
            "--error-logfile", "-",
        ]
        if os.path.isdir("/dev/shm"):
            command += ["--worker-tmp-dir", "/dev/shm"]
        if access_log:
            command += ["--access-logfile", "-"]
        if check:
            self.stdout.write(" ".join(command))
            return
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, command)
