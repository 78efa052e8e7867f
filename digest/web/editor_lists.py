"""One list's settings (admin role): title, description, kind, and the order and size of its
sections.

Routes::

    GET  /admin/lists/{name}           the list's settings, Telegram channels and members
    POST /admin/lists/{name}           change only what was changed
    POST /admin/lists/{name}/channel   attach a Telegram channel, once Telegram says the bot
                                       may post there (the answer in words otherwise)
    GET  /admin/lists/{name}/detach    asks first: detach the channel ?chat= from the list?
    POST /admin/lists/{name}/detach    with confirm=yes, detaches it (audited)

The list of lists and creating one are in ``editor_admin``.
"""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from digest.pipeline import feeds_desk, list_channels
from digest.pipeline.accounts import Actor
from digest.sentence import as_sentence
from digest.web.deps import AdminDep, ContextDep, CsrfDep
from digest.web.editor_access import EditorContext
from digest.web.security import CSRF_FIELD

__all__ = ["router"]

FIELDS = ("title", "description", "kind", "sections")


router = APIRouter(prefix="/admin/lists")


def _not_found(exc: feeds_desk.InvalidFeed) -> HTTPException:
    return HTTPException(404, as_sentence(exc.problem))


def _page(
    request: Request, ctx: EditorContext, actor: Actor, name: str, status: int = 200, **notes: str
) -> Response:
    try:
        found = feeds_desk.list_settings(ctx.settings, name)
    except feeds_desk.InvalidFeed as exc:
        raise _not_found(exc) from None
    channels = list_channels.attached_channels(ctx.settings, name)
    context = {"message": "", "error": "", "channel_error": "", "channel_typed": "", **notes}
    return ctx.pages.render(
        request, "editor/list", status, actor=actor, l=found, channels=channels, **context
    )


@router.get("/{name}")
def list_page(
    request: Request,
    name: str,
    actor: AdminDep,
    ctx: ContextDep,
    saved: str = "",
    attached: str = "",
    detached: str = "",
) -> Response:
    names = [f for f in saved.split(",") if f in FIELDS]
    message = f"Saved: {', '.join(names)}." if names else ("Nothing changed." if saved == "-" else "")
    # Shown as text, never markup; only chats the list has (or no longer has) are named.
    known = {c.chat_id for c in list_channels.attached_channels(ctx.settings, name)}
    if attached in known:
        message = f"Attached {attached}: the bot may post there."
    elif detached and detached not in known and _is_chat(detached):
        message = f"Detached {detached}: it gets no more editions of this list."
    return _page(request, ctx, actor, name, message=message)


@router.get("/{name}/detach")
def detach_page(request: Request, name: str, actor: AdminDep, ctx: ContextDep, chat: str = "") -> Response:
    return _ask_to_detach(request, ctx, actor, name, chat)


@router.post("/{name}/detach")
def detach(
    request: Request,
    name: str,
    actor: AdminDep,
    _: CsrfDep,
    ctx: ContextDep,
    chat: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    if confirm != "yes":
        return _ask_to_detach(request, ctx, actor, name, chat)
    try:
        list_channels.detach_channel(ctx.settings, name, chat, actor.label)
    except feeds_desk.InvalidFeed as exc:
        raise _not_found(exc) from None
    return RedirectResponse(f"/admin/lists/{name}?detached={quote(chat)}", status_code=303)


def _ask_to_detach(request: Request, ctx: EditorContext, actor: Actor, name: str, chat: str) -> Response:
    try:
        found = feeds_desk.list_settings(ctx.settings, name)
    except feeds_desk.InvalidFeed as exc:
        raise _not_found(exc) from None
    if chat not in {c.chat_id for c in list_channels.attached_channels(ctx.settings, name)}:
        raise HTTPException(404, f"{chat or 'That channel'!r} is not attached to {name!r}.")
    return ctx.pages.render(request, "editor/list_detach", actor=actor, l=found, chat=chat)


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
            raise _not_found(exc) from None
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
            raise _not_found(exc) from None
        error = f"Nothing was saved. {exc.field.capitalize()}: {exc.problem}."
        return _page(request, ctx, actor, name, 400, error=error)
    return RedirectResponse(f"/admin/lists/{name}?saved={','.join(changed) or '-'}", status_code=303)


def _is_chat(text: str) -> bool:
    try:
        return list_channels.chat_id_from(text) == text
    except feeds_desk.InvalidFeed:
        return False
