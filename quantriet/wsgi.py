import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quantriet.settings")
application = get_wsgi_application()

# Site devices' check-ins skip the middleware stack (quantriet/conferences/fastlane.py).
from quantriet.conferences.fastlane import CheckinFastLane  # noqa: E402

application = CheckinFastLane(application)
