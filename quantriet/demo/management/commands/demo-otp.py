"""`quantriet demo-otp [username]`: the current two-factor code of a demo account (demo only)."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current 6-digit TOTP code of a demo administrator (only with QUANTRIET_DEMO=1 or DEBUG)."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="admin")

    def handle(self, *args, **options):
        if not (getattr(settings, "DEMO", False) or settings.DEBUG):
            raise CommandError("demo-otp only works in the demo (QUANTRIET_DEMO=1) or with DEBUG on.")
        username = options["username"]
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).order_by("id").first()
        if device is None:
            raise CommandError(f"No confirmed TOTP device for user {username!r}.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        code = f"{totp.token():0{device.digits}d}"
        remaining = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(code)
        if options["verbosity"] > 1:
            self.stderr.write(f"valid for {remaining} s more")
