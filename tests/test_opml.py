from pathlib import Path

import pytest

from digest.errors import ImportError_
from digest.opml import parse_opml

OPML = b"""<?xml version="1.0"?>
<opml version="2.0"><head><title>feeds</title></head><body>
  <outline text="Analysis" title="Analysis">
    <outline type="rss" text="Ledger" xmlUrl="https://ledger.example/rss" weight="1.5"/>
  </outline>
  <outline type="rss" title="Local" xmlUrl="feeds/local.xml" category="video"/>
</body></opml>"""


def test_it_reads_every_feed_with_section_weight_and_resolved_paths(tmp_path: Path):
    specs = parse_opml(OPML, "feeds.opml", local_dir=tmp_path)
    assert [(s.url, s.name, s.section, s.weight) for s in specs] == [
        ("https://ledger.example/rss", "Ledger", "analysis", 1.5),
        (str(tmp_path / "feeds/local.xml"), "Local", "video", 1.0),
    ]


def test_a_broken_file_is_named_with_its_line():
    with pytest.raises(ImportError_, match=r"feeds\.opml, line"):
        parse_opml(b"<opml><body><outline></body>", "feeds.opml")


def test_a_bad_weight_is_named():
    with pytest.raises(ImportError_, match="weight 'heavy'"):
        parse_opml(b'<opml><body><outline xmlUrl="https://x" weight="heavy"/></body></opml>', "f.opml")


def test_entity_declarations_are_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE o [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<opml><body><outline xmlUrl="https://x/&b;"/></body></opml>'
    )
    with pytest.raises(ImportError_, match=r"f\.opml, line 1: entity declarations are not allowed"):
        parse_opml(bomb, "f.opml")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "/etc/passwd",
        "feeds/local.xml",
        "../secret.xml",
        "ftp://x.example/f",
        "http:///x",
    ],
)
def test_an_imported_opml_may_only_add_http_feeds_and_the_error_names_the_outline(url: str):
    data = f'<opml><body>\n<outline title="Sneaky" xmlUrl="{url}"/></body></opml>'.encode()
    with pytest.raises(ImportError_, match=r"f.opml, line 2: outline 'Sneaky': .* not an http\(s\) URL"):
        parse_opml(data, "f.opml")


def test_the_bundled_sample_may_not_reach_outside_its_own_folder(tmp_path: Path):
    for url in ("../outside.xml", "/etc/passwd", "file:///etc/passwd"):
        data = f'<opml><body><outline title="Out" xmlUrl="{url}"/></body></opml>'.encode()
        with pytest.raises(ImportError_, match="outline 'Out'"):
            parse_opml(data, "f.opml", local_dir=tmp_path)
