"""The one retry policy, pure: backoff, attempts, maximum age per edition kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digest.retry import BREAKING, DIGEST, RetryPolicy, edition_kind

START = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=4, digest_max_age=timedelta(hours=6), breaking_max_age=timedelta(hours=1))


def test_backoff_doubles_from_the_first_wait_up_to_the_longest():
    waits = [POLICY.backoff(n, jitter=1.0) for n in range(1, 12)]
    assert waits[:4] == [5.0, 10.0, 20.0, 40.0]
    assert max(waits) == POLICY.longest_wait and waits == sorted(waits)


@pytest.mark.parametrize("jitter", [0.0, 0.3, 0.999])
def test_backoff_is_jittered_within_half_and_all_of_its_ceiling(jitter):
    assert 2.5 <= POLICY.backoff(1, jitter=jitter) <= 5.0
    assert POLICY.backoff(3, jitter=jitter) == pytest.approx(20.0 * (0.5 + 0.5 * jitter))


def test_a_transient_failure_is_retried_after_the_backoff():
    decision = POLICY.decide(attempts=2, started=START, kind=DIGEST, now=START, error="503", jitter=1.0)
    assert decision.retry and decision.wait == 10.0


def test_a_row_is_given_up_after_its_last_attempt_with_a_reason_that_says_so():
    now = START + timedelta(minutes=90)
    decision = POLICY.decide(
        attempts=4, started=START, kind=DIGEST, now=now, error="sendgrid: 503 from the API"
    )
    assert not decision.retry
    assert decision.reason == "gave up after 4 attempts over 1.5 h: last error sendgrid: 503 from the API"


def test_a_wait_the_provider_asked_for_is_not_a_failed_attempt():
    decision = POLICY.decide(attempts=9, started=START, kind=DIGEST, now=START, error="429", retry_after=30.0)
    assert decision.retry and decision.wait == 30.0


@pytest.mark.parametrize(
    ("kind", "hours", "retried"),
    [
        (DIGEST, 5.9, True),
        (DIGEST, 6.0, False),
        (BREAKING, 0.9, True),
        (BREAKING, 1.0, False),
    ],
)
def test_nothing_is_tried_after_its_edition_kinds_maximum_age(kind, hours, retried):
    now = START + timedelta(hours=hours)
    decision = POLICY.decide(attempts=1, started=START, kind=kind, now=now, error="timeout", jitter=1.0)
    assert decision.retry is retried
    assert POLICY.expired(START, kind, now) is not retried


def test_a_retry_that_would_land_after_the_deadline_is_given_up_now():
    now = START + timedelta(hours=6) - timedelta(seconds=1)
    decision = POLICY.decide(attempts=1, started=START, kind=DIGEST, now=now, error="x", retry_after=60.0)
    assert not decision.retry and decision.reason.startswith("gave up after 1 attempt over 6.0 h")


def test_breaking_editions_are_told_apart_by_their_slot():
    assert edition_kind("breaking-3f2a") == BREAKING
    assert edition_kind("2026-12-01T07") == DIGEST and edition_kind("manual-ab12") == DIGEST


def test_the_database_wait_grows_and_is_capped():
    waits = [POLICY.database_wait(n) for n in range(10)]
    assert waits[0] == 0.5 and waits == sorted(waits) and waits[-1] == POLICY.database_longest_wait


def test_only_a_short_provider_wait_is_sat_out_in_place():
    assert POLICY.waits_in_place(3.0) and not POLICY.waits_in_place(POLICY.in_place_wait + 1)
