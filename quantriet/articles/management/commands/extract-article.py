"""`quantriet extract-article FILE [--format json|text]`: a conference draft from a news report.

FILE may be "-" for standard input. Exit status 0 on success, 2 with a message on bad input
(empty, binary, too large, not Vietnamese, unreadable file).
"""
import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quantriet.articles.extract import DEFAULT_MAX_BYTES, ArticleInputError, extract_article, validate_input
from quantriet.articles.render import draft_as_text


class Command(BaseCommand):
    help = "Extract a conference draft (title, dates, documents, people, sites, reach) from a Vietnamese news report."

    def add_arguments(self, parser):
        parser.add_argument("file", help='The report, a UTF-8 text file; "-" reads standard input.')
        parser.add_argument("--format", choices=["json", "text"], default="json")
        parser.add_argument("--max-bytes", type=int, default=None,
                            help=f"Refuse larger input (default {DEFAULT_MAX_BYTES}, or settings.ARTICLES_MAX_BYTES).")
        parser.add_argument("--year", type=int, default=None,
                            help="The year of the conference when the text does not say it.")
        parser.add_argument("--known-documents", default=None,
                            help='A JSON file {"21-NQ/TW": "2022-06-16", …} of document issue dates.')
        parser.add_argument("--library", action="store_true",
                            help="Look the cited documents' issue dates up in the document library.")

    def handle(self, *args, **options):
        limit = options["max_bytes"] or getattr(settings, "ARTICLES_MAX_BYTES", DEFAULT_MAX_BYTES)
        path = options["file"]
        try:
            if path == "-":
                raw = sys.stdin.buffer.read(limit + 1)
            else:
                with open(path, "rb") as handle:
                    raw = handle.read(limit + 1)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}", returncode=2) from None
        try:
            text = validate_input(raw, max_bytes=limit)
        except ArticleInputError as error:
            raise CommandError(str(error), returncode=2) from None
        if options["year"] is not None and not 1930 <= options["year"] <= 2100:
            raise CommandError("--year must be between 1930 and 2100.", returncode=2)
        known = {}
        if options["known_documents"]:
            try:
                with open(options["known_documents"], encoding="utf-8") as handle:
                    known = json.load(handle)
                if not isinstance(known, dict):
                    raise ValueError("not an object")
            except (OSError, ValueError) as error:
                raise CommandError(f"Cannot read the known documents file: {error}", returncode=2) from None
        draft = extract_article(text, known_documents=known, year=options["year"])
        if options["library"]:
            from quantriet.articles.library import known_documents

            found = known_documents(d["number"] for d in draft.documents)
            if found:
                draft = extract_article(text, known_documents={**found, **known}, year=options["year"])
        if options["format"] == "json":
            output = json.dumps(draft.to_dict(), ensure_ascii=False, sort_keys=True, indent=2)
        else:
            output = draft_as_text(draft.to_dict())
        stream = self.stdout._out
        if hasattr(stream, "buffer"):  # UTF-8 whatever the terminal's locale says
            stream.flush()
            stream.buffer.write(output.encode("utf-8") + b"\n")
            stream.buffer.flush()
        else:
            self.stdout.write(output)
