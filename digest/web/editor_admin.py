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

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from digest.pipeline import accounts as auth
from digest.pipeline import desk, roster
from digest.pipeline.accounts import Actor, Role
from digest.web.editor_access import EditorContext, RequireEditor
from digest.web.security import CSRF_FIELD

__all__ = ["router"]


def router(ctx: EditorContext) -> APIRouter:
    api = APIRouter(prefix="/admin")
    admin = Annotated[Actor, Depends(RequireEditor(ctx, Role.ADMIN))]
    token_field = Annotated[str | None, Form(alias=CSRF_FIELD)]
    settings, pages = ctx.settings, ctx.pages

    def accounts_page(request: Request, actor: Actor, status: int = 200, **notes: object) -> Response:
        editors, tokens = auth.everyone(settings)
        context = {"error": "", "new_token": "", **notes}
        return pages.render(
            request, "editor/accounts", status, actor=actor, editors=editors, tokens=tokens, **context
        )

    @api.get("/accounts")
    def accounts(request: Request, actor: admin) -> Response:
        return accounts_page(request, actor)

    @api.post("/accounts")
    def add_account(
        request: Request,
        actor: admin,
        email: Annotated[str, Form()] = "",
        role: Annotated[str, Form()] = "viewer",
        password: Annotated[str, Form()] = "",
        csrf_token: token_field = None,
    ) -> Response:
        ctx.csrf.check(request, csrf_token)
        try:
            auth.add_editor(settings, email, role, password, actor.label)
        except ValueError as exc:
            return accounts_page(request, actor, 400, error=str(exc))
        return RedirectResponse("/admin/accounts", status_code=303)

    @api.post("/accounts/{editor_id}/{change}")
    def lock(
        request: Request, editor_id: int, change: str, actor: admin, csrf_token: token_field = None
    ) -> Response:
        ctx.csrf.check(request, csrf_token)
        if change not in ("disable", "enable"):
            return accounts_page(request, actor, 404, error="Unknown change.")
        if actor.editor is not None and actor.editor.id == editor_id and change == "disable":
            return accounts_page(request, actor, 400, error="You cannot lock yourself out.")
        auth.set_disabled(settings, editor_id, change == "disable", actor.label)
        return RedirectResponse("/admin/accounts", status_code=303)

    @api.post("/tokens")
    def create_token(
        request: Request,
        actor: admin,
        email: Annotated[str, Form()] = "",
        name: Annotated[str, Form()] = "",
        csrf_token: token_field = None,
    ) -> Response:
        ctx.csrf.check(request, csrf_token)
        try:
            value = auth.create_token(settings, email, name, actor.label)
        except ValueError as exc:
            return accounts_page(request, actor, 400, error=str(exc))
        return accounts_page(request, actor, new_token=value)

    @api.post("/tokens/{token_id}/revoke")
    def revoke(request: Request, token_id: int, actor: admin, csrf_token: token_field = None) -> Response:
        ctx.csrf.check(request, csrf_token)
        auth.revoke_token(settings, token_id, actor.label)
        return RedirectResponse("/admin/accounts", status_code=303)

    def lists_page(request: Request, actor: Actor, status: int = 200, error: str = "") -> Response:
        lists = roster.all_lists(settings)
        return pages.render(request, "editor/lists", status, actor=actor, lists=lists, error=error)

    @api.get("/lists")
    def lists(request: Request, actor: admin) -> Response:
        return lists_page(request, actor)

    @api.post("/lists")
    def add_list(
        request: Request,
        actor: admin,
        name: Annotated[str, Form()] = "",
        title: Annotated[str, Form()] = "",
        breaking: Annotated[str, Form()] = "",
        csrf_token: token_field = None,
    ) -> Response:
        ctx.csrf.check(request, csrf_token)
        kind = "breaking" if breaking else "digest"
        try:
            roster.create_list(settings, name, title.strip()[:200], kind, actor=actor.label)
        except roster.InvalidListName as exc:
            return lists_page(request, actor, 400, f"{exc.problem}.")
        return RedirectResponse("/admin/lists", status_code=303)

    @api.get("/audit")
    def audit_log(
        request: Request, actor: admin, who: str = "", action: str = "", since: str = "", until: str = ""
    ) -> Response:
        chosen = {"who": who, "action": action, "since": since, "until": until}
        error, status = "", 200
        try:
            log = desk.audit_log(settings, who, action, since, until)
        except desk.InvalidInput as exc:
            error, status = f"Dates {exc.field}: {exc.problem}.", 400
            log = desk.audit_log(settings, who, action)
        zone = actor.editor.time_zone if actor.editor else "UTC"
        return pages.render(
            request, "editor/audit", status, actor=actor, log=log, f=chosen, error=error,
            when=lambda moment: desk.local_time(moment, zone, seconds=True),
        )  # fmt: skip

    return api
