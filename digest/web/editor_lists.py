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

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from digest.pipeline import feeds_desk, list_channels
from digest.web.auth import Actor, Role
from digest.web.editor_access import EditorContext, RequireEditor
from digest.web.security import CSRF_FIELD

__all__ = ["router"]

FIELDS = ("title", "description", "kind", "sections")


def router(ctx: EditorContext) -> APIRouter:
    api = APIRouter(prefix="/admin/lists")
    admin = Annotated[Actor, Depends(RequireEditor(ctx, Role.ADMIN))]
    settings, pages = ctx.settings, ctx.pages

    def page(request: Request, actor: Actor, name: str, status: int = 200, **notes: str) -> Response:
        try:
            found = feeds_desk.list_settings(settings, name)
        except feeds_desk.InvalidFeed as exc:
            raise HTTPException(404, f"{exc.problem[0].upper()}{exc.problem[1:]}.") from None
        channels = list_channels.attached_channels(settings, name)
        context = {"message": "", "error": "", "channel_error": "", "channel_typed": "", **notes}
        return pages.render(
            request, "editor/list", status, actor=actor, l=found, channels=channels, **context
        )

    @api.get("/{name}")
    def list_page(
        request: Request, name: str, actor: admin, saved: str = "", attached: str = "", detached: str = ""
    ) -> Response:
        names = [f for f in saved.split(",") if f in FIELDS]
        message = f"Saved: {', '.join(names)}." if names else ("Nothing changed." if saved == "-" else "")
        # Shown as text, never markup; only chats the list has (or no longer has) are named.
        known = {c.chat_id for c in list_channels.attached_channels(settings, name)}
        if attached in known:
            message = f"Attached {attached}: the bot may post there."
        elif detached and detached not in known and _is_chat(detached):
            message = f"Detached {detached}: it gets no more editions of this list."
        return page(request, actor, name, message=message)

    @api.get("/{name}/detach")
    def detach_page(request: Request, name: str, actor: admin, chat: str = "") -> Response:
        return _ask_to_detach(request, actor, name, chat)

    @api.post("/{name}/detach")
    def detach(
        request: Request,
        name: str,
        actor: admin,
        chat: Annotated[str, Form()] = "",
        confirm: Annotated[str, Form()] = "",
        csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    ) -> Response:
        ctx.csrf.check(request, csrf_token)
        if confirm != "yes":
            return _ask_to_detach(request, actor, name, chat)
        try:
            list_channels.detach_channel(settings, name, chat, actor.label)
        except feeds_desk.InvalidFeed as exc:
            raise HTTPException(404, f"{exc.problem[0].upper()}{exc.problem[1:]}.") from None
        return RedirectResponse(f"/admin/lists/{name}?detached={quote(chat)}", status_code=303)

    def _ask_to_detach(request: Request, actor: Actor, name: str, chat: str) -> Response:
        try:
            found = feeds_desk.list_settings(settings, name)
        except feeds_desk.InvalidFeed as exc:
            raise HTTPException(404, f"{exc.problem[0].upper()}{exc.problem[1:]}.") from None
        if chat not in {c.chat_id for c in list_channels.attached_channels(settings, name)}:
            raise HTTPException(404, f"{chat or 'That channel'!r} is not attached to {name!r}.")
        return pages.render(request, "editor/list_detach", actor=actor, l=found, chat=chat)

    @api.post("/{name}/channel")
    def attach(
        request: Request,
        name: str,
        actor: admin,
        channel: Annotated[str, Form()] = "",
        csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    ) -> Response:
        ctx.csrf.check(request, csrf_token)
        try:
            rights = list_channels.attach_channel(settings, name, channel, actor.label)
        except feeds_desk.InvalidFeed as exc:
            if exc.field == "list":
                raise HTTPException(404, f"{exc.problem[0].upper()}{exc.problem[1:]}.") from None
            said = f"Not attached: {exc.problem}."
            return page(request, actor, name, 400, channel_error=said, channel_typed=channel)
        except list_channels.ChannelCheckFailed as exc:
            said = f"Not attached: {exc.reason}."
            return page(request, actor, name, 400, channel_error=said, channel_typed=channel)
        return RedirectResponse(f"/admin/lists/{name}?attached={quote(rights.chat_id)}", status_code=303)

    @api.post("/{name}")
    async def edit(request: Request, name: str, actor: admin) -> Response:
        form = await request.form()
        ctx.csrf.check(request, str(form.get(CSRF_FIELD, "")) or None)
        changes = {f: str(form[f]) for f in FIELDS if f in form}
        try:
            changed = feeds_desk.edit_list(settings, name, changes, actor.label)
        except feeds_desk.InvalidFeed as exc:
            if exc.field == "list":
                raise HTTPException(404, f"{exc.problem[0].upper()}{exc.problem[1:]}.") from None
            return page(
                request,
                actor,
                name,
                400,
                error=f"Nothing was saved. {exc.field.capitalize()}: {exc.problem}.",
            )
        return RedirectResponse(f"/admin/lists/{name}?saved={','.join(changed) or '-'}", status_code=303)

    return api


def _is_chat(text: str) -> bool:
    try:
        return list_channels.chat_id_from(text) == text
    except feeds_desk.InvalidFeed:
        return False
