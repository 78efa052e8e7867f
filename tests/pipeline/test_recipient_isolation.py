"""One recipient's data cannot fail the others at send time: whatever a stored row holds
(a name with CR/LF, an address no message can carry), that row fails alone with its reason
and the rest of its batch goes out — through the outbox and through SendGrid."""

from __future__ import annotations

from collections.abc import Sequence
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import select, update

from digest import pipeline
from digest.channels.base import Envelope
from digest.channels.outbox import OutboxEmail
from digest.channels.registry import CHANNELS
from digest.models import Recipient, Subscriber
from digest.pipeline import delivering
from digest.store.db import transaction
from digest.store.tables import deliveries, subscribers
from tests.conftest import make_settings
from tests.fakes import FakeSendGrid
from tests.pipeline.conftest import NOW


@pytest.fixture(autouse=True)
def fresh_channels():
    delivering.channel_for.cache_clear()
    yield
    delivering.channel_for.cache_clear()


def store_raw(db_url: str, sub_id: int, **values: str) -> None:
    """Write a subscriber's fields as they might sit in an old database, unchecked."""
    with transaction(db_url) as conn:
        conn.execute(update(subscribers).where(subscribers.c.id == sub_id).values(**values))


def rows(db_url: str, edition_id: int) -> dict[str, tuple[str, str | None]]:
    with transaction(db_url) as conn:
        query = select(deliveries.c.address, deliveries.c.state, deliveries.c.last_error)
        found = conn.execute(query.where(deliveries.c.edition_id == edition_id))
        return {address: (state, error) for address, state, error in found}


def plan_and_send(settings) -> int:
    plan = pipeline.plan_send("daily", settings, now=NOW, manual=True)
    assert plan.edition_id is not None and len(plan.batches) == 1, "one batch for everyone"
    channel, ids = plan.batches[0]
    result = pipeline.send_batch(plan.edition_id, channel, ids, "one-batch", settings)
    assert not result.retry
    return plan.edition_id


def readers(world, n: int) -> list[int]:
    return world.subscribe(*(Subscriber(email=f"r{i}@example.org", name=f"Reader {i}") for i in range(n)))


def test_a_name_with_line_breaks_neither_breaks_its_email_nor_stops_the_batch(world, db_url, tmp_path):
    settings = make_settings(db_url, tmp_path)
    world.add_items(3)
    ids = readers(world, 3)
    store_raw(db_url, ids[1], name="Eve\r\nBcc: everyone@evil.example")
    edition = plan_and_send(settings)
    assert {state for state, _ in rows(db_url, edition).values()} == {"sent"}
    eml = Path(settings.outbox_dir) / "email" / str(edition) / f"{ids[1]}.eml"
    msg = message_from_bytes(eml.read_bytes(), policy=default)
    assert msg["Bcc"] is None and msg["To"].addresses[0].display_name == "Eve Bcc: everyone@evil.example"


def test_an_address_no_email_can_carry_fails_its_row_alone_in_the_outbox(world, db_url, tmp_path):
    settings = make_settings(db_url, tmp_path)
    world.add_items(3)
    ids = readers(world, 3)
    store_raw(db_url, ids[1], email="r1@example.org\r\nBcc: x@evil.example")
    edition = plan_and_send(settings)
    found = rows(db_url, edition)
    bad = found.pop("r1@example.org\r\nBcc: x@evil.example")
    assert bad[0] == "failed" and "cannot build the email" in (bad[1] or "")
    assert {state for state, _ in found.values()} == {"sent"}
    assert len(list((Path(settings.outbox_dir) / "email" / str(edition)).glob("*.eml"))) == 2


def test_a_recipient_sendgrid_refuses_fails_alone_and_the_batch_goes_out(world, db_url, tmp_path):
    world.add_items(3)
    ids = readers(world, 4)
    store_raw(db_url, ids[2], email="not an address")
    with FakeSendGrid() as fake:
        settings = make_settings(
            db_url,
            tmp_path,
            DIGEST_EMAIL_CHANNEL="sendgrid",
            SENDGRID_API_KEY=fake.api_key,
            DIGEST_SENDGRID_API_URL=fake.url,
        )
        edition = plan_and_send(settings)
        accepted = fake.accepted_recipients()
    found = rows(db_url, edition)
    state, error = found.pop("not an address")
    assert state == "failed" and "not an address" in (error or "") and "valid address" in (error or "")
    assert {state for state, _ in found.values()} == {"sent"}
    assert sorted(accepted) == sorted(found), "everyone else got the email once"


class _Picky(OutboxEmail):
    """An outbox that trips over one recipient with an error no channel plans for."""

    def deliver(self, envelope: Envelope, recipients: Sequence[Recipient]) -> None:
        if any(r.address.startswith("r2@") for r in recipients):
            raise RuntimeError("unexpected data")
        super().deliver(envelope, recipients)


def test_an_unexpected_error_is_traced_to_its_recipient_and_fails_that_row_alone(
    world, db_url, tmp_path, monkeypatch
):
    settings = make_settings(db_url, tmp_path)
    world.add_items(3)
    readers(world, 5)
    monkeypatch.setitem(CHANNELS, "outbox-email", _Picky)  # what DIGEST_EMAIL_CHANNEL=outbox builds
    edition = plan_and_send(settings)
    found = rows(db_url, edition)
    assert found.pop("r2@example.org") == ("failed", "RuntimeError: unexpected data")
    assert {state for state, _ in found.values()} == {"sent"}
