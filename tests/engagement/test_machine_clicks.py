"""The machine-click rules (digest.machine_clicks): one table row per rule, and a mixed
synthetic stream of readers and machines classified with at least 95 % precision and recall."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from digest.machine_clicks import BURST_SECONDS, Click, ClickRequest, classify, request_reason

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
T0 = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


def request(method="GET", agent=CHROME, headers=None, after=120.0, trap=False) -> ClickRequest:
    return ClickRequest(method, agent, headers or {}, after, trap)


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        (request(), None),
        (request(agent=IPHONE, after=3600), None),
        (request(after=None), None),  # acceptance unknown: not held against the reader
        (request(method="HEAD"), "head"),
        (request(headers={"sec-purpose": "prefetch;prerender"}), "prefetch"),
        (request(headers={"purpose": "prefetch"}), "prefetch"),
        (request(headers={"x-moz": "prefetch"}), "prefetch"),
        (request(headers={"x-purpose": "preview"}), "prefetch"),
        (request(agent="Mozilla/5.0 (compatible; Barracuda Sentinel (EE))"), "scanner"),
        (request(agent="Mimecast Url Protect"), "scanner"),
        (request(agent="TelegramBot (like TwitterBot)"), "scanner"),
        (request(agent="python-requests/2.32"), "scanner"),
        (request(agent="Mozilla/5.0 HeadlessChrome/120.0"), "scanner"),
        (request(agent=""), "scanner"),
        (request(after=3.0), "too_soon"),
        (request(after=9.9), "too_soon"),
        (request(after=10.0), None),
        (request(trap=True), "trap"),
    ],
)
def test_each_rule_judges_a_single_request(given, reason):
    assert request_reason(given, min_seconds=10) == reason


def click(recipient: int, link: str, seconds: float, reason: str | None = None) -> Click:
    return Click(recipient, link, T0 + timedelta(seconds=seconds), reason)


@pytest.mark.parametrize(
    ("clicks", "links", "expected"),
    [
        # A reader opening two stories a minute apart is a reader.
        ([click(1, "a", 60), click(1, "b", 120)], 5, [None, None]),
        # Every link of the edition within a few seconds: a scanner, whatever its user agent.
        ([click(1, link, 30 + i) for i, link in enumerate("abcde")], 5, ["burst"] * 5),
        # The same burst spread over minutes is a reader reading everything.
        ([click(1, link, 30 + 90 * i) for i, link in enumerate("abcde")], 5, [None] * 5),
        # Two readers clicking at the same moment are two readers, not one burst.
        ([click(n, link, 30) for n, link in enumerate("abcde")], 5, [None] * 5),
        # Following the hidden link taints every click of that recipient in the edition.
        ([click(1, "a", 40), click(1, "trap", 300, "trap"), click(2, "a", 50)], 5, ["trap", "trap", None]),
        # A reason found on arrival is kept.
        ([click(1, "a", 40, "head"), click(1, "a", 41)], 5, ["head", None]),
    ],
)
def test_rules_over_an_editions_clicks(clicks, links, expected):
    assert classify(clicks, links_in_edition=links) == expected


def synthetic_stream(seed: int = 15) -> tuple[list[Click], list[bool]]:
    """Readers and machines of one 8-link edition, with the noise real streams have: a few
    readers who click within seconds, a few scanners that look like a browser and wait."""
    rng = random.Random(seed)
    clicks: list[Click] = []
    machine: list[bool] = []
    links = [f"story-{n}" for n in range(8)]

    def add(recipient: int, link: str, at: float, agent: str, method: str, is_machine: bool) -> None:
        reason = request_reason(request(method=method, agent=agent, after=at), min_seconds=10)
        clicks.append(click(recipient, link, at, reason))
        machine.append(is_machine)

    for reader in range(600):  # readers: one to three stories, minutes to hours after arrival
        at = rng.uniform(5, 6 * 3600) if rng.random() < 0.01 else rng.uniform(60, 6 * 3600)
        for link in rng.sample(links, rng.randint(1, 3)):
            add(reader, link, at, rng.choice([CHROME, IPHONE]), "GET", False)
            at += rng.uniform(20, 900)
    for scanner in range(1000, 1300):  # gateways: on arrival, every link, often headless or HEAD
        kind = rng.random()
        start = rng.uniform(0.5, 8)
        if kind < 0.3:
            for i, link in enumerate(links):
                add(scanner, link, start + i * 0.2, "Mimecast Url Protect", "GET", True)
        elif kind < 0.55:
            for i, link in enumerate(links):
                add(scanner, link, start + i * 0.1, CHROME, "HEAD", True)
        elif kind < 0.97:
            late = rng.uniform(30, 600)  # sandboxes that wait, then open everything as a browser
            for i, link in enumerate(links):
                add(scanner, link, late + i * 0.3, CHROME, "GET", True)
        else:
            add(scanner, rng.choice(links), rng.uniform(60, 600), CHROME, "GET", True)  # undetectable
    return clicks, machine


def test_a_mixed_stream_of_readers_and_machines_is_classified_with_95_percent_precision_and_recall():
    clicks, machine = synthetic_stream()
    judged = [reason is not None for reason in classify(clicks, links_in_edition=8)]
    true_pos = sum(1 for j, m in zip(judged, machine, strict=True) if j and m)
    precision = true_pos / sum(judged)
    recall = true_pos / sum(machine)
    human_true = sum(1 for j, m in zip(judged, machine, strict=True) if not j and not m)
    human_precision = human_true / sum(1 for j in judged if not j)
    human_recall = human_true / sum(1 for m in machine if not m)
    assert min(precision, recall, human_precision, human_recall) >= 0.95, (
        precision,
        recall,
        human_precision,
        human_recall,
    )
    assert BURST_SECONDS <= 10  # the burst window stays short enough for readers' tabs
