"""Which stories an edition holds: fetching feeds, then ranking and choosing their items."""

from __future__ import annotations

from dataclasses import dataclass

from digest.config import parsers as parse
from digest.config.setting import setting


@dataclass(frozen=True)
class EditionSettings:
    fetch_timeout: float = setting(
        "DIGEST_FETCH_TIMEOUT", "15", parse.positive(float), "Seconds before a feed fetch gives up."
    )
    fetch_max_bytes: int = setting(
        "DIGEST_FETCH_MAX_BYTES",
        str(15 * 1024 * 1024),
        parse.positive(int),
        "Cap on a feed's decoded body size, in bytes.",
    )
    fetch_interval: int = setting(
        "DIGEST_FETCH_INTERVAL", "600", parse.positive(int), "Seconds between fetches of a healthy feed."
    )
    fetch_allowlist: tuple[str, ...] = setting(
        "DIGEST_FETCH_ALLOWLIST",
        "",
        parse.hostlist,
        "Comma-separated hosts, addresses or CIDR ranges that feeds may use even though they are "
        "private or loopback (for local test servers).",
    )
    half_life_hours: float = setting(
        "DIGEST_HALF_LIFE_HOURS", "12", parse.positive(float), "Recency half-life of the ranking, in hours."
    )
    items_per_section: int = setting(
        "DIGEST_ITEMS_PER_SECTION", "5", parse.positive(int), "Stories per section in an edition."
    )
    max_per_source: int = setting(
        "DIGEST_MAX_PER_SOURCE",
        "3",
        parse.positive(int),
        "At most this many stories led by one source in an edition.",
    )
    max_age_hours: float = setting(
        "DIGEST_MAX_AGE_HOURS",
        "36",
        parse.positive(float),
        "Items older than this are not considered for an edition.",
    )
    section_priority: tuple[tuple[str, float], ...] = setting(
        "DIGEST_SECTION_PRIORITY",
        "",
        parse.pairs(parse.positive(float), "section=weight"),
        "Weight of each section in the ranking, e.g. `news=1.5;analysis=1.2;culture=0.8`. Unset, "
        "or a section not named: 1.",
    )
    category_sections: tuple[tuple[str, str], ...] = setting(
        "DIGEST_CATEGORY_SECTIONS",
        "",
        parse.pairs(str.casefold, "category=section"),
        "Items with one of these categories go to that section instead of their feed's, e.g. "
        "`Opinion=analysis;Video=video;Culture=culture`.",
    )
    diversity: float = setting(
        "DIGEST_DIVERSITY",
        "0.3",
        parse.fraction,
        "Share of its score a story loses for each story on the same topic (category) already in the "
        "edition, so one topic does not fill it; 0 turns it off.",
    )
    engagement_weight: float = setting(
        "DIGEST_ENGAGEMENT_WEIGHT",
        "0",
        parse.non_negative_float,
        "Weight of readers' clicks in the ranking: how yesterday's editions' stories of a section and "
        "a source were clicked, compared with all stories, becomes one more score part (shown in "
        "`digest preview --explain`), capped at ×1.2 (÷1.2). 0 (the default) turns it off.",
    )
    human_click_min_seconds: int = setting(
        "DIGEST_HUMAN_CLICK_MIN_SECONDS",
        "10",
        parse.positive(int),
        "A click sooner than this many seconds after the provider accepted the message counts as a "
        "machine click (mail scanners follow links on arrival).",
    )
