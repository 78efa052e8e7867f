"""The subscriber's pages: unsubscribe (with RFC 8058 one-click), preferences, sign-up, confirm
(a page with one button; the POST confirms, once).

Each route reads its context from ``digest.web.deps.ReaderDep``, checks the form's CSRF token
(after the signed link, when there is one), calls one use case of
``digest.pipeline.subscriptions`` and renders a page. Bad links and unknown subscribers
are errors the app turns into pages (see ``digest.web.app``).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from digest import links
from digest.errors import DeliveryError
from digest.i18n import N_, translate
from digest.pipeline import confirming
from digest.pipeline import leaving as leave
from digest.pipeline import signup as signing_up
from digest.pipeline import subscriptions as subs
from digest.pipeline.languages import list_language
from digest.schedule import WEEKDAYS
from digest.web.deps import ReaderDep
from digest.web.reader_context import ReaderContext
from digest.web.security import CSRF_FIELD, client_address
from digest.zones import zone_choices, zone_label

__all__ = ["router"]

log = logging.getLogger(__name__)

ONE_CLICK_BODY = b"List-Unsubscribe=One-Click"


router = APIRouter()


def _posted_claim(
    ctx: ReaderContext, request: Request, token: str, purpose: str, csrf_token: str | None
) -> links.LinkClaim:
    """The claim of a signed link whose page posted a form: the link is read first (a bad
    one is its own error page), then the form's CSRF token is checked."""
    claim = subs.read_link(ctx.settings, token, purpose)
    ctx.csrf.check(request, csrf_token)
    return claim


def _left(
    ctx: ReaderContext,
    request: Request,
    token: str,
    claim: links.LinkClaim,
    status: int = 200,
    **extra: object,
) -> Response:
    settings, pages = ctx.settings, ctx.pages
    state = leave.leaving(settings, claim.subscriber_id, claim.list_name)
    return pages.render(
        request,
        "unsubscribed",
        status,
        language=list_language(settings, claim.list_name),
        list_title=state.list_title,
        remaining=list(state.remaining),
        action=f"/unsubscribe/{token}",
        reasons=leave.REASONS,
        **{"note": "", "error": "", "already": False, **extra},
    )


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(ctx: ReaderDep, request: Request, token: str) -> Response:
    settings, pages = ctx.settings, ctx.pages
    claim = subs.read_link(settings, token, "unsubscribe")
    state = leave.leaving(settings, claim.subscriber_id, claim.list_name)
    if not state.on_list:  # opened again: say so, and offer the way back
        return _left(ctx, request, token, claim, already=True)
    return pages.render(
        request,
        "unsubscribe",
        language=list_language(settings, claim.list_name),
        list_title=state.list_title,
        email=state.subscriber.email or "",
        action=request.url.path,
    )


@router.post("/unsubscribe/{token}/undo", response_class=HTMLResponse)
def undo(
    ctx: ReaderDep,
    request: Request,
    token: str,
    csrf_token: str | None = Form(None, alias=CSRF_FIELD),
    weekly: str = Form(""),
) -> Response:
    settings, pages = ctx.settings, ctx.pages
    claim = _posted_claim(ctx, request, token, "unsubscribe", csrf_token)
    sub = leave.rejoin(settings, claim.subscriber_id, claim.list_name, weekly=weekly == "1")
    state = leave.leaving(settings, claim.subscriber_id, claim.list_name)
    return pages.render(
        request,
        "resubscribed",
        language=list_language(settings, claim.list_name),
        list_title=state.list_title,
        weekly=sub.frequency.startswith("weekly"),
    )


@router.post("/unsubscribe/{token}/reason", response_class=HTMLResponse)
def reason(
    ctx: ReaderDep,
    request: Request,
    token: str,
    csrf_token: str | None = Form(None, alias=CSRF_FIELD),
    reason: str = Form(""),
    detail: str = Form(""),
) -> Response:
    settings, pages = ctx.settings, ctx.pages
    claim = _posted_claim(ctx, request, token, "unsubscribe", csrf_token)
    try:
        leave.record_reason(settings, claim.list_name, reason, detail)
    except subs.InvalidInput as exc:
        language = pages.language(request, list_language(settings, claim.list_name))
        return _left(ctx, request, token, claim, 400, error=exc.said_in(language))
    language = pages.language(request, list_language(settings, claim.list_name))
    return _left(ctx, request, token, claim, note=translate(language, "Thank you for telling us."))


