"""Issue 11: what a CSV file cannot do to the data — inject formulas into an editor's
spreadsheet, swallow rows through a stray quote, smuggle control characters into names, or
crash the import with an oversized field."""

from __future__ import annotations

import csv
import io

import pytest
from typer.testing import CliRunner

from digest import csvio
from digest.cli import app, context
from digest.models import Subscriber
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction

HEADER = "email,telegram_chat_id,name,timezone,send_hour,topics,lists"
runner = CliRunner()


@pytest.fixture(autouse=True)
def fresh_context():
    context._ready = False
    yield
    context._ready = False


def problems(data: bytes) -> list[str]:
    with pytest.raises(csvio.ImportProblems) as caught:
        csvio.read_subscribers(data, "subs.csv")
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("https://evil.example")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tTab", "\rCR"],
)
def test_an_exported_cell_a_spreadsheet_would_run_starts_with_a_quote(name: str) -> None:
    exported = csvio.write_subscribers([Subscriber(email="a@example.org", name=name)])
    [row] = list(csv.DictReader(io.StringIO(exported, newline="")))
    assert row["name"] == "'" + name


def test_an_attribute_and_a_list_cell_are_neutralised_as_well() -> None:
    sub = Subscriber(email="a@example.org", attributes={"company": "=1+1"})
    [row] = list(csv.DictReader(io.StringIO(csvio.write_subscribers([sub]))))
    assert row["company"] == "'=1+1"


def test_a_channel_chat_id_stays_a_plain_negative_number() -> None:
    sub = Subscriber(telegram_chat_id="-1001234567890", name="Desk")
    [row] = list(csv.DictReader(io.StringIO(csvio.write_subscribers([sub]))))
    assert row["telegram_chat_id"] == "-1001234567890"


def test_an_export_with_neutralised_cells_imports_back_to_the_same_values() -> None:
    subs = [Subscriber(email="a@example.org", name="=cmd", attributes={"note": "@home"})]
    [back] = csvio.read_subscribers(csvio.write_subscribers(subs).encode(), "export.csv")
    assert back.name == "=cmd" and back.attributes["note"] == "@home"


def test_a_stray_quote_refuses_the_file_naming_its_line_instead_of_swallowing_rows() -> None:
    data = "\n".join(
        [
            HEADER,
            "a@example.org,,Ann,UTC,7,,daily",
            'b@example.org,,"Bob,UTC,7,,daily',
            "c@example.org,,Cy,UTC,7,,daily",
            "d@example.org,,Di,UTC,7,,daily",
        ]
    ).encode()
    found = problems(data)
    assert any(p.startswith("subs.csv, line 3:") and "quote" in p for p in found), found


def test_a_quote_in_the_middle_of_a_field_refuses_the_file_naming_its_line() -> None:
    data = "\n".join(
        [HEADER, "a@example.org,,Ann,UTC,7,,daily", 'b@example.org,,"Bob"by,UTC,7,,daily']
    ).encode()
    found = problems(data)
    assert len(found) == 1 and found[0].startswith("subs.csv, line 3:") and "quote" in found[0]


def test_a_field_over_the_csv_limit_is_a_problem_naming_its_line() -> None:
    huge = "x" * (csv.field_size_limit() + 10)
    data = "\n".join(
        [HEADER, "a@example.org,,Ann,UTC,7,,daily", f'b@example.org,,"{huge}",UTC,7,,daily']
    ).encode()
    found = problems(data)
    assert found[-1].startswith("subs.csv, line 3:") and "longer than" in found[-1]


@pytest.mark.parametrize("name", ["Ann\r\nBcc: x@evil.example", "Ann\x00", "Ann\x1b[31m", "Ann\u2028B"])
def test_a_name_with_a_control_character_is_refused_naming_the_field(name: str) -> None:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER.split(","), ["a@example.org", "", name, "UTC", "7", "", "daily"]])
    [problem] = problems(out.getvalue().encode())
    assert "line 2" in problem and "name" in problem


def test_the_cli_import_of_a_file_with_a_stray_quote_imports_nothing_and_exits_non_zero(settings, tmp_path):
    path = tmp_path / "subs.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                "a@example.org,,Ann,UTC,7,,daily",
                'b@example.org,,"Bob,UTC,7,,daily',
                "c@example.org,,Cy,UTC,7,,daily",
            ]
        )
    )
    result = runner.invoke(app, ["subscribers", "import", str(path)])
    assert result.exit_code != 0 and "line 3" in result.output
    assert "Traceback" not in result.output
    with transaction(settings.database_url) as conn:
        assert subscriber_store.everyone(conn) == []


def test_the_cli_import_of_an_oversized_field_says_which_line_in_one_error(settings, tmp_path):
    path = tmp_path / "subs.csv"
    path.write_text("\n".join([HEADER, f'a@example.org,,"{"y" * 200_000}",UTC,7,,daily']))
    result = runner.invoke(app, ["subscribers", "import", str(path)])
    assert result.exit_code != 0 and "line 2" in result.output and "Traceback" not in result.output
