"""The demo: the Tuyên Quang party organization as of 22/7/2022, and the `demo` command.

`quantriet demo [--no-serve] [--port N]` migrates the database, loads the demo data once
(`quantriet.demo.loader.load_demo`: units, members, positions, one account per role, one
`demo.load` audit entry), prints the address and the logins, and serves the site.
`quantriet demo-otp [username]` prints the current two-factor code of a demo administrator.

Extension hook for the other apps
---------------------------------
After the base data, the command looks at every app in ``INSTALLED_APPS`` (in settings order)
for a module ``<app>.demo`` with a function ``load_demo(stdout)`` and calls it. Use it to add
the demo data of a capability (documents, conferences, …) on top of the base tree::

    # quantriet/documents/demo.py
    def load_demo(stdout):
        if Document.objects.filter(code="demo-…").exists():   # idempotent: it runs at every start
            return
        ...                                                  # build on units/members by their codes
        stdout.write("Documents: 12 loaded")

Rules: a hook must be idempotent on its own (it runs on every `quantriet demo`, also when the
base data was loaded before, and must then change nothing), should do its writes in one
transaction, find base data by stable codes (`TW`, `TQ`, `TQ-D1350`, `TQ-<ward_code>`,
`TQ-<ward_code>/01` …, see `quantriet.demo.loader`), and write through actions or its own
audit entry. `stdout` is the command's output stream (`stdout.write(text)`). Errors propagate
and stop the command.
"""
