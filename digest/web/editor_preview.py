"""Preview of each list's next edition, with the scores and the editor's controls.

Routes::

    GET  /admin/preview                   the first list's preview                     viewer
    GET  /admin/preview/{list}            email at desktop and phone widths, Telegram
                                          messages, the scores table                    viewer
    GET  /admin/preview/{list}/email      the email itself (framed by the page)         viewer
    POST /admin/preview/{list}/action     pin, boost, bury, exclude or clear an item    editor

The preview composes and renders as planning would for a reader without topic choices,
after the list's latest edition, with the editor actions in force; it writes nothing.
"""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from digest.config import Settings
from digest.editorial import DEFAULT_FACTOR, Action, EditorAction, StoryAction, describe, story_action
from digest.pipeline.planning import UnknownList
from digest.pipeline.preview import Preview, preview_edition
from digest.store import editorial
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from digest.web.auth import Actor, Role
from digest.web.editor_access import EditorContext, RequireEditor
from digest.web.editor_breaking import framed_email
from digest.web.security import CSRF_FIELD

__all__ = ["next_edition", "router"]

CONTROLS = ("pin", "boost", "bury", "exclude", "clear")


def next_edition(settings: Settings, list_name: str) -> Preview:
    """What the list's next edition would hold now (nothing is stored): the same preview as
    ``digest preview``, for a reader without topic choices who had the latest edition."""
    try:
        return preview_edition(list_name, settings)
    except UnknownList:
        raise HTTPException(404, f"There is no list {list_name!r}.") from None


def router(ctx: EditorContext) -> APIRouter:
    api = APIRouter(prefix="/admin/preview")
    viewer = Annotated[Actor, Depends(RequireEditor(ctx, Role.VIEWER))]
    editor = Annotated[Actor, Depends(RequireEditor(ctx, Role.EDITOR))]
    settings, pages = ctx.settings, ctx.pages

    @api.get("")
    def first(actor: viewer) -> Response:
        with transaction(settings.database_url) as conn:
            names = subscriber_store.digest_lists(conn)
        if not names:
            raise HTTPException(404, "There is no list to preview yet.")
        return RedirectResponse(f"/admin/preview/{names[0]}", status_code=303)

    @api.get("/{list_name}")
    def preview(request: Request, list_name: str, actor: viewer) -> Response:
        shown = next_edition(settings, list_name)
        with transaction(settings.database_url) as conn:
            lists = subscriber_store.all_lists(conn)
        telegram = [Markup(m) for m in shown.rendered.telegram] if shown.composition.content.stories else []
        rows = [
            (story, reason, _mark(story_action(story.items, shown.actions)))
            for story, reason in [(s, "") for s in shown.composition.content.stories]
            + shown.composition.left_out
        ]
        return pages.render(
            request, "editor/preview", actor=actor, list_name=list_name, lists=lists, shown=shown,
            telegram=telegram, rows=rows, controls=CONTROLS, may_act=actor.may(Role.EDITOR),
        )  # fmt: skip

    @api.get("/{list_name}/email")
    def email(list_name: str, actor: viewer) -> Response:
        shown = next_edition(settings, list_name)
        if not shown.composition.content.stories:
            raise HTTPException(404, "Nothing new for this list: there is no next edition yet.")
        return framed_email(settings, shown.rendered.html)

    @api.post("/{list_name}/action")
    def act(
        request: Request,
        list_name: str,
        actor: editor,
        item_key: Annotated[str, Form()] = "",
        action: Annotated[str, Form()] = "",
        csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    ) -> Response:
        ctx.csrf.check(request, csrf_token)
        if action not in CONTROLS or not item_key:
            raise HTTPException(400, "Choose an item and one of pin, boost, bury, exclude or clear.")
        now = datetime.now(UTC)
        with transaction(settings.database_url) as conn:
            try:
                if action == "clear":
                    editorial.clear_actions(conn, item_key, list_name, actor=actor.label, now=now)
                else:
                    factor = DEFAULT_FACTOR if action in ("boost", "bury") else 1.0
                    chosen = EditorAction(item_key, Action(action), factor, list_name, now, None, actor.label)
                    editorial.save_action(conn, chosen, now)
            except LookupError as exc:
                raise HTTPException(404, str(exc)) from None
        return RedirectResponse(f"/admin/preview/{list_name}", status_code=303)

    return api


def _mark(action: StoryAction) -> str:
    return describe(excluded=action.excluded, pinned=action.pinned, factor=action.factor)