@router.post("/unsubscribe/{token}")
async def unsubscribe(ctx: ReaderDep, request: Request, token: str) -> Response:
    settings = ctx.settings
    # A mail provider's one-click POST carries only List-Unsubscribe=One-Click (RFC 8058):
    # no cookie, no CSRF token. The signed token in the URL is what authorizes it.
    one_click = await _is_one_click(request)
    claim = subs.read_link(settings, token, "unsubscribe")
    if not one_click:
        given = (await request.form()).get(CSRF_FIELD)
        ctx.csrf.check(request, given if isinstance(given, str) else None)
    await run_in_threadpool(subs.unsubscribe, settings, claim.subscriber_id, claim.list_name)
    if one_click:
        return PlainTextResponse("unsubscribed\n")
    return await run_in_threadpool(_left, ctx, request, token, claim)


async def _is_one_click(request: Request) -> bool:
    """True for the body RFC 8058 prescribes, urlencoded (as sent in practice) or multipart."""
    body = await request.body()
    if body.strip() == ONE_CLICK_BODY:
        return True
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        fields = (await request.form()).multi_items()
        return fields == [("List-Unsubscribe", "One-Click")]
    return False


def _show(
    ctx: ReaderContext, request: Request, claim: links.LinkClaim, status: int = 200, **extra: object
) -> Response:
    settings, pages = ctx.settings, ctx.pages
    form = subs.preferences_form(settings, claim.subscriber_id)
    sub = form.subscriber
    language = pages.language(request, list_language(settings, claim.list_name or next(iter(sub.lists), "")))
    return pages.render(
        request,
        "preferences",
        status,
        language=language,
        sub=sub,
        lists=form.lists,
        topics=form.topics,
        topic_titles={topic: subs.topic_title(topic, language) for topic in form.topics},
        topic_descriptions=subs.TOPIC_DESCRIPTIONS,
        extra_topics=[t for t in sub.topics if t not in form.topics],
        frequency=sub.frequency,
        weekdays=WEEKDAYS,
        zones=zone_choices(),
        zone=zone_label(sub.timezone),
        action=request.url.path,
        **{"saved": False, "error": "", **extra},
    )


@router.get("/preferences/{token}", response_class=HTMLResponse)
def preferences_page(ctx: ReaderDep, request: Request, token: str) -> Response:
    settings = ctx.settings
    claim = subs.read_link(settings, token, "preferences")
    return _show(ctx, request, claim)


@router.post("/preferences/{token}/everything", response_class=HTMLResponse)
def unsubscribe_everywhere(
    ctx: ReaderDep, request: Request, token: str, csrf_token: str | None = Form(None, alias=CSRF_FIELD)
) -> Response:
    settings, pages = ctx.settings, ctx.pages
    claim = _posted_claim(ctx, request, token, "preferences", csrf_token)
    leave.unsubscribe_everywhere(settings, claim.subscriber_id)
    language = pages.language(request, list_language(settings, claim.list_name))
    return pages.render(
        request,
        "unsubscribed",
        language=language,
        list_title=translate(language, "any of our lists"),
        remaining=[],
        action="",
        already=False,
        note="",
        error="",
        reasons={},
    )


@router.post("/preferences/{token}", response_class=HTMLResponse)
def save_preferences(
    ctx: ReaderDep,
    request: Request,
    token: str,
    csrf_token: str | None = Form(None, alias=CSRF_FIELD),
    name: str = Form(""),
    lists: Annotated[list[str] | None, Form()] = None,
    topics: Annotated[list[str] | None, Form()] = None,
    more_topics: str = Form(""),
    frequency: str = Form("daily"),
    send_hour: str = Form("7"),
    timezone: str = Form("UTC"),
) -> Response:
    settings, pages = ctx.settings, ctx.pages
    claim = _posted_claim(ctx, request, token, "preferences", csrf_token)
    try:
        hour = int(send_hour) if send_hour.strip().isdigit() else -1
        change = subs.PreferenceChange(
            name=name,
            topics=(*(topics or []), more_topics),
            frequency=frequency,
            send_hour=hour,
            timezone=timezone,
            lists=tuple(lists or []),
        )
        subs.update_preferences(settings, claim.subscriber_id, change)
    except subs.InvalidInput as exc:
        named = claim.list_name or next(iter(lists or []), "")
        language = pages.language(request, list_language(settings, named))
        return _show(ctx, request, claim, 400, error=exc.said_in(language))
    return _show(ctx, request, claim, saved=True)


