"""What a newsroom's digest looks like: names, subject, colours, logo, footer, call to action,
section titles, link parameters and size."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from digest.config import parsers as parse
from digest.config.setting import setting


@dataclass(frozen=True)
class BrandingSettings:
    newsroom_name: str = setting(
        "DIGEST_NEWSROOM_NAME",
        "The Daily Digest",
        str,
        "Name shown in the masthead, the subject and the `List-Id`.",
    )
    postal_address: str = setting(
        "DIGEST_POSTAL_ADDRESS",
        "1 Example Street, Kyiv, Ukraine",
        str,
        "Sender's postal address printed in every email footer (required by bulk-sender rules).",
    )
    templates_dir: Path | None = setting(
        "DIGEST_TEMPLATES_DIR",
        "",
        parse.optional(Path),
        "A folder whose templates override the bundled ones (same file names).",
    )
    subject_format: str = setting(
        "DIGEST_SUBJECT_FORMAT",
        "{top}",
        parse.subject_format,
        "Subject of the daily email, with the fields {top} (the top story's headline), {list} (the "
        "list's title), {newsroom}, {date} (1 December), {count} (stories) and {more} (the others).",
    )
    brand_color: str = setting(
        "DIGEST_BRAND_COLOR",
        "#b3261e",
        parse.hex_color,
        "Accent colour of the email (masthead rule, section titles, button), a hex colour.",
    )
    logo_url: str | None = setting(
        "DIGEST_LOGO_URL",
        "",
        parse.optional(parse.url("https")),
        "https URL of the logo shown in the masthead instead of the newsroom name.",
    )
    logo_size: tuple[int, int] = setting(
        "DIGEST_LOGO_SIZE",
        "160x40",
        parse.size,
        "Width and height the logo is shown at, in pixels (`WIDTHxHEIGHT`).",
    )
    footer_text: str = setting(
        "DIGEST_FOOTER_TEXT",
        "",
        str,
        "An extra line in every email footer (e.g. a tagline or a registration number).",
    )
    cta_text: str = setting(
        "DIGEST_CTA_TEXT",
        "",
        str,
        "Headline of the call-to-action block in the email, e.g. `Help us reach 25,000 members`. "
        "Unset: no block.",
    )
    cta_progress: tuple[int, int] | None = setting(
        "DIGEST_CTA_PROGRESS",
        "",
        parse.progress,
        "Progress figure of the call to action, `CURRENT/GOAL` (e.g. `18340/25000`), shown as "
        '"18,340 of 25,000" with a bar. Unset: no figure.',
    )
    cta_button_label: str = setting(
        "DIGEST_CTA_BUTTON_LABEL", "Join us", str, "Label of the call-to-action button."
    )
    cta_button_url: str | None = setting(
        "DIGEST_CTA_BUTTON_URL",
        "",
        parse.optional(parse.url("http", "https")),
        "Where the call-to-action button leads. Unset: no button.",
    )
    section_titles: tuple[tuple[str, str], ...] = setting(
        "DIGEST_SECTION_TITLES",
        "",
        parse.mapping,
        "Section titles by section name, `news=Top news;analysis=Analysis`; other sections keep their own.",
    )
    utm_source: str = setting(
        "DIGEST_UTM_SOURCE",
        "digest",
        str,
        "`utm_source` added to links to stories and the call to action. Empty: no UTM parameters.",
    )
    utm_medium: str = setting(
        "DIGEST_UTM_MEDIUM", "email", str, "`utm_medium` of email links (Telegram links get `telegram`)."
    )
    utm_campaign: str = setting(
        "DIGEST_UTM_CAMPAIGN",
        "{list}",
        str,
        "`utm_campaign`; `{list}` and `{date}` (YYYY-MM-DD) are filled in.",
    )
    utm_skip_domains: tuple[str, ...] = setting(
        "DIGEST_UTM_SKIP_DOMAINS",
        "",
        parse.hostlist,
        "Comma-separated domains whose links get no UTM parameters (subdomains included).",
    )
    track_clicks: bool = setting(
        "DIGEST_TRACK_CLICKS",
        "true",
        parse.boolean,
        "Story links go through our signed redirect (`/r/<token>`) that counts clicks; `false` links "
        "straight to the article.",
    )
    email_max_kb: int = setting(
        "DIGEST_EMAIL_MAX_KB",
        "90",
        parse.positive(int),
        "Size budget of an email's HTML in KB (1024 bytes), with room for each reader's links: "
        "summaries, then the lowest-ranked stories, are left out until it fits (Gmail clips at 102 KB).",
    )
    telegram_lead_photo: bool = setting(
        "DIGEST_TELEGRAM_LEAD_PHOTO",
        "false",
        parse.boolean,
        "Send the lead story's photo with a caption before the Telegram digest (`true`/`false`).",
    )
