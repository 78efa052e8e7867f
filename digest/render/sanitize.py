"""A last sanitizing pass over feed HTML before it goes into an email.

``digest.collect`` already cleans every summary with nh3 before it is stored. The renderer
cleans again, with a smaller allow-list, because it is the one place that marks HTML safe:
a row written by an older version, by hand or by a bug upstream must not reach a reader's
inbox as markup. Images are dropped (the email shows only the lead photo, with its size),
relative and non-web links are dropped, outbound links get their UTM parameters.
"""

from __future__ import annotations

from collections.abc import Callable

import nh3
from markupsafe import Markup

__all__ = ["EMAIL_SUMMARY_TAGS", "clean_summary"]

# fmt: off
EMAIL_SUMMARY_TAGS = frozenset({
    "a", "b", "strong", "i", "em", "br", "p", "ul", "ol", "li", "blockquote", "q", "cite", "code",
    "sub", "sup",
})
_DROP_WITH_CONTENT = frozenset({
    "script", "style", "noscript", "iframe", "object", "embed", "template", "svg", "math", "title",
    "textarea", "select", "figure", "figcaption", "video", "audio", "form", "button",
})
# fmt: on


def clean_summary(markup: str, tag_link: Callable[[str], str] = lambda url: url) -> Markup:
    """``markup`` reduced to simple text formatting and absolute http(s) links, marked safe."""

    def keep(element: str, attribute: str, value: str) -> str | None:
        if element == "a" and attribute == "href":
            return tag_link(value)
        return value

    cleaned = nh3.clean(
        markup,
        tags=set(EMAIL_SUMMARY_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={"a": {"href"}},
        attribute_filter=keep,
        url_schemes={"http", "https"},
        url_relative="deny",
        link_rel="noopener",
        strip_comments=True,
    )
    return Markup(cleaned.strip())  # nh3's output is safe by construction
