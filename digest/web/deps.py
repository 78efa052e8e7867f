"""The web app's FastAPI dependencies, declared once (as in the full-stack FastAPI template)
and used by every editor page, API route and reader page::

    ViewerDep, EditorDep, AdminDep     the signed-in editor, with at least that role (pages)
    ApiViewerDep, ApiEditorDep         the API token's editor, with at least that role
    ContextDep                         the editor pages' settings, pages, CSRF and limiter
    SettingsDep                        the settings (editor pages)
    ApiSettingsDep                     the settings (the JSON API)
    CsrfDep                            the form's CSRF token, checked (a 403 when it is wrong)
    ReaderDep                          the reader pages' settings, pages, CSRF and limiter
    ReaderSettingsDep                  the settings (reader pages, webhooks, operations)

The role dependencies are ``RequireEditor``/``RequireToken`` instances: the tests walk the
routes, read the role each one asks for, and check it refuses strangers and lesser roles.
"""

from typing import Annotated

from fastapi import Depends, Form, Request

from digest.config import Settings
from digest.pipeline.accounts import Actor, Role
from digest.web.editor_access import EditorContext, RequireEditor, RequireToken, api_settings, editor_context
from digest.web.reader_context import ReaderContext, reader_context
from digest.web.security import CSRF_FIELD

__all__ = [
    "AdminDep",
    "ApiEditorDep",
    "ApiSettingsDep",
    "ApiViewerDep",
    "ContextDep",
    "CsrfDep",
    "EditorDep",
    "ReaderDep",
    "ReaderSettingsDep",
    "SettingsDep",
    "ViewerDep",
]

ContextDep = Annotated[EditorContext, Depends(editor_context)]


def _settings(ctx: ContextDep) -> Settings:
    return ctx.settings


SettingsDep = Annotated[Settings, Depends(_settings)]
ApiSettingsDep = Annotated[Settings, Depends(api_settings)]

ReaderDep = Annotated[ReaderContext, Depends(reader_context)]


def _reader_settings(ctx: ReaderDep) -> Settings:
    return ctx.settings


ReaderSettingsDep = Annotated[Settings, Depends(_reader_settings)]

ViewerDep = Annotated[Actor, Depends(RequireEditor(Role.VIEWER))]
EditorDep = Annotated[Actor, Depends(RequireEditor(Role.EDITOR))]
AdminDep = Annotated[Actor, Depends(RequireEditor(Role.ADMIN))]
ApiViewerDep = Annotated[Actor, Depends(RequireToken(Role.VIEWER))]
ApiEditorDep = Annotated[Actor, Depends(RequireToken(Role.EDITOR))]


def _check_csrf(
    request: Request, ctx: ContextDep, csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None
) -> None:
    ctx.csrf.check(request, csrf_token)


# Declared after the actor in a route, so a form sent after the session ended gets the
# sign-in page (which keeps the draft), not a CSRF refusal.
CsrfDep = Annotated[None, Depends(_check_csrf)]
