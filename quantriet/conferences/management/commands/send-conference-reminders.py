"""`quantriet send-conference-reminders`: the spelling of the issue; the command lives in
send_conference_reminders.py."""
from .send_conference_reminders import Command  # noqa: F401
