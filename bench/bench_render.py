"""Rendering: each variant once (templates + CSS inlining), then a cheap fill-in per recipient,
against the naive way, a full render and premailer pass for every recipient.

    python -m bench.bench_render           # 10,000 recipients, 25-story edition
    python -m bench.bench_render --quick   # 500 recipients (or: python -m bench --only render)

Rows (``run()``): ``render`` — emails per second for a whole send, ours (one render, then
``personalize`` per recipient) against the baseline (render + inline per recipient, timed on
a sample and extrapolated), ceiling = ``personalize`` alone (what is left once the render is
spread over many readers); ``render-variant`` and ``render-budget`` — milliseconds per
variant for a typical edition and for a 200-story one the size budget has to trim;
``personalize`` — microseconds per recipient.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import peak_rss_mb, row
from digest.models import EditionContent, Item, Recipient, Section, Story
from digest.render import Branding, CallToAction, Renderer, Utm, inline_css, personalize
from digest.render.budget import Trim
from digest.render.email import _trimmed
from digest.render.personalize import greeting

NOW = datetime(2026, 11, 26, 7, tzinfo=UTC)
WEB_URL = "https://news.example.org/editions/1"
BRANDING = Branding(
    "The Kyiv Ledger",
    "1 Example Street, Kyiv, Ukraine",
    "https://news.example.org",
    cta=CallToAction("Help us reach 25,000 members", "Join", "https://news.example.org/join", 18340, 25000),
    utm=Utm("digest", "email", "{list}"),
)
SUMMARY = (
    "Officials said the talks would continue next week as negotiators weigh the latest proposal, "
    "which would extend the ceasefire and open two more crossings for aid convoys. "
)


def _item(n: int, k: int = 0) -> Item:
    return Item(
        key=f"i{n}-{k}",
        feed_id=1 + k,
        source=f"Outlet {k}",
        url=f"https://outlet-{k}.example/news/2026/11/26/story-{n}",
        title=f"Story {n}: negotiators meet again as the deadline for the aid corridor approaches",
        summary_html=f"<p>{SUMMARY}</p>",
        summary_text=SUMMARY,
        published=NOW - timedelta(hours=n % 12),
        image_url=f"https://img.example/{n}.jpg",
        image_caption="Delegates arrive for the talks",
        reading_minutes=3 + n % 5,
    )


def edition(stories: int) -> EditionContent:
    made = [Story(_item(n), [_item(n, k) for k in (1, 2)], score=1000.0 - n) for n in range(stories)]
    per = max(1, stories // 5)
    sections = [Section(f"s{i}", f"Section {i}", made[i * per : (i + 1) * per]) for i in range(5)]
    return EditionContent("daily", "Daily", NOW, [s for s in sections if s.stories])


def recipients(count: int) -> list[Recipient]:
    token = "x" * 120  # signed links are ~150 characters
    return [
        Recipient(
            i,
            f"reader{i}@example.org",
            f"Reader {i}",
            f"https://news.example.org/unsubscribe/{i}.{token}",
            f"https://news.example.org/preferences/{i}.{token}",
        )
        for i in range(count)
    ]


def _per_call(fn: Any, repeat: int) -> float:
    fn()  # warm-up: template compilation, cssutils caches
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) / repeat


def _naive_email(renderer: Renderer, content: EditionContent, reader: Recipient) -> str:
    """The baseline: the template rendered with the reader's own values, then inlined."""
    lead = max(content.stories, key=lambda s: s.score)
    context = renderer._context(content, lead, edition_id=1, web_url=WEB_URL)
    context = _trimmed(context, content.stories, Trim())
    context.update(
        unsubscribe_url=reader.unsubscribe_url,
        preferences_url=reader.preferences_url,
        name=reader.name,
        greeting=greeting(reader.name, content.language),
    )
    return inline_css(renderer.env.get_template("email/edition.html").render(context))


def run(quick: bool = False) -> list[dict[str, object]]:
    """Rows: {"stage", "ours", "baseline", "ratio", "unit", "ceiling", "peak_rss_mb"}."""
    count, sample = (500, 50) if quick else (10_000, 300)
    renderer = Renderer(BRANDING)
    content, big = edition(25), edition(200)
    readers = recipients(count)

    variant_s = _per_call(lambda: renderer.render(content, edition_id=1, web_url=WEB_URL), 5 if quick else 20)
    budget_s = _per_call(lambda: renderer.render(big, edition_id=2, web_url=WEB_URL), 2 if quick else 5)
    rendered = renderer.render(content, edition_id=1, web_url=WEB_URL)
    started = time.perf_counter()
    for reader in readers:
        personalize(rendered.html, reader, html_escape=True)
        personalize(rendered.text, reader)
    personalize_s = (time.perf_counter() - started) / count
    ours_s = (variant_s + personalize_s * count) / count

    started = time.perf_counter()
    for reader in readers[:sample]:
        _naive_email(renderer, content, reader)
    baseline_s = (time.perf_counter() - started) / sample

    rss = peak_rss_mb()
    size_kb = len(rendered.html.encode()) / 1024
    return [
        row(
            "render",
            1 / ours_s,
            1 / baseline_s,
            "emails/s",
            ceiling=1 / personalize_s,
            peak_rss_mb=rss,
            note=f"{count} recipients, 25 stories ({size_kb:.0f} KB HTML); baseline = render + premailer per "
            f"recipient, timed on {sample} ({baseline_s * 1000:.1f} ms/email); ceiling = personalize alone",
        ),
        row(
            "render-variant",
            variant_s * 1000,
            baseline_s * 1000,
            "ms/variant",
            peak_rss_mb=rss,
            higher_is_better=False,
            note="render + inline + Telegram, once per variant; baseline = one naive email",
        ),
        row(
            "render-budget",
            budget_s * 1000,
            None,
            "ms/variant",
            peak_rss_mb=rss,
            note="200 stories trimmed to the 90 KB budget (measure, then re-render)",
        ),
        row(
            "personalize",
            personalize_s * 1e6,
            None,
            "µs/recipient",
            peak_rss_mb=rss,
            note="HTML (escaped) and text parts",
        ),
    ]


if __name__ == "__main__":
    for found in run(quick="--quick" in sys.argv):
        ratio = f"  ×{found['ratio']}" if found["ratio"] else ""
        baseline = f"  baseline {found['baseline']:>9}" if found["baseline"] else ""
        ours = f"ours {found['ours']:>9} {found['unit']}"
        print(f"{found['stage']:<16} {ours}{baseline}{ratio}  {found.get('note', '')}")
