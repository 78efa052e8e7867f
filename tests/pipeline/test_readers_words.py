"""What each reader reads in the emails we send them: a breaking email's time in their own
zone and their list's language, a greeting by first name or none, and list titles, never
machine names — through the real send path (ledger, send_batch, outbox and fake SendGrid)."""

from __future__ import annotations

import email
import uuid
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import pytest

from digest import pipeline
from digest.models import Subscriber
from digest.pipeline import breaking
from digest.pipeline.delivering import send_batch
from digest.pipeline.planning import SendPlan
from digest.render.personalize import greeting, local_time
from digest.store import editions as edition_store
from digest.store import languages as language_store
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from tests.conftest import make_settings
from tests.fakes import FakeSendGrid
from tests.pipeline.conftest import NOW as MORNING

NEWS = breaking.news_from_text("Dam breached near Kherson", "https://wire.example.org/dam", "Water rising.")
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def readers(settings, *people: tuple[str, str, str]) -> dict[str, int]:
    """(email, name, zone) on the breaking list titled "Alerts"; email -> subscriber id."""
    ids = {}
    with transaction(settings.database_url) as conn:
        subscriber_store.ensure_list(conn, "breaking", NOW, title="Alerts")
        for address, name, zone in people:
            sub = Subscriber(email=address, name=name, timezone=zone, lists=("breaking",))
            ids[address], _ = subscriber_store.save(conn, sub, NOW)
    return ids


def send_now(settings) -> breaking.BreakingSend:
    def dispatch(plan: SendPlan) -> None:
        for channel, ids in plan.batches:
            send_batch(plan.edition_id or 0, channel, ids, uuid.uuid4().hex, settings)

    return breaking.send_breaking(settings, NEWS, "breaking", dispatch, actor="test", audiences=["email"])


def outbox_parts(settings, edition_id: int, sub_id: int) -> tuple[str, str]:
    path = Path(settings.outbox_dir) / "email" / str(edition_id) / f"{sub_id}.eml"
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    return str(text), str(html)


def test_each_reader_reads_the_breaking_time_in_their_own_zone(settings):
    ids = readers(
        settings, ("kyiv@example.org", "Olena", "Europe/Kyiv"), ("ny@example.org", "Sam", "America/New_York")
    )
    sent = send_now(settings)
    moment = _sent_at(settings, sent.edition_id)

    kyiv_text, kyiv_html = outbox_parts(settings, sent.edition_id, ids["kyiv@example.org"])
    ny_text, ny_html = outbox_parts(settings, sent.edition_id, ids["ny@example.org"])
    kyiv, ny = local_time(moment, "Europe/Kyiv", "en"), local_time(moment, "America/New_York", "en")
    assert kyiv != ny and "(Kyiv)" in kyiv and "(New York)" in ny
    assert kyiv in kyiv_text and kyiv in kyiv_html and ny not in kyiv_text
    assert ny in ny_text and ny in ny_html and kyiv not in ny_text
    assert "UTC" not in kyiv_text + ny_text


def test_the_breaking_time_is_in_the_lists_language(settings):
    ids = readers(settings, ("kyiv@example.org", "Олена", "Europe/Kyiv"))
    with transaction(settings.database_url) as conn:
        language_store.set_language(conn, "breaking", "uk")
    sent = send_now(settings)
    text, _ = outbox_parts(settings, sent.edition_id, ids["kyiv@example.org"])
    assert local_time(_sent_at(settings, sent.edition_id), "Europe/Kyiv", "uk") in text
    assert "(Київ)" in text and "грудня" in text


