"""One subscriber, for editors: who they are, what they get, what was sent to them; edit, delete.

Routes (editor role)::

    GET  /admin/subscribers/{id}           lists, topics, schedule, sign-up, delivery history,
                                           and the edit form
    POST /admin/subscribers/{id}           save only the fields that were changed
    GET  /admin/subscribers/{id}/delete    asks first; its button posts to …/{id}/remove

The list of subscribers (``GET /admin/subscribers``, filters and paging) is in
``editor_subscribers``.
"""

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from digest.pipeline import desk, readers
from digest.pipeline.accounts import Actor
from digest.web.deps import ContextDep, EditorDep
from digest.web.editor_access import EditorContext
from digest.web.security import CSRF_FIELD

__all__ = ["router"]


router = APIRouter(prefix="/admin/subscribers")


def _detail(
    request: Request, ctx: EditorContext, actor: Actor, subscriber_id: int, status: int = 200, **notes: object
) -> Response:
    try:
        found = readers.reader_detail(ctx.settings, subscriber_id)
    except readers.UnknownReader as exc:
        raise HTTPException(404, str(exc)) from None
    context = {"message": "", "error": "", "values": found.shown, **notes}
    return ctx.pages.render(
        request,
        "editor/subscriber",
        status,
        actor=actor,
        r=found,
        fields=readers.FIELDS,
        when=desk.clock(actor.time_zone),
        **context,
    )


@router.get("/{subscriber_id:int}")
def subscriber(
    request: Request, subscriber_id: int, actor: EditorDep, ctx: ContextDep, saved: str = ""
) -> Response:
    names = [f for f in saved.split(",") if f in readers.FIELDS]  # only our own field names
    message = f"Saved: {', '.join(names)}." if names else ("Nothing changed." if saved == "-" else "")
    return _detail(request, ctx, actor, subscriber_id, message=message)


@router.post("/{subscriber_id:int}")
async def update(request: Request, subscriber_id: int, actor: EditorDep, ctx: ContextDep) -> Response:
    form = await request.form()  # read whole: only the fields sent are changed
    ctx.csrf.check(request, str(form.get(CSRF_FIELD, "")) or None)
    shown = {f: str(form.get(f"shown_{f}", "")) for f in readers.FIELDS}
    submitted = {f: str(form.get(f, "")) for f in readers.FIELDS if f in form}
    try:
        changed = readers.update_reader(ctx.settings, subscriber_id, shown, submitted, actor.label)
    except readers.InvalidEdit as exc:
        error = f"Nothing was saved. {exc.field.capitalize()}: {exc.problem}."
        values = {**shown, **submitted}
        return _detail(request, ctx, actor, subscriber_id, 400, error=error, values=values)
    except readers.UnknownReader as exc:
        raise HTTPException(404, str(exc)) from None
    saved = ",".join(changed) or "-"
    return RedirectResponse(f"/admin/subscribers/{subscriber_id}?saved={saved}", status_code=303)


@router.get("/{subscriber_id:int}/delete")
def ask_delete(request: Request, subscriber_id: int, actor: EditorDep, ctx: ContextDep) -> Response:
    try:
        found = readers.reader_detail(ctx.settings, subscriber_id)
    except readers.UnknownReader as exc:
        raise HTTPException(404, str(exc)) from None
    return ctx.pages.render(request, "editor/subscriber_delete", actor=actor, r=found)
