"""``/keep/{token}``: the sunsetting email's keep link (``digest.pipeline.sunset``).

GET shows one button and changes nothing (mail scanners prefetch links); POST keeps the
subscription. A forged token is the app's usual "this link is not valid" page.
"""

from datetime import UTC, datetime

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from digest import links
from digest.pipeline import sunset
from digest.pipeline.subscriptions import InvalidLink
from digest.web.deps import ReaderDep
from digest.web.security import CSRF_FIELD

__all__ = ["router"]


router = APIRouter()


@router.get("/keep/{token}")
def ask(ctx: ReaderDep, request: Request, token: str) -> Response:
    if links.verify(ctx.settings.signing_key(), token, sunset.PURPOSE, datetime.now(UTC)) is None:
        raise InvalidLink()
    return ctx.pages.render(request, "keep", action=f"/keep/{token}", kept=False)


@router.post("/keep/{token}")
def keep(
    ctx: ReaderDep, request: Request, token: str, csrf_token: str | None = Form(None, alias=CSRF_FIELD)
) -> Response:
    ctx.csrf.check(request, csrf_token)
    sunset.keep(ctx.settings, token)
    return ctx.pages.render(request, "keep", action="", kept=True)
