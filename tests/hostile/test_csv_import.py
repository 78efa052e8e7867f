"""Subscriber CSVs as they come from spreadsheets and old systems: what tests/test_csvio.py and
tests/test_cli.py do not cover. Every bad line is reported by number and nothing is imported."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from digest import csvio
from digest.cli import app
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction

HEADER = "email,telegram_chat_id,name,timezone,send_hour,topics,lists"


def read(*rows: str, encoding: str = "utf-8", prefix: bytes = b"") -> list[object]:
    return list(csvio.read_subscribers(prefix + "\n".join([HEADER, *rows]).encode(encoding), "subs.csv"))


def problems(data: bytes) -> list[str]:
    with pytest.raises(csvio.ImportProblems) as caught:
        csvio.read_subscribers(data, "subs.csv")
    return [str(p) for p in caught.value.problems]


def test_an_excel_utf8_file_with_a_byte_order_mark_reads_its_first_column() -> None:
    [sub] = read("ada@example.org,,Ада,Europe/Kyiv,7,,daily", prefix=b"\xef\xbb\xbf")
    assert sub.email == "ada@example.org" and sub.name == "Ада"  # type: ignore[attr-defined]


def test_a_utf16_file_is_refused_with_a_line_not_a_crash() -> None:
    data = "\n".join([HEADER, "ada@example.org,,Ada,UTC,7,,daily"]).encode("utf-16")
    found = problems(data)
    assert found and all(p.startswith("subs.csv") for p in found)


def test_a_duplicate_telegram_chat_names_the_first_line() -> None:
    data = "\n".join([HEADER, ",4242,One,UTC,7,,daily", ",4242,Two,UTC,7,,daily"]).encode()
    assert any("line 3" in p and "line 2" in p for p in problems(data))


def test_a_quoted_field_spanning_lines_keeps_the_line_numbers_of_the_file() -> None:
    data = "\n".join(
        [HEADER, 'a@example.org,,"Ann\nof two lines",UTC,7,,daily', "bad,,x,UTC,7,,daily"]
    ).encode()
    assert any(p.startswith("subs.csv, line 4:") for p in problems(data)), problems(data)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("a@example.org,,x,europe/kyiv,7,,daily", "time zone"),
        ("a@example.org,,x,UTC+3,7,,daily", "time zone"),
        ("a@example.org,,x,,7,,daily", None),  # an empty zone means UTC
        ("a@example.org,,x,UTC,-1,,daily", "send_hour"),
        ("a@example.org,,x,UTC,7.5,,daily", "send_hour"),
        ("a@example.org\x00,,x,UTC,7,,daily", "email"),
        ("a@@example.org,,x,UTC,7,,daily", "email"),
        ("a@example.org,,x,UTC,7,,daily,extra,columns", "more fields than the header"),
    ],
)
def test_zones_hours_and_addresses_are_checked_per_line(row: str, problem: str | None) -> None:
    data = "\n".join([HEADER, row]).encode()
    if problem is None:
        assert len(read(row)) == 1
        return
    found = problems(data)
    assert len(found) == 1 and found[0].startswith("subs.csv, line 2:") and problem in found[0], found


def test_a_file_with_good_and_bad_lines_imports_none_of_them_and_lists_every_bad_one(
    settings, tmp_path
) -> None:
    rows = [f"reader{n}@example.org,,R{n},UTC,7,,daily" for n in range(500)]
    rows[100] = "reader100@example.org,,R,Atlantis/Capital,7,,daily"
    rows[499] = "reader0@example.org,,Again,UTC,7,,daily"
    csv = tmp_path / "subs.csv"
    csv.write_text("\n".join([HEADER, *rows]) + "\n")
    result = CliRunner().invoke(app, ["subscribers", "import", str(csv)])
    assert result.exit_code == 1
    assert "subs.csv, line 102:" in result.output and "subs.csv, line 501:" in result.output
    with transaction(settings.database_url) as conn:
        assert subscriber_store.everyone(conn) == []


def test_importing_the_same_file_twice_updates_rather_than_duplicates(settings, tmp_path) -> None:
    csv = tmp_path / "subs.csv"
    csv.write_text("\n".join([HEADER, "ada@example.org,42,Ada,UTC,7,,daily"]) + "\n")
    runner = CliRunner()
    assert runner.invoke(app, ["subscribers", "import", str(csv)]).exit_code == 0
    csv.write_text("\n".join([HEADER, "ADA@example.org,42,Ada L.,Europe/Kyiv,8,,daily"]) + "\n")
    assert runner.invoke(app, ["subscribers", "import", str(csv)]).exit_code == 0
    with transaction(settings.database_url) as conn:
        everyone = subscriber_store.everyone(conn)
    assert [(s.email, s.name, s.timezone) for s in everyone] == [("ada@example.org", "Ada L.", "Europe/Kyiv")]
