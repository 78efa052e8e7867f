"""``GET /r/<token>``: the signed click redirect (``digest.tracking``).

A token we did not sign is a 404: the redirect leads only where an edition linked. HEAD is
answered like GET (and counted as a machine's click). The article does not learn the token:
``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from digest.i18n import N_
from digest.pipeline import clicks
from digest.web.deps import ReaderSettingsDep

__all__ = ["router"]

MAX_TOKEN = 4096
# What the reader reads, in their browser's language (the error pages translate it).
NOT_OURS = N_("This link is not valid. Please use the link exactly as it came in the email.")


router = APIRouter()


@router.api_route("/r/{token}", methods=["GET", "HEAD"])
async def follow(settings: ReaderSettingsDep, request: Request, token: str) -> Response:
    if len(token) > MAX_TOKEN:
        raise HTTPException(404, NOT_OURS)
    destination = await run_in_threadpool(
        lambda: clicks.follow(
            settings,
            token,
            method=request.method,
            user_agent=request.headers.get("user-agent", ""),
            headers=dict(request.headers),
        )
    )
    if destination is None:
        raise HTTPException(404, NOT_OURS)
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return RedirectResponse(destination, status_code=302, headers=headers)
