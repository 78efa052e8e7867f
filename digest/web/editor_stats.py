"""What editions and lists did, for editors: figures, charts, CSV, and the breaker's decisions.

Routes::

    GET  /admin/editions/{id}/stats.json      the edition's figures and breaker state   viewer
    GET  /admin/editions/{id}/stats.csv       the same as CSV (figures, then stories)   viewer
    POST /admin/editions/{id}/email/resume    resume email the breaker paused           editor
    POST /admin/editions/{id}/email/cancel    cancel the rest of that email             editor
    GET  /admin/lists/{list}/trends           30/90-day trends of a list (charts)       viewer
    GET  /admin/lists/{list}/trends.json      ?days=30|90                               viewer
    GET  /admin/lists/{list}/trends.csv       ?days=30|90                               viewer
    GET  /admin/breaker.json                  editions the breaker paused (dashboard)   viewer
    GET  /static/stats.js, /static/chart.umd.min.js   the charts' scripts                anyone

Charts are drawn by Chart.js, vendored in ``digest/web/static/chartjs`` and served from our
own origin (the pages' CSP allows scripts from self only).
"""

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from digest.config import Settings
from digest.csvio import spreadsheet_safe
from digest.pipeline import accounts, breaker, stats
from digest.pipeline.accounts import Actor
from digest.web.bad_values import MAX_INT as MAX_ID
from digest.web.deps import ContextDep, CsrfDep, EditorDep, SettingsDep, ViewerDep

__all__ = ["edition_csv", "router", "trends_csv"]

STATIC = FilePath(__file__).resolve().parent / "static"
SCRIPTS = {
    "chart.umd.min.js": STATIC / "chartjs" / "chart.umd.min.js",
    "stats.js": STATIC / "stats.js",
}
EditionId = Annotated[int, Path(ge=1, le=MAX_ID)]
Days = Annotated[int, Query(ge=1, le=366)]


router = APIRouter()


def _figures(settings: Settings, edition_id: int) -> dict[str, Any]:
    found = stats.edition_stats(settings, edition_id)
    if found is None:
        raise HTTPException(404, f"There is no edition {edition_id}.")
    pause = breaker.pause_of(settings, edition_id)
    found["paused"] = (
        {
            "reason": pause.reason,
            "at": pause.paused_at.isoformat(),
            "resolved": pause.resolved,
            "by": pause.resolved_by,
        }
        if pause
        else None
    )
    return found


@router.get("/admin/editions/{edition_id}/stats.json")
def edition_json(edition_id: EditionId, actor: ViewerDep, settings: SettingsDep) -> Response:
    return JSONResponse(_figures(settings, edition_id))


@router.get("/admin/editions/{edition_id}/stats.csv")
def edition_csv_file(edition_id: EditionId, actor: ViewerDep, settings: SettingsDep) -> Response:
    return _csv(edition_csv(_figures(settings, edition_id)), f"edition-{edition_id}-stats.csv")


def _decide(settings: Settings, edition_id: int, actor: Actor, resume: bool) -> Response:
    now = datetime.now(UTC)
    done = (
        breaker.resume(settings, edition_id, actor.label, now)
        if resume
        else breaker.cancel(settings, edition_id, actor.label, now) is not None
    )
    if not done:
        raise HTTPException(409, "This edition's email is not paused.")
    action = "breaker.resume" if resume else "breaker.cancel"
    accounts.audit(settings, actor, action, f"edition {edition_id}")
    return RedirectResponse(f"/admin/editions/{edition_id}", status_code=303)


@router.post("/admin/editions/{edition_id}/email/resume")
def resume(edition_id: EditionId, actor: EditorDep, _: CsrfDep, settings: SettingsDep) -> Response:
    return _decide(settings, edition_id, actor, resume=True)


@router.post("/admin/editions/{edition_id}/email/cancel")
def cancel(edition_id: EditionId, actor: EditorDep, _: CsrfDep, settings: SettingsDep) -> Response:
    return _decide(settings, edition_id, actor, resume=False)


@router.get("/admin/lists/{list_name}/trends")
def trends_page(request: Request, list_name: str, actor: ViewerDep, ctx: ContextDep) -> Response:
    return ctx.pages.render(request, "editor/list_stats", actor=actor, list_name=list_name)


@router.get("/admin/lists/{list_name}/trends.json")
def trends_json(list_name: str, actor: ViewerDep, settings: SettingsDep, days: Days = 30) -> Response:
    found = stats.list_trends(settings, list_name, days)
    return JSONResponse({"list": list_name, "days": days, "editions": found})


@router.get("/admin/lists/{list_name}/trends.csv")
def trends_csv_file(list_name: str, actor: ViewerDep, settings: SettingsDep, days: Days = 30) -> Response:
    found = stats.list_trends(settings, list_name, days)
    return _csv(trends_csv(found), f"{list_name}-trends-{days}d.csv")


@router.get("/admin/breaker.json")
def paused(actor: ViewerDep, settings: SettingsDep) -> Response:
    found = breaker.paused_editions(settings)
    return JSONResponse(
        [
            {
                "edition": p.edition_id,
                "list": p.list_name,
                "title": p.title,
                "reason": p.reason,
                "at": p.paused_at.isoformat(),
            }
            for p in found
        ]
    )


@router.get("/static/{name}")
def script(name: str) -> Response:  # public scripts: no data in them
    if name not in SCRIPTS:
        raise HTTPException(404)
    return Response(
        SCRIPTS[name].read_bytes(), media_type="text/javascript", headers={"Cache-Control": "max-age=300"}
    )


def edition_csv(figures: dict[str, Any]) -> str:
    """The figures (total and per channel), then one row per story."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["figure", "total", "email", "telegram"])
    channels = figures["by_channel"]
    for key in stats.EMAIL_KEYS:
        writer.writerow(
            [key, figures[key], channels["email"].get(key, ""), channels["telegram"].get(key, "")]
        )
    writer.writerow([])
    writer.writerow(["story", "url", "clicks", "click_rate"])
    for story in figures["stories"]:
        writer.writerow(
            [
                spreadsheet_safe(story["title"]),
                spreadsheet_safe(story["url"]),
                story["clicks"],
                story["click_rate"],
            ]
        )
    return out.getvalue()


def trends_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    keys = ["date", "edition_id", *stats.TREND_KEYS]
    writer.writerow(keys)
    for row in rows:
        writer.writerow([row[key] for key in keys])
    return out.getvalue()


def _csv(text: str, filename: str) -> Response:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)  # a list name in a header: nothing else gets in
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )
