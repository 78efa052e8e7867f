"""One list's settings (admin role): title, kind, and the order and size of its sections.

Routes::

    GET  /admin/lists/{name}           the list's settings, Telegram channels and members
    POST /admin/lists/{name}           change only what was changed
    POST /admin/lists/{name}/channel   attach a Telegram channel, once Telegram says the bot
                                       may post there (the answer in words otherwise)

The list of lists and creating one are in ``editor_admin``.
"""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from digest.pipeline import feeds_desk, list_channels
from digest.pipeline.accounts import Actor
from digest.web.deps import AdminDep, ContextDep, CsrfDep
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
    channels = list_channels.attached_channels(ctx.settings, name)
    context = {"message": "", "error": "", "channel_error": "", "channel_typed": "", **notes}
    return ctx.pages.render(
        request, "editor/list", status, actor=actor, l=found, channels=channels, **context
    )


@router.get("/{name}")
def list_page(
    request: Request, name: str, actor: AdminDep, ctx: ContextDep, saved: str = "", attached: str = ""
) -> Response:
    names = [f for f in saved.split(",") if f in FIELDS]
    message = f"Saved: {', '.join(names)}." if names else ("Nothing changed." if saved == "-" else "")
    if attached:  # shown as text, never markup; only chats the list has are named
        known = {c.chat_id for c in list_channels.attached_channels(ctx.settings, name)}
        message = f"Attached {attached}: the bot may post there." if attached in known else message
    return _page(request, ctx, actor, name, message=message)


@router.post("/{name}/channel")
def attach(
    request: Request,
    name: str,
    actor: AdminDep,
    _: CsrfDep,
    ctx: ContextDep,
    channel: Annotated[str, Form()] = "",
) -> Response:
    try:
        rights = list_channels.attach_channel(ctx.settings, name, channel, actor.label)
    except feeds_desk.InvalidFeed as exc:
        if exc.field == "list":
            raise HTTPException(404, f"{exc.problem[0].upper()}{exc.problem[1:]}.") from None
        said = f"Not attached: {exc.problem}."
        return _page(request, ctx, actor, name, 400, channel_error=said, channel_typed=channel)
    except list_channels.ChannelCheckFailed as exc:
        said = f"Not attached: {exc.reason}."
        return _page(request, ctx, actor, name, 400, channel_error=said, channel_typed=channel)
    return RedirectResponse(f"/admin/lists/{name}?attached={quote(rights.chat_id)}", status_code=303)


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
