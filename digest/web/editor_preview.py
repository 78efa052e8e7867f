"""Preview of each list's next edition, with the scores and the editor's controls.

Routes::

    GET  /admin/preview                   the daily list's preview (or the first's)    viewer
    GET  /admin/preview/{list}            email at desktop and phone widths, Telegram
                                          messages, stories sent and left out, why     viewer
    GET  /admin/preview/{list}/email      the email itself (framed by the page)         viewer
    POST /admin/preview/{list}/test       the preview to the editor alone              editor
    POST /admin/preview/{list}/action     pin, boost, bury, exclude or clear an item,   editor
                                          for some hours or until cleared; back to the
                                          story's row with a confirmation

The preview composes and renders as planning would for a reader without topic choices,
after the list's latest edition, with the editor actions in force; it writes nothing.
"""

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from digest.config import Settings
from digest.editorial import Action, EditorAction, StoryAction, describe, story_action
from digest.models import Story
from digest.pipeline import desk, roster, selection
from digest.pipeline.accounts import Role
from digest.pipeline.planning import UnknownList
from digest.pipeline.preview import Preview, preview_edition
from digest.pipeline.selection import CONTROLS, DURATIONS
from digest.sentence import as_sentence
from digest.web.deps import ContextDep, CsrfDep, EditorDep, SettingsDep, ViewerDep
from digest.web.editor_breaking import framed_email

__all__ = ["next_edition", "router"]

DEFAULT_LIST = "daily"


def next_edition(settings: Settings, list_name: str) -> Preview:
    """What the list's next edition would hold now (nothing is stored): the same preview as
    ``digest preview``, for a reader without topic choices who had the latest edition."""
    try:
        return preview_edition(list_name, settings)
    except UnknownList:
        raise HTTPException(404, f"There is no list {list_name!r}.") from None


router = APIRouter(prefix="/admin/preview")


@router.get("")
def first(actor: ViewerDep, settings: SettingsDep) -> Response:
    names = roster.digest_lists(settings)
    if not names:
        raise HTTPException(404, "There is no list to preview yet.")
    # The daily list is the one editors look at first; "breaking" sends no digest.
    chosen = DEFAULT_LIST if DEFAULT_LIST in names else names[0]
    return RedirectResponse(f"/admin/preview/{chosen}", status_code=303)


@router.get("/{list_name}")
def preview(
    request: Request,
    list_name: str,
    actor: ViewerDep,
    ctx: ContextDep,
    acted: str = "",
    action: str = "",
    tested: str = "",
) -> Response:
    shown = next_edition(ctx.settings, list_name)
    lists = roster.all_lists(ctx.settings)
    title = next((t for _, name, t, _ in lists if name == list_name), list_name)
    stories = shown.composition.content.stories
    telegram = [Markup(m) for m in shown.rendered.telegram] if stories else []
    zone = actor.time_zone
    sent = [_row(story, "", shown, zone) for story in stories]
    left_out = [_row(story, reason, shown, zone) for story, reason in shown.composition.left_out]
    confirmation = _confirmation(acted, action, sent + left_out)
    return ctx.pages.render(
        request,
        "editor/preview",
        actor=actor,
        list_name=list_name,
        list_title=title,
        lists=lists,
        shown=shown,
        telegram=telegram,
        sent=sent,
        left_out=left_out,
        controls=CONTROLS,
        durations=DURATIONS,
        may_act=actor.may(Role.EDITOR),
        confirmation=confirmation,
        acted=acted,
        tested=bool(tested),
    )


@router.get("/{list_name}/email")
def email(list_name: str, actor: ViewerDep, settings: SettingsDep) -> Response:
    shown = next_edition(settings, list_name)
    if not shown.composition.content.stories:
        raise HTTPException(404, "Nothing new for this list: there is no next edition yet.")
    return framed_email(settings, shown.rendered, actor)


@router.post("/{list_name}/test")
def test_send(list_name: str, actor: EditorDep, _: CsrfDep, settings: SettingsDep) -> Response:
    assert actor.editor is not None  # pages are used through a session
    shown = next_edition(settings, list_name)
    if not shown.composition.content.stories:
        raise HTTPException(409, "Nothing new for this list: there is nothing to test yet.")
    try:
        desk.send_test(settings, actor.editor, list_name, shown.rendered)
    except desk.TestSendFailed as exc:
        raise HTTPException(502, as_sentence(exc)) from None
    return RedirectResponse(f"/admin/preview/{list_name}?tested=1", status_code=303)


@router.post("/{list_name}/action")
def act(
    list_name: str,
    actor: EditorDep,
    _: CsrfDep,
    settings: SettingsDep,
    item_key: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "",
    hours: Annotated[int, Form()] = 0,
) -> Response:
    try:
        selection.apply(settings, list_name, item_key, action, actor.label, hours)
    except selection.InvalidSelection as exc:
        raise HTTPException(400, as_sentence(exc)) from None
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    query = urlencode({"acted": item_key, "action": action})
    return RedirectResponse(f"/admin/preview/{list_name}?{query}#story-{item_key}", status_code=303)


@dataclass(frozen=True, slots=True)
class Row:
    """One story of the preview, as the page lists it."""

    story: Story
    reason: str  # why it is left out, in words; "" for a story that will be sent
    words: list[str]
    mark: str
    action: EditorAction | None


def _row(story: Story, reason: str, shown: Preview, zone: str) -> Row:
    found = next((shown.actions[i.key] for i in story.items if i.key in shown.actions), None)
    words = selection.score_words(story, found, zone)
    if reason and found is not None and found.action is Action.EXCLUDE and found.expires_at:
        reason = f"{reason} until {selection.clock(found.expires_at, zone)}"
    mark = _mark(story_action(story.items, shown.actions))
    return Row(story, selection.left_out_words(reason) if reason else "", words, mark, found)


def _confirmation(acted: str, action: str, rows: list[Row]) -> str:
    """What the last button did, read back from the preview itself (never from the URL)."""
    row = next((r for r in rows if r.story.lead.key == acted), None)
    if row is None or action not in selection.PAST_TENSE:
        return ""
    title = row.story.lead.title
    if action == "clear":
        return f"Cleared: “{title}” is ranked by its score alone."
    state = " · ".join(w for w in row.words if w.startswith(("pinned", "boosted", "buried"))) or row.reason
    return f"{selection.PAST_TENSE[action]} “{title}”: {state or 'saved'}."


def _mark(action: StoryAction) -> str:
    return describe(excluded=action.excluded, pinned=action.pinned, factor=action.factor)
