"""`python -m quantriet.bench.probe`: peak memory of an idle app process (the memory baseline).

Loads the settings and every app, opens the database connection and runs one query, then
prints {"peak_rss_kib": …} — the floor any `quantriet` command starts from.
"""
import json
import os
import resource


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quantriet.settings")
    import django

    django.setup()
    from django.db import connection

    from quantriet.units.models import Unit

    Unit.objects.exists()
    connection.close()
    print(json.dumps({"peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main()
