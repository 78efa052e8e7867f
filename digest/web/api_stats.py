"""``GET /api/v1/editions/{id}/stats``: what an edition did (``digest.pipeline.stats``), for viewers."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path

from digest.pipeline import stats
from digest.web import api_models as out
from digest.web.bad_values import MAX_INT
from digest.web.deps import ApiSettingsDep, ApiViewerDep

__all__ = ["router"]

router = APIRouter()


@router.get("/editions/{edition_id}/stats", tags=["editions"], response_model=out.EditionStatsOut)
def edition_stats(
    edition_id: Annotated[int, Path(ge=1, le=MAX_INT)], actor: ApiViewerDep, settings: ApiSettingsDep
) -> dict[str, Any]:
    """Recipients, delivered, bounced, dropped, deferred, opened (unique, machine opens
    excluded), machine_opens, clicked (unique human clickers), machine_clicks, unsubscribed,
    complaints; ``by_channel`` (email, telegram) and ``stories`` (title, url, unique human
    clicks, click rate over delivered). The README's "Edition figures" says how each is counted."""
    figures = stats.edition_stats(settings, edition_id)
    if figures is None:
        raise HTTPException(404, f"there is no edition {edition_id}")
    return figures
