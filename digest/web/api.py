"""The JSON API under ``/api/v1``: breaking news, edition progress and stop, lists, subscribers.

For a CMS's "publish as breaking" button and scripts. Every route needs an API token
(``Authorization: Bearer dg_…``, from ``digest accounts token``) whose editor has the route's
role; the OpenAPI document is at ``/api/v1/openapi.json``.

    POST   /api/v1/breaking                    preview (confirm=false) or send     editor
    GET    /api/v1/editions/{id}               delivery counts by state            viewer
    POST   /api/v1/editions/{id}/stop          stop a send                         editor
    GET    /api/v1/editions/{id}/stats         what the edition did (see README)   viewer
    GET    /api/v1/lists                       lists with active members           viewer
    GET    /api/v1/items                       the latest items (to pick one)      viewer
    GET    /api/v1/subscribers?q=              search                              editor
    POST   /api/v1/subscribers                 add, or update the fields given     editor
    GET    /api/v1/subscribers/{id}            one                                 editor
    DELETE /api/v1/subscribers/{id}            delete one                          editor
"""

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from digest import csvio
from digest.config import Settings
from digest.models import Subscriber
from digest.pipeline import breaking as news_desk
from digest.pipeline import roster
from digest.pipeline.planning import UnknownList
from digest.web import api_models as out
from digest.web import api_stats
from digest.web.api_models import ERROR_RESPONSES, Input
from digest.web.bad_values import BAD_VALUE_ERRORS, MAX_INT, describe
from digest.web.deps import ApiEditorDep, ApiSettingsDep, ApiViewerDep
from digest.web.editor import progress
from digest.web.editor_breaking import dispatcher
from digest.web.editor_subscribers import one_change, save_subscribers

__all__ = ["create_api"]

# An id in a path: a number the database can hold, so a huge one is a 422 that says so.
Id = Annotated[int, Path(ge=0, le=MAX_INT)]


class BreakingRequest(Input):
    """An item by id, or a story by title and url; ``confirm: false`` only previews."""

    model_config = ConfigDict(populate_by_name=True)

    list_name: str = Field("breaking", alias="list", description="The list whose audiences get it.")
    item_id: int | None = Field(None, description="Id of a collected item (see GET /items).")
    title: str = ""
    url: str = ""
    summary: str = ""
    audiences: list[str] = Field(default_factory=lambda: list(news_desk.AUDIENCES))
    confirm: bool = Field(False, description="false: show what would be sent; true: send.")
    send_again: bool = Field(False, description="Send even though this story already went to the list.")


class SubscriberIn(Input):
    email: str = ""
    telegram_chat_id: str = ""
    name: str = ""
    timezone: str = "UTC"
    send_hour: int = 7
    topics: list[str] = Field(default_factory=list)
    lists: list[str] = Field(default_factory=lambda: ["daily"])
    frequency: str = "daily"


router = APIRouter()


def create_api(settings: Settings) -> FastAPI:
    api = FastAPI(
        title="digest editor API",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        description=__doc__,
        responses=ERROR_RESPONSES,
    )
    api.state.settings = settings  # for ApiSettingsDep and the token check (digest.web.deps)
    _errors(api)
    api.include_router(api_stats.router)
    api.include_router(router)
    return api


@router.post(
    "/breaking",
    tags=["breaking"],
    responses={
        200: {"model": out.BreakingPreviewOut, "description": "What would be sent (no `confirm`)."},
        202: {"model": out.BreakingSentOut, "description": "The send has started."},
        409: {"model": out.DuplicateOut, "description": "This story already went to the list."},
    },
)
def breaking(body: BreakingRequest, actor: ApiEditorDep, settings: ApiSettingsDep) -> JSONResponse:
    """Preview a breaking send, or (``confirm``) send it: Telegram channels first."""
    try:
        news = _news(settings, body)
        if not body.confirm:
            shown = news_desk.preview(settings, news, body.list_name, body.audiences)
            return JSONResponse(_preview(shown))
        sent = news_desk.send_breaking(
            settings,
            news,
            body.list_name,
            dispatcher(settings),
            actor=actor.label,
            audiences=body.audiences,
            again=body.send_again,
        )
    except news_desk.DuplicateBreaking as exc:
        earlier = [{"edition": e.edition_id, "at": e.at.isoformat(), "by": e.by} for e in exc.earlier]
        return JSONResponse({"error": str(exc), "earlier": earlier}, status_code=409)
    except (news_desk.InvalidBreaking, UnknownList) as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    body_out = {
        "edition": sent.edition_id,
        "counts": sent.counts,
        "progress": f"/api/v1/editions/{sent.edition_id}",
    }
    return JSONResponse(body_out, status_code=202)


@router.get("/editions/{edition_id}", tags=["editions"])
def edition(edition_id: Id, actor: ApiViewerDep, settings: ApiSettingsDep) -> out.EditionProgress:
    """Delivery counts by state; ``finished`` once nothing is left to send."""
    return out.EditionProgress(**progress(settings, edition_id))


@router.post("/editions/{edition_id}/stop", tags=["editions"])
def stop(edition_id: Id, actor: ApiEditorDep, settings: ApiSettingsDep) -> out.StoppedProgress:
    """Stop a send: what is not yet handed to a provider is never sent."""
    try:
        stopped = news_desk.stop(settings, edition_id, actor.label)
    except news_desk.InvalidBreaking as exc:
        raise HTTPException(404, str(exc)) from None
    return out.StoppedProgress(stopped=stopped, **progress(settings, edition_id))


@router.get("/lists", tags=["lists"])
def lists(actor: ApiViewerDep, settings: ApiSettingsDep) -> list[out.ListOut]:
    found = roster.all_lists(settings)
    return [out.ListOut(name=name, title=title, active=n) for _, name, title, n in found]


@router.get("/items", tags=["items"])
def latest_items(
    actor: ApiViewerDep, settings: ApiSettingsDep, limit: Annotated[int, Query(ge=1, le=200)] = 30
) -> list[out.ItemOut]:
    found = news_desk.latest_items(settings, limit=limit)
    return [
        out.ItemOut(
            id=i.id,
            title=i.title,
            url=i.url,
            source=i.source,
            published=i.published.isoformat() if i.published else None,
        )
        for i in found
    ]


@router.get("/subscribers", tags=["subscribers"])
def search(
    actor: ApiEditorDep,
    settings: ApiSettingsDep,
    q: str = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[out.SubscriberOut]:
    return [_subscriber(s) for s in roster.search(settings, q, limit)]


@router.post("/subscribers", tags=["subscribers"], status_code=201)
def add(body: SubscriberIn, actor: ApiEditorDep, settings: ApiSettingsDep) -> out.SubscriberOut:
    """Add a subscriber, or update the one with this email or chat id in the fields the
    body gives (others stay as they are). Lists must exist: an admin creates them."""
    given = body.model_fields_set
    fields = {
        **body.model_dump(include=given - {"topics", "lists", "send_hour"}),
        "send_hour": str(body.send_hour) if "send_hour" in given else "",
        "topics": ";".join(body.topics) if "topics" in given else "",
        "lists": ";".join(body.lists) if "lists" in given else "",
    }
    try:
        change = one_change(fields)
        save_subscribers(settings, [change], actor, "api", "API")
    except csvio.ImportProblems as exc:
        raise HTTPException(400, "; ".join(p.problem for p in exc.problems)) from None
    except roster.UnknownLists as exc:
        raise HTTPException(400, str(exc)) from None
    sub = change.subscriber
    saved = roster.find(settings, sub.email, sub.telegram_chat_id)
    assert saved is not None
    return _subscriber(saved)


@router.get("/subscribers/{subscriber_id}", tags=["subscribers"])
def one(subscriber_id: Id, actor: ApiEditorDep, settings: ApiSettingsDep) -> out.SubscriberOut:
    found = roster.subscriber(settings, subscriber_id)
    if found is None:
        raise HTTPException(404, f"no subscriber {subscriber_id}")
    return _subscriber(found)


@router.delete("/subscribers/{subscriber_id}", tags=["subscribers"], status_code=204)
def remove(subscriber_id: Id, actor: ApiEditorDep, settings: ApiSettingsDep) -> Response:
    if roster.remove_subscriber(settings, subscriber_id, actor.label) is None:
        raise HTTPException(404, f"no subscriber {subscriber_id}")
    return Response(status_code=204)


def _errors(api: FastAPI) -> None:
    @api.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @api.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()]
        return JSONResponse({"error": "invalid request", "problems": problems}, status_code=422)

    def unstorable(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": "invalid request", "problems": [describe(exc)]}, status_code=422)

    for error in BAD_VALUE_ERRORS:
        api.add_exception_handler(error, unstorable)


def _news(settings: Settings, body: BreakingRequest) -> news_desk.BreakingNews:
    if body.item_id is not None:
        if body.title or body.url:
            raise news_desk.InvalidBreaking("give item_id, or title and url, not both")
        return news_desk.news_from_item(settings, body.item_id)
    return news_desk.news_from_text(body.title, body.url, body.summary)


def _preview(shown: news_desk.BreakingPreview) -> dict[str, Any]:
    return {
        "list": shown.list_name,
        "counts": shown.counts,
        "total": shown.total,
        "subject": shown.rendered.subject,
        "email_html": shown.rendered.html,
        "email_text": shown.rendered.text,
        "telegram": shown.rendered.telegram[0],
        "already_sent": [
            {"edition": e.edition_id, "at": e.at.isoformat(), "by": e.by} for e in shown.earlier
        ],
    }


def _subscriber(sub: Subscriber) -> out.SubscriberOut:
    return out.SubscriberOut.model_validate(sub.fields())
