"""The check-in fast lane: `POST /api/v1/checkin/` and `/api/v1/checkin/batch/` from site devices
with a token, answered without the Django middleware stack and DRF.

Why: at a national conference every site secretary scans at once (1.93 million participants
in 30 minutes on 7/2/2026). Through the full stack a single check-in cost ~7 ms of CPU, most
of it in the fifteen middlewares, DRF's request wrapping and content negotiation, and a second
lookup of the same token; the database work is one statement. This WSGI wrapper runs the very
same code the API views run (`api.record_single` / `api.record_batch`, hence the same
validation, permission check, action and answers) with only what those requests need around it:

- the token resolved once with one indexed query (active users only);
- administrators are not served (a token cannot carry their second factor): the full stack
  answers them with its 403;
- the language of the answers as `SiteLocaleMiddleware` picks it (the language cookie, else
  Vietnamese), the security headers of `SecurityMiddleware` and `XFrameOptionsMiddleware`;
- the connection lifecycle signals of a Django request (`request_started`/`request_finished`).

Anything else is passed to the full application untouched (the body is handed on as read):
other paths and methods, session cookies, other authentication, hosts not allowed, plain HTTP
when HTTPS is required, malformed JSON, bad input, unknown or inactive tokens, sites out of
reach (so the full stack logs the refusal and answers its 404). Nothing has been written when
a request is passed on. An unexpected error inside the action is answered here with a 500 (the
action may have written: it is not run twice). `QUANTRIET_CHECKIN_FAST_LANE=0` turns it off.
"""
from __future__ import annotations

import io
import json
import logging

from django.conf import settings
from django.core import signals
from django.db import connection
from django.http import Http404
from django.utils import translation
from rest_framework import serializers

from quantriet.core.db import prepared_cursor

logger = logging.getLogger(__name__)

JSON_TYPES = ("application/json",)
MAX_BODY = 8 * 1024 * 1024


class PassOn(Exception):
    """Let the full application answer this request."""


def _user_for_token(key: str):
    """The active user of a DRF token, as a partial instance (id, flags), or None."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    User = get_user_model()
    qn = connection.ops.quote_name
    text = "::varchar" if connection.vendor == "postgresql" else ""  # typed: prepared on PostgreSQL
    sql = (f"SELECT u.id, u.is_active, u.is_superuser FROM {qn(Token._meta.db_table)} t "
           f"JOIN {qn(User._meta.db_table)} u ON u.id = t.user_id WHERE t.key = %s{text}")
    with prepared_cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None or not row[1]:
        return None
    values = {"id": row[0], "is_active": row[1], "is_superuser": row[2]}
    # from_db takes the values in the order of the model's concrete fields.
    names = [f.attname for f in User._meta.concrete_fields if f.attname in values]
    return User.from_db(connection.alias, names, [values[name] for name in names])


def _language(environ) -> str:
    """As `SiteLocaleMiddleware`: the language cookie when it names a language we have, else the default."""
    from http.cookies import SimpleCookie

    raw = environ.get("HTTP_COOKIE", "")
    if raw:
        try:
            morsel = SimpleCookie(raw).get(settings.LANGUAGE_COOKIE_NAME)
        except Exception:  # a malformed cookie header: the default language
            morsel = None
        if morsel is not None:
            try:
                return translation.get_supported_language_variant(morsel.value)
            except LookupError:
                pass
    return settings.LANGUAGE_CODE


def _security_headers(secure: bool) -> list[tuple[str, str]]:
    headers = [("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", settings.X_FRAME_OPTIONS),
               ("Vary", "Accept, Cookie, Accept-Language")]
    if settings.SECURE_REFERRER_POLICY:
        headers.append(("Referrer-Policy", settings.SECURE_REFERRER_POLICY))
    coop = getattr(settings, "SECURE_CROSS_ORIGIN_OPENER_POLICY", "same-origin")
    if coop:
        headers.append(("Cross-Origin-Opener-Policy", coop))
    if secure and settings.SECURE_HSTS_SECONDS:
        value = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            value += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            value += "; preload"
        headers.append(("Strict-Transport-Security", value))
    return headers


def _is_secure(environ) -> bool:
    header = settings.SECURE_PROXY_SSL_HEADER
    if header:
        name, value = header
        forwarded = environ.get(name)
        if forwarded is not None:
            return forwarded.split(",", 1)[0].strip() == value
    return environ.get("wsgi.url_scheme") == "https"


def _host_allowed(environ) -> bool:
    from django.http.request import split_domain_port, validate_host

    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    domain, _port = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return bool(domain) and validate_host(domain, allowed)


class CheckinFastLane:
    """WSGI middleware in front of the Django application (see the module docstring)."""

    def __init__(self, application):
        from . import api

        self.application = application
        self.routes = {"/api/v1/checkin/": api.record_single, "/api/v1/checkin/batch/": api.record_batch}

    def __call__(self, environ, start_response):
        work = self.routes.get(environ.get("PATH_INFO", "")) if environ.get("REQUEST_METHOD") == "POST" else None
        if work is None or not getattr(settings, "QUANTRIET_CHECKIN_FAST_LANE", True):
            return self.application(environ, start_response)
        body = None
        try:
            body = self._read_body(environ)
            status, payload, headers = self._answer(environ, body, work)
        except PassOn:
            if body is not None:
                environ["wsgi.input"] = io.BytesIO(body)
                environ["CONTENT_LENGTH"] = str(len(body))
            return self.application(environ, start_response)
        start_response(status, headers)
        return [payload]

    @staticmethod
    def _read_body(environ) -> bytes:
        content_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if content_type not in JSON_TYPES or not auth.startswith("Token "):
            raise PassOn
        if settings.SESSION_COOKIE_NAME in environ.get("HTTP_COOKIE", ""):
            raise PassOn  # a browser with a session: the full stack decides who is asking
        secure = _is_secure(environ)
        if (settings.SECURE_SSL_REDIRECT and not secure) or not _host_allowed(environ):
            raise PassOn
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise PassOn from None
        if length <= 0 or length > MAX_BODY:
            raise PassOn
        body = environ["wsgi.input"].read(length)
        if len(body) != length:
            raise PassOn
        return body

    def _answer(self, environ, body: bytes, work):
        from http import HTTPStatus

        from quantriet.accounts import access

        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            try:
                data = json.loads(body)
                key = environ["HTTP_AUTHORIZATION"][6:].strip()
                user = _user_for_token(key) if key and len(key) <= 40 else None
                if user is None or access.is_admin(user):
                    raise PassOn
            except PassOn:
                raise
            except Exception:  # malformed JSON, a database hiccup: nothing written, the full stack answers
                raise PassOn from None

            def denied(site):
                raise PassOn

            with translation.override(_language(environ)):
                try:
                    code, answer = work(user, data, denied)
                except (serializers.ValidationError, Http404):
                    raise PassOn from None  # raised before anything is written
                except PassOn:
                    raise
                except Exception:
                    # The action may have written (a single check-in commits on its own): answer,
                    # do not run it again through the full stack.
                    logger.exception("check-in failed")
                    code, answer = 500, {"detail": "Server error."}
            payload = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode()
        finally:
            signals.request_finished.send(sender=self.__class__)
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
                   ("Allow", "POST, OPTIONS"), *_security_headers(_is_secure(environ))]
        return f"{code} {HTTPStatus(code).phrase}", payload, headers
