"""The ledger's guarantees, on real SQL (SQLite, or PostgreSQL with DIGEST_TEST_DATABASE_URL)."""

from datetime import UTC, datetime, timedelta

import pytest

from digest.models import DeliveryState, RenderedEdition, Subscriber
from digest.store import editions, ledger
from digest.store import subscribers as subs
from digest.store.db import transaction

NOW = datetime(2026, 11, 26, 7, tzinfo=UTC)
RENDERED = RenderedEdition("s", "p", "<p>h</p>", "t", ("m",))


@pytest.fixture
def edition(db_url):
    with transaction(db_url) as conn:
        ids = [subs.save(conn, Subscriber(email=f"r{i}@example.org"), NOW)[0] for i in range(5)]
        list_pk = subs.ensure_list(conn, "daily", NOW)
        edition_id, _ = editions.get_or_create(conn, list_pk, "2026-11-26T07", "t", NOW)
        variant = editions.save_variant(conn, edition_id, "|after=0", RENDERED)
    return db_url, list_pk, edition_id, variant, ids


def row(list_pk, edition_id, variant, sub_id, period="daily:2026-11-26", channel="email"):
    return {
        "edition_id": edition_id,
        "list_id": list_pk,
        "subscriber_id": sub_id,
        "channel": channel,
        "address": f"r{sub_id}@example.org",
        "variant_id": variant,
        "period": period,
        "state": "pending",
        "attempts": 0,
        "parts_sent": 0,
        "updated_at": NOW,
    }


def test_adding_the_same_recipient_twice_keeps_one_row(edition):
    db_url, list_pk, edition_id, variant, ids = edition
    with transaction(db_url) as conn:
        assert ledger.add(conn, [row(list_pk, edition_id, variant, i) for i in ids]) == 5
        assert ledger.add(conn, [row(list_pk, edition_id, variant, i) for i in ids]) == 0
        assert ledger.counts(conn, [edition_id])["pending"] == 5


def test_a_second_edition_the_same_local_day_adds_no_row(edition):
    db_url, list_pk, edition_id, variant, ids = edition
    with transaction(db_url) as conn:
        ledger.add(conn, [row(list_pk, edition_id, variant, ids[0])])
        other, created = editions.get_or_create(conn, list_pk, "2026-11-26T08", "t", NOW)
        other_variant = editions.save_variant(conn, other, "|after=0", RENDERED)
        assert created
        assert ledger.add(conn, [row(list_pk, other, other_variant, ids[0])]) == 0


def test_the_same_slot_gives_the_same_edition(edition):
    db_url, list_pk, edition_id, _, _ = edition
    with transaction(db_url) as conn:
        again, created = editions.get_or_create(conn, list_pk, "2026-11-26T07", "t", NOW)
    assert (again, created) == (edition_id, False)


LEASE = timedelta(seconds=60)


def claim(db_url, ids, batch, at=NOW):
    with transaction(db_url) as conn:
        return ledger.claim(conn, ids, batch, at, reclaim_after=LEASE)


def test_two_batches_cannot_claim_the_same_rows(edition):
    db_url, list_pk, edition_id, variant, ids = edition
    with transaction(db_url) as conn:
        ledger.add(conn, [row(list_pk, edition_id, variant, i) for i in ids])
        delivery_ids = [d for d, _ in ledger.open_ids(conn, edition_id, "email")]
    first = claim(db_url, delivery_ids, "batch-a")
    second = claim(db_url, delivery_ids, "batch-b", NOW + timedelta(hours=1))
    assert len(first.rows) == 5 and second.rows == [] and second.busy == []


