"""One list's settings (admin role): title, kind, and the order and size of its sections.

Routes::

    GET  /admin/lists/{name}     the list's settings and members
    POST /admin/lists/{name}     change only what was changed

The list of lists and creating one are in ``editor_admin``.
"""


from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from digest.pipeline import feeds_desk
from digest.pipeline.accounts import Actor
from digest.web.deps import AdminDep, ContextDep
from digest.web.editor_access import EditorContext
from digest.web.security import CSRF_FIELD

__all__ = ["router"]

FIELDS = ("title", "kind", "sections")


router = APIRouter(prefix="/admin/lists")


def _page(
    request: Request, ctx: EditorContext, actor: Actor, name: str, status: int = 200, **notes: str
) -> Response:
    try:
        found = feeds_desk.list_settings(ctx.settings, name)
    except feeds_desk.InvalidFeed as exc:
        raise HTTPException(404, f"{exc.problem[0].upper()}{exc.problem[1:]}.") from None
    return ctx.pages.render(
        request, "editor/list", status, actor=actor, l=found, **{"message": "", "error": "", **notes}
    )


@router.get("/{name}")
def list_page(request: Request, name: str, actor: AdminDep, ctx: ContextDep, saved: str = "") -> Response:
    names = [f for f in saved.split(",") if f in FIELDS]
    message = f"Saved: {', '.join(names)}." if names else ("Nothing changed." if saved == "-" else "")
    return _page(request, ctx, actor, name, message=message)


@router.post("/{name}")
async def edit(request: Request, name: str, actor: AdminDep, ctx: ContextDep) -> Response:
    form = await request.form()  # read whole: only the fields sent are changed
    ctx.csrf.check(request, str(form.get(CSRF_FIELD, "")) or None)
    changes = {f: str(form[f]) for f in FIELDS if f in form}
    try:
        changed = feeds_desk.edit_list(ctx.settings, name, changes, actor.label)
    except feeds_desk.InvalidFeed as exc:
        if exc.field == "list":
            raise HTTPException(404, f"{exc.problem[0].upper()}{exc.problem[1:]}.") from None
        error = f"Nothing was saved. {exc.field.capitalize()}: {exc.problem}."
        return _page(request, ctx, actor, name, 400, error=error)
    return RedirectResponse(f"/admin/lists/{name}?saved={','.join(changed) or '-'}", status_code=303)