def _signup_form(ctx: ReaderContext, request: Request, status: int = 200, **values: object) -> Response:
    settings, pages = ctx.settings, ctx.pages
    defaults: dict[str, object] = {
        "email": "",
        "name": "",
        "timezone": "",
        "send_hour": 7,
        "chosen": [],
        "error": "",
        "field": "",
    }
    lists = signing_up.signup_lists(settings)
    if not values.get("chosen"):
        values["chosen"] = [item.name for item in lists if item.main]
    return pages.render(
        request,
        "subscribe",
        status,
        lists=lists,
        zones=zone_choices(),
        hours=range(24),
        action="/subscribe",
        **{**defaults, **values},
    )


@router.get("/subscribe", response_class=HTMLResponse)
def subscribe_page(ctx: ReaderDep, request: Request) -> Response:
    return _signup_form(ctx, request)


@router.post("/subscribe", response_class=HTMLResponse)
def subscribe(
    ctx: ReaderDep,
    request: Request,
    csrf_token: str | None = Form(None, alias=CSRF_FIELD),
    email: str = Form(""),
    name: str = Form(""),
    timezone: str = Form("UTC"),
    send_hour: str = Form("7"),
    lists: Annotated[list[str] | None, Form()] = None,
) -> Response:
    settings, pages = ctx.settings, ctx.pages
    ctx.csrf.check(request, csrf_token)
    chosen = lists or []
    hour = int(send_hour) if send_hour.strip().isdigit() and len(send_hour) < 3 else -1
    signup = signing_up.SignUp(email=email, name=name, timezone=timezone, lists=tuple(chosen), send_hour=hour)
    try:
        signing_up.sign_up(settings, signup, client=client_address(request), limiter=ctx.limiter)
    except subs.InvalidInput as exc:
        return _signup_form(
            ctx,
            request,
            400,
            email=email,
            name=name,
            timezone=timezone,
            send_hour=hour,
            chosen=chosen,
            error=exc.said_in(pages.language(request)),
            field=exc.field,
        )
    except signing_up.TooManySignUps as exc:
        response = pages.error(
            request,
            429,
            N_("Too many sign-ups"),
            N_("Too many attempts from here. Please try again later."),
        )
        response.headers["Retry-After"] = str(max(1, int(exc.wait)))
        return response
    except DeliveryError as exc:
        log.error("confirmation email not sent: %s", exc)
        return pages.error(
            request, 503, N_("Try again later"), N_("We could not send the confirmation email just now.")
        )
    return pages.render(request, "subscribe_sent")


# Following the link only shows a button (mail scanners follow links); the POST confirms.
@router.get("/confirm/{token}", response_class=HTMLResponse)
def confirm_page(ctx: ReaderDep, request: Request, token: str) -> Response:
    settings, pages = ctx.settings, ctx.pages
    try:
        pending = confirming.pending_confirmation(settings, token)
    except confirming.ConfirmationClosed as exc:
        return pages.render(request, "confirm_closed", 410, reason=exc.reason)
    language = list_language(settings, next(iter(pending.lists), ""))
    return pages.render(
        request, "confirm", language=language, lists=list(pending.titles), action=request.url.path
    )


@router.post("/confirm/{token}", response_class=HTMLResponse)
def confirm(
    ctx: ReaderDep, request: Request, token: str, csrf_token: str | None = Form(None, alias=CSRF_FIELD)
) -> Response:
    settings, pages = ctx.settings, ctx.pages
    _posted_claim(ctx, request, token, "confirm", csrf_token)
    try:
        sub = confirming.confirm(settings, token)
    except confirming.ConfirmationClosed as exc:
        return pages.render(request, "confirm_closed", 410, reason=exc.reason)
    language = list_language(settings, next(iter(sub.lists), ""))
    titles = confirming.list_titles(settings, sub.lists)
    return pages.render(request, "confirmed", language=language, lists=titles)