def test_a_redelivered_task_reclaims_rows_a_dead_run_left_in_flight_and_says_so(edition):
    db_url, list_pk, edition_id, variant, ids = edition
    with transaction(db_url) as conn:
        ledger.add(conn, [row(list_pk, edition_id, variant, i) for i in ids])
        delivery_ids = [d for d, _ in ledger.open_ids(conn, edition_id, "email")]
    claim(db_url, delivery_ids, "batch-a")
    with transaction(db_url) as conn:
        ledger.mark(conn, delivery_ids[:2], DeliveryState.SENT, NOW)
    again = claim(db_url, delivery_ids, "batch-a", NOW + LEASE * 2)  # the run died; the task came back
    assert again.reclaimed == 3
    assert [r.id for r in again.rows] == delivery_ids[2:]


def test_a_redelivered_task_leaves_rows_a_live_run_is_sending(edition):
    db_url, list_pk, edition_id, variant, ids = edition
    with transaction(db_url) as conn:
        ledger.add(conn, [row(list_pk, edition_id, variant, i) for i in ids])
        delivery_ids = [d for d, _ in ledger.open_ids(conn, edition_id, "email")]
    claim(db_url, delivery_ids, "batch-a")
    again = claim(db_url, delivery_ids, "batch-a", NOW + LEASE / 2)
    assert again.rows == [] and again.reclaimed == 0
    assert again.busy == delivery_ids


def test_release_returns_unreached_rows_for_the_retry(edition):
    db_url, list_pk, edition_id, variant, ids = edition
    with transaction(db_url) as conn:
        ledger.add(conn, [row(list_pk, edition_id, variant, i) for i in ids])
        delivery_ids = [d for d, _ in ledger.open_ids(conn, edition_id, "email")]
        taken = ledger.claim(conn, delivery_ids, "b", NOW, reclaim_after=LEASE)
        ledger.mark(conn, delivery_ids[:1], DeliveryState.SENT, NOW)
        ledger.mark(conn, delivery_ids[1:2], DeliveryState.FAILED, NOW, "bounced")
        still_open = ledger.release(conn, taken.rows, delivery_ids, NOW)
        found = ledger.counts(conn, [edition_id])
    assert still_open == delivery_ids[2:]
    assert (found["sent"], found["failed"], found["retrying"], found["sending"]) == (1, 1, 3, 0)


def test_retry_reopens_only_failed_rows(edition):
    db_url, list_pk, edition_id, variant, ids = edition
    with transaction(db_url) as conn:
        ledger.add(conn, [row(list_pk, edition_id, variant, i) for i in ids])
        delivery_ids = [d for d, _ in ledger.open_ids(conn, edition_id, "email")]
        ledger.mark(conn, delivery_ids[:3], DeliveryState.SENT, NOW)
        ledger.mark(conn, delivery_ids[3:], DeliveryState.FAILED, NOW, "503")
        assert ledger.reopen_failed(conn, edition_id, NOW) == 2
        assert [d for d, _ in ledger.open_ids(conn, edition_id, "email")] == delivery_ids[3:]


def test_a_late_failure_of_a_cut_off_run_does_not_reopen_rows_another_run_sent(edition):
    db_url, list_pk, edition_id, variant, ids = edition
    with transaction(db_url) as conn:
        ledger.add(conn, [row(list_pk, edition_id, variant, i) for i in ids])
        delivery_ids = [d for d, _ in ledger.open_ids(conn, edition_id, "email")]
    claim(db_url, delivery_ids, "batch-a")  # the run then loses its network mid-send
    again = claim(db_url, delivery_ids, "batch-a", NOW + LEASE * 2)  # the task came back elsewhere
    with transaction(db_url) as conn:
        ledger.mark(conn, [r.id for r in again.rows], DeliveryState.SENT, NOW + LEASE * 2)
        # the cut-off run's request times out once its network is back: it reports a retry
        ledger.mark(conn, delivery_ids, DeliveryState.RETRYING, NOW + LEASE * 3, "timed out")
        found = ledger.counts(conn, [edition_id])
        reopened = list(ledger.open_ids(conn, edition_id, "email"))
    assert found.get("sent") == 5 and found.get("retrying", 0) == 0
    assert reopened == []
