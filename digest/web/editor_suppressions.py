"""The suppression list, for editors: addresses never emailed again.

Routes (editor role)::

    GET  /admin/suppressions?q=…           addresses never emailed again
    POST /admin/suppressions               add one
    POST /admin/suppressions/remove        remove one
"""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from digest import csvio
from digest.pipeline import suppressions as suppressing
from digest.pipeline.accounts import Actor
from digest.web.deps import ContextDep, CsrfDep, EditorDep
from digest.web.editor_access import EditorContext

__all__ = ["router"]

router = APIRouter(prefix="/admin/suppressions")


def _listing(
    request: Request, ctx: EditorContext, actor: Actor, q: str = "", status: int = 200, error: str = ""
) -> Response:
    found = suppressing.suppression_list(ctx.settings, q)
    return ctx.pages.render(request, "editor/suppressions", status, actor=actor, q=q, rows=found, error=error)


@router.get("")
def suppressions(request: Request, actor: EditorDep, ctx: ContextDep, q: str = "") -> Response:
    return _listing(request, ctx, actor, q)


@router.post("")
def add(
    request: Request,
    actor: EditorDep,
    _: CsrfDep,
    ctx: ContextDep,
    email: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "editor",
) -> Response:
    address = email.strip().lower()
    if not csvio.EMAIL.match(address):
        return _listing(request, ctx, actor, status=400, error=f"{email!r} is not an email address.")
    suppressing.suppress(ctx.settings, address, reason, actor.label)
    return RedirectResponse("/admin/suppressions", status_code=303)


@router.post("/remove")
def remove(actor: EditorDep, _: CsrfDep, ctx: ContextDep, email: Annotated[str, Form()] = "") -> Response:
    suppressing.unsuppress(ctx.settings, email, actor.label)
    return RedirectResponse("/admin/suppressions", status_code=303)
