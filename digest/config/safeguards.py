"""When sending stops: the circuit breaker, the retry limits and sunsetting of silent readers."""

from __future__ import annotations

from dataclasses import dataclass

from digest.config import parsers as parse
from digest.config.setting import setting


@dataclass(frozen=True)
class SafeguardSettings:
    breaker_complaint_rate: float = setting(
        "DIGEST_BREAKER_COMPLAINT_RATE",
        "0.003",
        parse.positive(float),
        "An edition's remaining email batches pause when spam reports exceed this share of delivered "
        "emails (0.003 = 0.3 %), once `DIGEST_BREAKER_MIN_DELIVERED` were delivered.",
    )
    breaker_min_delivered: int = setting(
        "DIGEST_BREAKER_MIN_DELIVERED",
        "1000",
        parse.positive(int),
        "Delivered emails an edition needs before its spam-report rate can pause it.",
    )
    breaker_bounce_rate: float = setting(
        "DIGEST_BREAKER_BOUNCE_RATE",
        "0.05",
        parse.positive(float),
        "An edition's remaining email batches pause when hard bounces exceed this share of the "
        "emails sent (0.05 = 5 %).",
    )
    retry_max_attempts: int = setting(
        "DIGEST_RETRY_MAX_ATTEMPTS",
        "12",
        parse.positive(int),
        "A delivery that keeps failing is given up (`failed`, with its last error) after this many "
        "attempts; waits a provider asks for (rate limits) do not count.",
    )
    retry_max_age_hours: float = setting(
        "DIGEST_RETRY_MAX_AGE_HOURS",
        "6",
        parse.positive(float),
        "A digest's deliveries are not tried later than this many hours after the edition was made "
        "(or re-opened by `digest retry`); what is still unsent then is `failed`.",
    )
    retry_breaking_max_age_hours: float = setting(
        "DIGEST_RETRY_BREAKING_MAX_AGE_HOURS",
        "1",
        parse.positive(float),
        "The same for breaking news: not sent later than this many hours after the editor sent it.",
    )
    sunset_editions: int = setting(
        "DIGEST_SUNSET_EDITIONS",
        "0",
        parse.count,
        "Sunsetting: readers with no human open and no human click in their last this many emailed "
        'editions get one "still want this?" email with a keep link. 0 (the default) turns it off.',
    )
    sunset_days: int = setting(
        "DIGEST_SUNSET_DAYS",
        "14",
        parse.positive(int),
        "Sunsetting: days a reader has to answer (click the keep link, or open or click anything) "
        "before they become `inactive`: not sent to, not deleted, reactivated by any later click.",
    )
