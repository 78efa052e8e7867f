"""The delivery platforms' limits on what one message or request may hold, declared once.

The renderers keep to them (``digest.render.telegram`` splits an edition into messages and
cuts captions; ``digest.pipeline.breaking`` cuts a breaking message) and the channels send
within them (``SendGridChannel.max_batch``). How fast we may send is the channels' own
business: ``TelegramChannel``'s class attributes and ``DIGEST_SENDGRID_RATE``.

Telegram's Bot API reference gives the text and caption lengths (sendMessage, sendPhoto),
counted in UTF-16 code units after entity parsing; past the 100th entity of a message
Telegram silently drops the formatting (links turn into plain text). SendGrid's v3 Mail Send
takes at most 1,000 personalizations per request.
"""

from __future__ import annotations

__all__ = [
    "SENDGRID_MAX_PERSONALIZATIONS",
    "TELEGRAM_MAX_CAPTION",
    "TELEGRAM_MAX_ENTITIES",
    "TELEGRAM_MAX_LENGTH",
]

TELEGRAM_MAX_LENGTH = 4096  # a message's text, UTF-16 units after entity parsing
TELEGRAM_MAX_CAPTION = 1024  # a photo's caption, UTF-16 units after entity parsing
TELEGRAM_MAX_ENTITIES = 100  # formatting entities (tags) Telegram keeps in one message
SENDGRID_MAX_PERSONALIZATIONS = 1000  # recipients of one Mail Send request
