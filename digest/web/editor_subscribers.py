"""Subscribers and the suppression list, for editors.

Routes (editor role)::

    GET  /admin/subscribers?q=…            how many; search, filters (list, status, channel,
                                           sign-up dates), pages of 50
    POST /admin/subscribers                add or update one (validated like a CSV row; an
                                           empty field leaves the reader's value as it is)
    POST /admin/subscribers/import         a CSV file: every row, or none (bad lines listed)
    GET  /admin/subscribers/export.csv     everyone, in the import format (spreadsheet-safe)
    POST /admin/subscribers/{id}/remove    asks first; with confirm=yes deletes one

Lists are not created here: a list this names that does not exist is an error (admins create
lists on /admin/lists), see ``digest.pipeline.roster``. The suppression list's pages are
``digest.web.editor_suppressions``.
"""

import csv
import io
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from digest import csvio
from digest.config import Settings
from digest.errors import ImportError_
from digest.models import Subscriber, SubscriberChange
from digest.pipeline import accounts as auth
from digest.pipeline import desk, readers, roster
from digest.pipeline.accounts import Actor
from digest.textcheck import InvalidText, check_text
from digest.web.deps import ContextDep, CsrfDep, EditorDep, SettingsDep
from digest.web.editor_access import EditorContext

__all__ = ["MAX_IMPORT_BYTES", "one_change", "one_subscriber", "router", "save_subscribers"]

MAX_IMPORT_BYTES = 20 * 1024 * 1024
FILTERS = ("list", "status", "channel", "since", "until")  # in readers.filter_from's order


def one_subscriber(fields: dict[str, str]) -> Subscriber:
    """One subscriber from form or JSON fields, checked exactly as a CSV row would be."""
    return one_change(fields).subscriber


def one_change(fields: dict[str, str]) -> SubscriberChange:
    """The change form or JSON fields ask for (an empty field is not given), checked exactly
    as a CSV row would be; a control character is refused naming its field."""
    problems = []
    for column in csvio.COLUMNS:
        try:
            check_text(column, fields.get(column, ""))
        except InvalidText as exc:
            problems.append(ImportError_("form", 1, str(exc)))
    if problems:
        raise csvio.ImportProblems(problems)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csvio.COLUMNS)
    writer.writerow([fields.get(column, "") for column in csvio.COLUMNS])
    return csvio.read_changes(out.getvalue().encode(), "form")[0]


def save_subscribers(
    settings: Settings, changes: list[SubscriberChange], actor: Actor, source: str, signed_up: str
) -> roster.SaveReport:
    """Save all of them in one transaction, writing only the fields each gives. Audited as
    coming from ``source``; new readers signed up through ``signed_up`` ("API", "desk", "CSV
    import"), which the caller knows (a file's name may be anything).

    Raises ``roster.UnknownLists`` (nothing saved) when one names a list that does not exist.
    """
    return roster.save_subscribers(
        settings, changes, create_lists=False, signed_up=signed_up, actor=actor.label, source=source
    )


router = APIRouter(prefix="/admin")


def _listing(
    request: Request,
    ctx: EditorContext,
    actor: Actor,
    q: str = "",
    status: int = 200,
    *,
    filters: dict[str, str] | None = None,
    page: int = 1,
    problems: list[str] | None = None,
    message: str = "",
) -> Response:
    chosen = {"q": q, **dict.fromkeys(FILTERS, ""), **(filters or {})}
    problems = list(problems or [])
    try:
        wanted = readers.filter_from(chosen["q"], *(chosen[k] for k in FILTERS))
    except readers.InvalidEdit as exc:
        problems.append(f"Filter {exc.field}: {exc.problem}.")
        status, wanted = 400, readers.filter_from(chosen["q"])
    found = readers.find_readers(ctx.settings, wanted, page)
    lists = roster.all_lists(ctx.settings)
    query = {k: v for k, v in chosen.items() if v}
    return ctx.pages.render(
        request,
        "editor/subscribers",
        status,
        actor=actor,
        q=chosen["q"],
        f=chosen,
        found=found,
        lists=lists,
        query=query,
        when=desk.clock(actor.time_zone),
        message=message,
        problems=problems,
    )


