"""HTML pages: Jinja templates under ``templates/web/`` (overridable through
``DIGEST_TEMPLATES_DIR``), rendered with the CSP nonce and, for forms, a CSRF token.

A page speaks the language it is given (the list's, for pages reached from a list's links);
without one, the language the browser asks for among those digest ships, else English."""

from __future__ import annotations

from typing import Any

import jinja2
from babel import Locale
from fastapi import Request
from fastapi.responses import HTMLResponse

from digest.config import Settings
from digest.i18n import DEFAULT_LANGUAGE, LANGUAGES, supported, translate
from digest.render import make_environment
from digest.web.security import CSRF_FIELD, Csrf, nonce_of

__all__ = ["Pages", "browser_language"]


def browser_language(request: Request) -> str:
    """The best of ``LANGUAGES`` for the request's ``Accept-Language``; English without a match."""
    header = request.headers.get("accept-language", "")
    wanted = [part.split(";")[0].strip().replace("-", "_") for part in header.split(",") if part.strip()]
    try:
        found = Locale.negotiate(wanted, list(LANGUAGES), sep="_")
    except (ValueError, TypeError):  # a malformed header is just no preference
        found = None
    return found.language if found else DEFAULT_LANGUAGE


class Pages:
    def __init__(self, settings: Settings, csrf: Csrf) -> None:
        self.settings = settings
        self.csrf = csrf
        self.env = make_environment(settings.templates_dir)
        self._envs = {DEFAULT_LANGUAGE: self.env}

    def env_for(self, language: str) -> jinja2.Environment:
        language = supported(language)
        if language not in self._envs:
            self._envs[language] = make_environment(self.settings.templates_dir, language)
        return self._envs[language]

    def language(self, request: Request, language: str | None = None) -> str:
        """``language`` when given (a list's), else the browser's."""
        return supported(language) if language else browser_language(request)

    def render(self, request: Request, template: str, status: int = 200, /, **context: Any) -> HTMLResponse:
        """The page ``web/<template>.html``; a page with a form gets a fresh CSRF token and cookie.
        ``language`` (a list's) picks the page's language; without it, the browser's."""
        language: str | None = context.pop("language", None)
        nonce, token = self.csrf.token(request)
        env = self.env_for(self.language(request, language))
        html = env.get_template(f"web/{template}.html").render(
            newsroom=self.settings.newsroom_name,
            postal_address=self.settings.postal_address,
            csp_nonce=nonce_of(request),
            csrf_field=CSRF_FIELD,
            csrf_token=token,
            current_path=request.url.path,
            **context,
        )
        response = HTMLResponse(html, status_code=status)
        if "<form" in html:
            self.csrf.set_cookie(response, nonce)
        return response

    def error(
        self, request: Request, status: int, title: str, message: str, language: str | None = None
    ) -> HTMLResponse:
        """An error page; ``title`` and ``message`` are English msgids, translated here."""
        lang = self.language(request, language)
        title, message = translate(lang, title), translate(lang, message)
        return self.render(request, "error", status, language=lang, title=title, message=message)
