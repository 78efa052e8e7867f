"""``/keep/{token}``: the sunsetting email's keep link (``digest.pipeline.sunset``).

GET shows one button and changes nothing (mail scanners prefetch links); POST keeps the
subscription. A forged token is the app's usual "this link is not valid" page.
"""

from datetime import UTC, datetime

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from digest import links
from digest.config import Settings
from digest.pipeline import sunset
from digest.pipeline.subscriptions import InvalidLink
from digest.web.pages import Pages
from digest.web.security import CSRF_FIELD, Csrf

__all__ = ["router"]


def router(settings: Settings, pages: Pages, csrf: Csrf) -> APIRouter:
    api = APIRouter()

    @api.get("/keep/{token}")
    def ask(request: Request, token: str) -> Response:
        if links.verify(settings.signing_key(), token, sunset.PURPOSE, datetime.now(UTC)) is None:
            raise InvalidLink()
        return pages.render(request, "keep", action=f"/keep/{token}", kept=False)

    @api.post("/keep/{token}")
    def keep(request: Request, token: str, csrf_token: str | None = Form(None, alias=CSRF_FIELD)) -> Response:
        csrf.check(request, csrf_token)
        sunset.keep(settings, token)
        return pages.render(request, "keep", action="", kept=True)

    return api
