import pytest

from digest import csvio

HEADER = "email,telegram_chat_id,name,timezone,send_hour,topics,lists"


def read(*rows: str):
    return csvio.read_subscribers(("\n".join([HEADER, *rows]) + "\n").encode(), "subs.csv")


def test_a_good_file_reads_every_column_and_keeps_extra_ones_as_attributes():
    data = (
        HEADER + ",plan\nA@Example.org,123,Ann,Europe/Kyiv,8,news; Analysis,daily;breaking,gold\n"
    ).encode()
    (sub,) = csvio.read_subscribers(data, "subs.csv")
    assert sub.email == "a@example.org"
    assert sub.telegram_chat_id == "123"
    assert sub.timezone == "Europe/Kyiv" and sub.send_hour == 8
    assert sub.topics == ("news", "analysis")
    assert sub.lists == ("daily", "breaking")
    assert sub.attributes == {"plan": "gold"}


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("not-an-email,,x,UTC,7,,daily", "invalid email address"),
        ("a@example.org,,x,Mars/Olympus,7,,daily", "unknown time zone 'Mars/Olympus'"),
        ("a@example.org,,x,UTC,25,,daily", "send_hour"),
        (",,x,UTC,7,,daily", "needs an email or a telegram_chat_id"),
        (",chat-abc,x,UTC,7,,daily", "invalid telegram_chat_id"),
    ],
)
def test_a_bad_row_is_reported_with_its_line_number(row, problem):
    with pytest.raises(csvio.ImportProblems) as caught:
        read("ok@example.org,,x,UTC,7,,daily", row)
    (only,) = caught.value.problems
    assert only.line == 3
    assert problem in str(only)
    assert str(only).startswith("subs.csv, line 3:")


def test_every_bad_line_is_reported_not_just_the_first():
    with pytest.raises(csvio.ImportProblems) as caught:
        read("bad,,x,UTC,7,,daily", "ok@example.org,,x,UTC,7,,daily", "also-bad,,x,UTC,7,,daily")
    assert [p.line for p in caught.value.problems] == [2, 4]


def test_a_duplicate_address_names_the_first_line():
    with pytest.raises(csvio.ImportProblems, match="already appears on line 2"):
        read("a@example.org,,x,UTC,7,,daily", "A@example.org,,y,UTC,7,,daily")


def test_a_file_that_is_not_utf8_is_refused_with_the_line():
    data = (HEADER + "\nok@example.org,,Ann,UTC,7,,daily\nb@example.org,,Br\xfcno,UTC,7,,daily\n").encode(
        "latin-1"
    )
    with pytest.raises(csvio.ImportProblems, match="line 3: not UTF-8"):
        csvio.read_subscribers(data, "subs.csv")


def test_missing_columns_are_named():
    with pytest.raises(csvio.ImportProblems, match=r"missing column.*timezone"):
        csvio.read_subscribers(b"email,name\na@example.org,A\n", "subs.csv")


def test_export_then_import_gives_the_same_subscribers():
    subs = read("a@example.org,42,Ann,Europe/Kyiv,6,news,daily", ",@kyivchannel,Channel,UTC,7,,breaking")
    again = csvio.read_subscribers(csvio.write_subscribers(subs).encode(), "export.csv")
    assert [(s.email, s.telegram_chat_id, s.topics, s.lists, s.send_hour) for s in again] == [
        (s.email, s.telegram_chat_id, s.topics, s.lists, s.send_hour) for s in subs
    ]
