"""Rendering: an edition's content becomes email HTML and text, a subject, Telegram messages.

``email``        the ``Renderer``: templates, CSS inlining, subject and preheader
``telegram``     Telegram HTML messages, split within ``digest.limits``; caption, buttons, keyboard
``html``         escaping and safe links for the HTML written by hand (Telegram, breaking news)
``branding``     what a newsroom configures: colours, logo, footer, call to action, titles
``budget``       keeping the HTML within the size budget (summaries, then stories, left out)
``personalize``  the per-recipient placeholders and how channels fill them
``sanitize``     the last cleaning of feed HTML before it is marked safe
``utm``          UTM parameters on outbound links

Templates are looked up first in ``templates_dir`` (``DIGEST_TEMPLATES_DIR``), then in the
bundled ``templates/`` folder, under the same relative names (``email/edition.html`` …).
"""

from digest.render.branding import Branding, CallToAction
from digest.render.budget import email_size
from digest.render.email import (
    BUNDLED_TEMPLATES,
    Renderer,
    inline_css,
    make_environment,
    preheader,
    subject_line,
    summary_html,
    summary_text,
)
from digest.render.personalize import PLACEHOLDERS, expansion_margin, personalize, substitutions
from digest.render.utm import Utm, with_utm

__all__ = [
    "BUNDLED_TEMPLATES",
    "PLACEHOLDERS",
    "Branding",
    "CallToAction",
    "Renderer",
    "Utm",
    "email_size",
    "expansion_margin",
    "inline_css",
    "make_environment",
    "personalize",
    "preheader",
    "subject_line",
    "substitutions",
    "summary_html",
    "summary_text",
    "with_utm",
]
