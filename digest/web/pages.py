"""HTML pages: Jinja templates under ``templates/web/`` (overridable through
``DIGEST_TEMPLATES_DIR``), rendered with the CSP nonce and, for forms, a CSRF token."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from digest.config import Settings
from digest.render import make_environment
from digest.web.security import CSRF_FIELD, Csrf, nonce_of

__all__ = ["Pages"]


class Pages:
    def __init__(self, settings: Settings, csrf: Csrf) -> None:
        self.settings = settings
        self.csrf = csrf
        self.env = make_environment(settings.templates_dir)

    def render(self, request: Request, template: str, status: int = 200, /, **context: Any) -> HTMLResponse:
        """The page ``web/<template>.html``; a page with a form gets a fresh CSRF token and cookie."""
        nonce, token = self.csrf.token(request)
        html = self.env.get_template(f"web/{template}.html").render(
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

    def error(self, request: Request, status: int, title: str, message: str) -> HTMLResponse:
        return self.render(request, "error", status, title=title, message=message)
