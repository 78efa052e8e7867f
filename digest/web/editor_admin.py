"""Accounts, API tokens, lists and the audit log (admin role).

Routes::

    GET  /admin/accounts                      editors and tokens
    POST /admin/accounts                      add an editor (or reset role and password)
    POST /admin/accounts/{id}/disable|enable  lock an account out (sessions end) or let it back
    POST /admin/tokens                        create an API token: shown once
    POST /admin/tokens/{id}/revoke            revoke a token
    GET  /admin/lists, POST /admin/lists      lists and their members; create one
    GET  /admin/audit                         who did what, newest first; filters by editor,
                                              action and days; headlines for stories
"""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from digest.pipeline import accounts as auth
from digest.pipeline import desk, roster
from digest.pipeline.accounts import Actor
from digest.web.deps import AdminDep, ContextDep, CsrfDep
from digest.web.editor_access import EditorContext

__all__ = ["router"]

router = APIRouter(prefix="/admin")


def _accounts_page(
    request: Request, ctx: EditorContext, actor: Actor, status: int = 200, **notes: object
) -> Response:
    editors, tokens = auth.everyone(ctx.settings)
    context = {"error": "", "new_token": "", **notes}
    return ctx.pages.render(
        request, "editor/accounts", status, actor=actor, editors=editors, tokens=tokens, **context
    )


@router.get("/accounts")
def accounts(request: Request, actor: AdminDep, ctx: ContextDep) -> Response:
    return _accounts_page(request, ctx, actor)


@router.post("/accounts")
def add_account(
    request: Request,
    actor: AdminDep,
    _: CsrfDep,
    ctx: ContextDep,
    email: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "viewer",
    password: Annotated[str, Form()] = "",
) -> Response:
    try:
        auth.add_editor(ctx.settings, email, role, password, actor.label)
    except ValueError as exc:
        return _accounts_page(request, ctx, actor, 400, error=str(exc))
    return RedirectResponse("/admin/accounts", status_code=303)


@router.post("/accounts/{editor_id}/{change}")
def lock(
    request: Request, editor_id: int, change: str, actor: AdminDep, _: CsrfDep, ctx: ContextDep
) -> Response:
    if change not in ("disable", "enable"):
        return _accounts_page(request, ctx, actor, 404, error="Unknown change.")
    if actor.editor is not None and actor.editor.id == editor_id and change == "disable":
        return _accounts_page(request, ctx, actor, 400, error="You cannot lock yourself out.")
    auth.set_disabled(ctx.settings, editor_id, change == "disable", actor.label)
    return RedirectResponse("/admin/accounts", status_code=303)


@router.post("/tokens")
def create_token(
    request: Request,
    actor: AdminDep,
    _: CsrfDep,
    ctx: ContextDep,
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
) -> Response:
    try:
        value = auth.create_token(ctx.settings, email, name, actor.label)
    except ValueError as exc:
        return _accounts_page(request, ctx, actor, 400, error=str(exc))
    return _accounts_page(request, ctx, actor, new_token=value)


@router.post("/tokens/{token_id}/revoke")
def revoke(token_id: int, actor: AdminDep, _: CsrfDep, ctx: ContextDep) -> Response:
    auth.revoke_token(ctx.settings, token_id, actor.label)
    return RedirectResponse("/admin/accounts", status_code=303)


def _lists_page(
    request: Request, ctx: EditorContext, actor: Actor, status: int = 200, error: str = ""
) -> Response:
    lists = roster.all_lists(ctx.settings)
    return ctx.pages.render(request, "editor/lists", status, actor=actor, lists=lists, error=error)


@router.get("/lists")
def lists(request: Request, actor: AdminDep, ctx: ContextDep) -> Response:
    return _lists_page(request, ctx, actor)


@router.post("/lists")
def add_list(
    request: Request,
    actor: AdminDep,
    _: CsrfDep,
    ctx: ContextDep,
    name: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    breaking: Annotated[str, Form()] = "",
) -> Response:
    kind = "breaking" if breaking else "digest"
    try:
        roster.create_list(ctx.settings, name, title.strip()[:200], kind, actor=actor.label)
    except roster.InvalidListName as exc:
        return _lists_page(request, ctx, actor, 400, f"{exc.problem}.")
    return RedirectResponse("/admin/lists", status_code=303)


@router.get("/audit")
def audit_log(
    request: Request,
    actor: AdminDep,
    ctx: ContextDep,
    who: str = "",
    action: str = "",
    since: str = "",
    until: str = "",
) -> Response:
    chosen = {"who": who, "action": action, "since": since, "until": until}
    error, status = "", 200
    try:
        log = desk.audit_log(ctx.settings, who, action, since, until)
    except desk.InvalidInput as exc:
        error, status = f"Dates {exc.field}: {exc.problem}.", 400
        log = desk.audit_log(ctx.settings, who, action)
    return ctx.pages.render(
        request,
        "editor/audit",
        status,
        actor=actor,
        log=log,
        f=chosen,
        error=error,
        when=desk.clock(actor.time_zone, seconds=True),
    )