@router.get("/subscribers")
def subscribers(
    request: Request,
    actor: EditorDep,
    ctx: ContextDep,
    q: str = "",
    list: str = "",
    status: str = "",
    channel: str = "",
    since: str = "",
    until: str = "",
    page: int = 1,
) -> Response:
    filters = {"list": list, "status": status, "channel": channel, "since": since, "until": until}
    return _listing(request, ctx, actor, q, filters=filters, page=page)


@router.post("/subscribers")
def add(
    request: Request,
    actor: EditorDep,
    _: CsrfDep,
    ctx: ContextDep,
    email: Annotated[str, Form()] = "",
    telegram_chat_id: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "",
    lists: Annotated[str, Form()] = "",
    topics: Annotated[str, Form()] = "",
) -> Response:
    # Only what the editor filled in: an empty field leaves the reader's value as it is.
    fields = {
        "email": email,
        "telegram_chat_id": telegram_chat_id,
        "name": name,
        "timezone": timezone,
        "lists": lists,
        "topics": topics,
    }
    try:
        change = one_change(fields)
        save_subscribers(ctx.settings, [change], actor, "form", "desk")
    except csvio.ImportProblems as exc:
        return _listing(request, ctx, actor, status=400, problems=[p.problem for p in exc.problems])
    except roster.UnknownLists as exc:
        return _listing(request, ctx, actor, status=400, problems=[str(exc)])
    sub = change.subscriber
    return _listing(request, ctx, actor, sub.email or sub.telegram_chat_id or "", message="Saved.")


@router.post("/subscribers/import")
async def import_csv(
    request: Request, actor: EditorDep, _: CsrfDep, ctx: ContextDep, file: Annotated[UploadFile, File()]
) -> Response:
    data = await file.read(MAX_IMPORT_BYTES + 1)
    name = file.filename or "upload.csv"
    if len(data) > MAX_IMPORT_BYTES:
        return await run_in_threadpool(
            _listing, request, ctx, actor, "", 413, problems=["The file is too large."]
        )
    try:
        changes = csvio.read_changes(data, name)
        report = await run_in_threadpool(save_subscribers, ctx.settings, changes, actor, name, "CSV import")
    except csvio.ImportProblems as exc:
        problems = [str(p) for p in exc.problems]
        return await run_in_threadpool(_listing, request, ctx, actor, "", 400, problems=problems)
    except roster.UnknownLists as exc:
        return await run_in_threadpool(_listing, request, ctx, actor, "", 400, problems=[f"{name}: {exc}"])
    message = f"{name}: {report.summary().replace(' subscribers (', ' subscribers imported (', 1)}."
    return await run_in_threadpool(_listing, request, ctx, actor, "", 200, message=message)


@router.get("/subscribers/export.csv")
def export(actor: EditorDep, settings: SettingsDep) -> Response:
    text = roster.export_csv(settings)
    auth.audit(settings, actor, "subscribers.export")
    headers = {"Content-Disposition": 'attachment; filename="subscribers.csv"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


@router.post("/subscribers/{subscriber_id}/remove")
def remove(
    request: Request,
    subscriber_id: int,
    actor: EditorDep,
    _: CsrfDep,
    ctx: ContextDep,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    if confirm != "yes":  # one click only asks: deleting cannot be undone
        found = roster.subscriber(ctx.settings, subscriber_id)
        if found is None:
            return _listing(request, ctx, actor, status=404, problems=[f"No subscriber {subscriber_id}."])
        return ctx.pages.render(request, "editor/subscriber_remove", actor=actor, sub=found)
    roster.remove_subscriber(ctx.settings, subscriber_id, actor.label)
    return RedirectResponse("/admin/subscribers", status_code=303)