def test_sendgrid_gets_one_request_with_each_zones_time_as_a_substitution(db_url, tmp_path):
    with FakeSendGrid() as fake:
        settings = make_settings(
            db_url,
            tmp_path,
            DIGEST_EMAIL_CHANNEL="sendgrid",
            SENDGRID_API_KEY=fake.api_key,
            DIGEST_SENDGRID_API_URL=fake.url,
        )
        readers(
            settings,
            ("kyiv@example.org", "Olena", "Europe/Kyiv"),
            ("lviv@example.org", "Taras", "Europe/Kyiv"),
            ("ny@example.org", "Sam", "America/New_York"),
        )
        sent = send_now(settings)
        moment = _sent_at(settings, sent.edition_id)
        assert fake.accepted == 1  # one batch, one request: the zones did not split it
        times = {d.email: dict(d.substitutions)["-local_time-"] for d in fake.deliveries()}
        assert times == {
            "kyiv@example.org": local_time(moment, "Europe/Kyiv", "en"),
            "lviv@example.org": local_time(moment, "Europe/Kyiv", "en"),
            "ny@example.org": local_time(moment, "America/New_York", "en"),
        }
        assert "-local_time_html-" in fake.last_body["content"][1]["value"]


def test_the_breaking_email_names_the_lists_title_not_its_machine_name(settings):
    ids = readers(settings, ("kyiv@example.org", "Olena", "Europe/Kyiv"))
    sent = send_now(settings)
    text, html = outbox_parts(settings, sent.edition_id, ids["kyiv@example.org"])
    assert "you subscribed to Alerts from" in text and "you subscribed to Alerts from" in html
    assert "subscribed to breaking" not in text + html


@pytest.mark.parametrize(
    ("name", "language", "expected"),
    [
        ("Olena Kovalenko", "en", "Hello, Olena."),
        ("  Olena   Kovalenko ", "en", "Hello, Olena."),
        ("Олена Коваленко", "uk", "Вітаємо, Олена."),
        ("", "en", ""),
        ("   ", "uk", ""),
    ],
)
def test_the_greeting_is_by_first_name_or_none(name, language, expected):
    assert greeting(name, language) == expected


def _sent_at(settings, edition_id: int) -> datetime:
    with transaction(settings.database_url) as conn:
        timing = edition_store.timing(conn, edition_id)
    assert timing is not None
    return timing[0]


# --- the digest -------------------------------------------------------------------------------


def digest_email(settings, plan, sub_id: int) -> tuple[str, str]:
    for channel, ids in plan.batches:
        assert not send_batch(plan.edition_id, channel, ids, f"b-{channel}-{ids[0]}", settings).retry
    return outbox_parts(settings, plan.edition_id, sub_id)


def test_the_digest_greets_by_first_name_and_names_the_lists_title(world, settings):
    world.add_items(3)
    world.subscribe(Subscriber(email="olena@example.org", name="Olena Kovalenko", timezone="Europe/Kyiv"))
    with transaction(settings.database_url) as conn:
        sub = subscriber_store.find(conn, email="olena@example.org")
        title = next(t for _, n, t, _ in subscriber_store.all_lists(conn) if n == "daily")
    assert sub is not None and sub.id is not None and title != "daily"
    text, html = digest_email(settings, pipeline.plan_send("daily", settings, now=MORNING), sub.id)
    assert "Hello, Olena." in text and "Hello, Olena." in html
    assert "Kovalenko" not in html.split("<body", 1)[1]  # the To: header may carry it, the body not
    assert f"you subscribed to {title} from" in text and f"you subscribed to {title} from" in html
    assert "subscribed to daily" not in text + html


def test_a_reader_without_a_name_gets_no_greeting_line(world, settings):
    world.add_items(3)
    world.subscribe(Subscriber(email="anon@example.org", timezone="Europe/Kyiv"))
    with transaction(settings.database_url) as conn:
        sub = subscriber_store.find(conn, email="anon@example.org")
    assert sub is not None and sub.id is not None
    text, html = digest_email(settings, pipeline.plan_send("daily", settings, now=MORNING), sub.id)
    assert "Hello" not in text and "Hello" not in html  # neither "Hello, ." nor "Hello, reader."


def test_the_web_view_of_a_breaking_edition_states_its_time_in_utc(settings):
    from digest.pipeline import archive

    readers(settings, ("kyiv@example.org", "Olena", "Europe/Kyiv"))
    sent = send_now(settings)
    page = archive.web_view(settings, sent.edition_id)
    assert page is not None
    assert local_time(_sent_at(settings, sent.edition_id), "UTC", "en") in page  # a page is anyone's
    assert "(Kyiv)" not in page and "-local_time-" not in page
