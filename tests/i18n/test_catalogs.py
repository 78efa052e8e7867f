"""The catalogs: every reader-facing template string can be translated, and Ukrainian has them all.

The template check parses each reader template (email and web, not the editors' desk), drops
markup, Jinja statements, expressions, comments and ``{% trans %}`` blocks, and fails on any
letters left over: words there would reach readers in English whatever their list's language.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from digest.i18n import LANGUAGES, LOCALE_DIR
from digest.render import BUNDLED_TEMPLATES

ROOT = BUNDLED_TEMPLATES.parent
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "translate": (2,),
    "translate_plural": (2, 3),
}
READER_TEMPLATES = sorted(
    path
    for pattern in ("email/*.html", "email/*.txt", "web/*.html", "web/*.txt")
    for path in BUNDLED_TEMPLATES.glob(pattern)
)
TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*[-+]?%}", re.DOTALL)
JINJA = re.compile(r"{#.*?#}|{%.*?%}|{{.*?}}", re.DOTALL)
# What is not words for a reader: styles, scripts, Outlook conditionals, tags, entities.
NOT_TEXT = re.compile(
    r"<style.*?</style>|<script.*?</script>|<!--.*?-->|<[^>]*>|&[#\w]+;", re.DOTALL | re.IGNORECASE
)
# Left-over fragments that are punctuation or layout, not language.
ALLOWED = {"Atom", "JSON", "Feed", "UTC"}  # names, not words to translate


# Attributes a reader sees or hears: kept as text when the tags go.
SPOKEN_ATTRIBUTE = re.compile(r'\b(?:alt|title|placeholder|aria-label)="([^"]*)"')


# A word in quotes inside {{ … }} is printed as is ({{ "story" if n == 1 else "stories" }});
# class names, paths and formats ("headline-link", "%H:%M") have other characters in them.
OUTPUT = re.compile(r"{{(.*?)}}", re.DOTALL)
GETTEXT_CALL = re.compile(r"""\b_\(\s*(?:"[^"]*"|'[^']*')""")
WORDS_IN_QUOTES = re.compile(r"""["']([^\W\d_][^\W\d_ ]*(?: [^\W\d_]+)*)["']""")


def printed_literals(template: str) -> list[str]:
    return [
        word
        for expression in OUTPUT.findall(template)
        for literal in WORDS_IN_QUOTES.findall(GETTEXT_CALL.sub("_(", expression))
        for word in literal.split()
        if len(word) > 1
    ]


def untranslatable_words(template: str) -> list[str]:
    text = TRANS_BLOCK.sub(" ", template)
    literals = printed_literals(text)
    text = JINJA.sub(" ", text)
    text = SPOKEN_ATTRIBUTE.sub(lambda m: f"> {m.group(1)} <", text)
    text = NOT_TEXT.sub(" ", text)
    words = re.findall(r"[^\W\d_]{2,}", text) + literals
    return [word for word in words if word not in ALLOWED]


def catalog(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "digest.po").open("rb") as source:
        return read_po(source, locale=language)


def extracted_msgids() -> set[str]:
    """What ``pybabel extract -F babel.cfg`` finds now, in Python and the reader templates."""
    method_map = [
        ("digest/**.py", "python"),
        ("templates/web/editor/**", "ignore"),
        ("templates/email/**.html", "jinja2"),
        ("templates/email/**.txt", "jinja2"),
        ("templates/web/*.html", "jinja2"),
        ("templates/web/*.txt", "jinja2"),
    ]
    options = {pattern: {"trimmed": "true"} for pattern, method in method_map if method == "jinja2"}
    found = extract_from_dir(str(ROOT), method_map, options, keywords=KEYWORDS)
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


@pytest.mark.parametrize("path", READER_TEMPLATES, ids=lambda p: str(p.relative_to(BUNDLED_TEMPLATES)))
def test_every_word_in_a_reader_template_goes_through_gettext(path: Path) -> None:
    assert untranslatable_words(path.read_text(encoding="utf-8")) == []


def test_the_template_check_catches_a_bare_word_and_lets_wrapped_ones_pass() -> None:
    assert untranslatable_words('<p class="x">Unsubscribe</p>') == ["Unsubscribe"]
    assert (
        untranslatable_words('<p>{{ _("Unsubscribe") }} {% trans n=1 %}Hello {{ n }}{% endtrans %}</p>') == []
    )
    assert untranslatable_words("<style>.a { color: red }</style>{# a note #}{{ name }}") == []
    assert untranslatable_words('<input placeholder="Your email">') == ["Your", "email"]
    assert untranslatable_words('{{ n }} {{ "story" if n == 1 else "stories" }}') == ["story", "stories"]
    assert untranslatable_words('{{ headline(item, "headline-link") }} {{ _("Video") }}') == []


def test_there_are_reader_templates_to_check() -> None:
    names = {p.name for p in READER_TEMPLATES}
    assert {"edition.html", "edition.txt", "_story.html", "breaking.html", "unsubscribe.html"} <= names
    assert not any("editor" in p.parts for p in READER_TEMPLATES)


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_msgid_has_a_translation(language: str) -> None:
    untranslated = [
        message.id
        for message in catalog(language)
        if message.id and not (all(message.string) if isinstance(message.string, tuple) else message.string)
    ]
    assert untranslated == []


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_the_catalog_holds_every_string_the_code_and_templates_mark(language: str) -> None:
    marked = extracted_msgids()
    assert "Unsubscribe" in marked and "Read the full edition" in marked  # the extraction works
    in_catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(language) if m.id}
    assert sorted(marked - in_catalog) == []


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_translations_keep_the_fields_of_their_msgid(language: str) -> None:
    field = re.compile(r"%\(\w+\)s")
    for message in catalog(language):
        if not message.id:
            continue
        wanted = sorted(field.findall(message.id if isinstance(message.id, str) else message.id[-1]))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            assert sorted(field.findall(string)) == wanted, message.id
