"""The other editor pages: dashboard, preview with editor controls, subscribers, suppressions,
accounts, lists and the audit log."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from digest.models import FeedSpec, Item
from digest.store import feeds as feed_store
from digest.store import items as item_store
from digest.store import subscribers as subscriber_store
from digest.store import suppressions as suppression_store
from digest.store.audit import audit_entries
from digest.store.db import transaction
from digest.store.editorial import actions
from tests.web.conftest import add_news, add_subscriber, csrf_token
from tests.web.test_editor_auth import PASSWORD, form_token, sign_in


def test_the_dashboard_shows_feeds_latest_items_and_editions(client, settings):
    add_news(settings, 2)
    sign_in(client, settings, "viewer")
    page = client.get("/admin")
    assert "Wire" in page.text and "Story number 1 about the city council" in page.text
    assert "send as breaking" not in page.text, "a viewer is not offered sends"
    script = client.get("/admin/static/editor.js")
    assert script.status_code == 200 and "data-progress" in script.text
    assert script.headers["content-type"].startswith("text/javascript")


def test_the_preview_shows_email_telegram_and_scores_of_the_next_edition(client, settings):
    add_news(settings, 3)
    add_subscriber(settings, "reader@example.org")
    sign_in(client, settings, "viewer")
    page = client.get("/admin/preview/daily")
    assert page.status_code == 200
    assert page.text.count('src="/admin/preview/daily/email"') == 2  # desktop and phone widths
    assert "Story number 2 about the city council" in page.text and "1 outlet · 3 h old" in page.text
    assert "age_hours" not in page.text and "recency" not in page.text, "score parts are told in words"
    assert 'name="action"' not in page.text, "a viewer gets no controls"
    email = client.get("/admin/preview/daily/email")
    assert email.status_code == 200 and "Story number 2" in email.text
    assert 'href="https://news.example.org/manage"' in email.text, "links for anyone, as on the web view"
    assert "-unsubscribe_url-" not in email.text and "/unsubscribe/" not in email.text
    assert "frame-ancestors 'self'" in email.headers["content-security-policy"]
    assert email.headers["x-frame-options"] == "SAMEORIGIN"
    assert client.get("/admin/preview", follow_redirects=False).headers["location"] == "/admin/preview/daily"
    assert client.get("/admin/preview/nope").status_code == 404


def test_an_editor_pins_and_excludes_from_the_preview_and_it_is_audited(client, settings):
    add_news(settings, 3)
    add_subscriber(settings, "reader@example.org")
    sign_in(client, settings, "editor")
    page = client.get("/admin/preview/daily")
    token = csrf_token(page.text)
    answer = client.post(
        "/admin/preview/daily/action",
        data={"item_key": "wire-2", "action": "exclude", "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    with transaction(settings.database_url) as conn:
        assert [(a.item_key, str(a.action)) for a in actions(conn)] == [("wire-2", "exclude")]
        assert audit_entries(conn)[0].action == "editor.exclude"
    assert "Left out: Excluded by an editor." in client.get("/admin/preview/daily").text
    client.post(
        "/admin/preview/daily/action", data={"item_key": "wire-2", "action": "clear", "csrf_token": token}
    )
    with transaction(settings.database_url) as conn:
        assert actions(conn) == []
    bad = client.post(
        "/admin/preview/daily/action", data={"item_key": "x", "action": "nuke", "csrf_token": token}
    )
    assert bad.status_code == 400


def test_subscribers_are_searched_added_imported_all_or_nothing_and_exported(client, settings):
    add_subscriber(settings, "ann@example.org", lists=("daily", "breaking"))  # the lists exist
    sign_in(client, settings, "editor")
    assert "ann@example.org" in client.get("/admin/subscribers", params={"q": "ann"}).text
    token = form_token(client, "/admin/subscribers")
    added = client.post(
        "/admin/subscribers",
        data={
            "email": "bob@example.org",
            "lists": "daily;breaking",
            "timezone": "Europe/Kyiv",
            "csrf_token": token,
        },
    )
    assert added.status_code == 200 and "Saved." in added.text
    bad = client.post("/admin/subscribers", data={"email": "bob@", "csrf_token": token})
    assert bad.status_code == 400 and "invalid email" in bad.text
    header = "email,telegram_chat_id,name,timezone,send_hour,topics,lists\n"
    broken = (
        header
        + "c@example.org,,C,UTC,7,,daily\nnot-an-email,,D,UTC,7,,daily\nd@example.org,,E,Mars/Base,7,,daily\n"
    )
    answer = client.post(
        "/admin/subscribers/import",
        data={"csrf_token": token},
        files={"file": ("people.csv", io.BytesIO(broken.encode()), "text/csv")},
    )
    assert answer.status_code == 400 and "people.csv, line 3" in answer.text and "line 4" in answer.text
    assert "c@example.org" not in client.get("/admin/subscribers", params={"q": "c@"}).text, "all or nothing"
    good = header + "c@example.org,,C,UTC,7,,daily\n"
    answer = client.post(
        "/admin/subscribers/import",
        data={"csrf_token": token},
        files={"file": ("people.csv", io.BytesIO(good.encode()), "text/csv")},
    )
    assert answer.status_code == 200 and "1 subscribers imported (1 new)" in answer.text
    export = client.get("/admin/subscribers/export.csv")
    assert export.headers["content-type"].startswith("text/csv")
    assert {"ann@example.org", "bob@example.org", "c@example.org"} <= {
        line.split(",")[0] for line in export.text.splitlines()[1:]
    }
    with transaction(settings.database_url) as conn:
        found = subscriber_store.find(conn, email="bob@example.org")
        assert found is not None and found.lists == ("breaking", "daily")
        assert [e.action for e in audit_entries(conn)][:2] == ["subscribers.export", "subscribers.save"]
    asked = client.post(f"/admin/subscribers/{found.id}/remove", data={"csrf_token": token})
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.text
    with transaction(settings.database_url) as conn:
        assert subscriber_store.find(conn, email="bob@example.org") is not None, "one click only asks"
    removed = client.post(
        f"/admin/subscribers/{found.id}/remove",
        data={"csrf_token": token, "confirm": "yes"},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    with transaction(settings.database_url) as conn:
        assert subscriber_store.find(conn, email="bob@example.org") is None


def test_the_suppression_list_is_viewed_added_to_and_removed_from(client, settings):
    sign_in(client, settings, "editor")
    token = form_token(client, "/admin/suppressions")
    client.post(
        "/admin/suppressions", data={"email": "Spam@Example.org", "reason": "complaint", "csrf_token": token}
    )
    page = client.get("/admin/suppressions")
    assert "spam@example.org" in page.text and "complaint" in page.text
    with transaction(settings.database_url) as conn:
        assert suppression_store.suppressed(conn, ["spam@example.org"]) == {"spam@example.org"}
    client.post("/admin/suppressions/remove", data={"email": "spam@example.org", "csrf_token": token})
    with transaction(settings.database_url) as conn:
        assert suppression_store.suppressed(conn, ["spam@example.org"]) == set()
    bad = client.post("/admin/suppressions", data={"email": "nobody", "csrf_token": token})
    assert bad.status_code == 400


def test_an_admin_adds_an_editor_creates_a_token_shown_once_and_a_list(client, settings):
    sign_in(client, settings, "admin")
    token = form_token(client, "/admin/accounts")
    client.post(
        "/admin/accounts",
        data={"email": "eve@example.org", "role": "viewer", "password": PASSWORD, "csrf_token": token},
    )
    created = client.post(
        "/admin/tokens", data={"email": "eve@example.org", "name": "cms", "csrf_token": token}
    )
    value = created.text.split('id="new-token">', 1)[1].split("<", 1)[0]
    assert value.startswith("dg_")
    assert value not in client.get("/admin/accounts").text, "a token is shown once"
    assert client.get("/api/v1/lists", headers={"Authorization": f"Bearer {value}"}).status_code == 200
    weak = client.post(
        "/admin/accounts", data={"email": "x@example.org", "password": "short", "csrf_token": token}
    )
    assert weak.status_code == 400 and "at least 10" in weak.text
    client.post("/admin/lists", data={"name": "evening", "title": "Evening", "csrf_token": token})
    assert "Evening" in client.get("/admin/lists").text
    bad = client.post("/admin/lists", data={"name": "Bad Name!", "csrf_token": token})
    assert bad.status_code == 400
    audit = client.get("/admin/audit").text
    assert "token.create" in audit and "editor.add" in audit and "list.add" in audit
    assert "admin@example.org" in audit


def test_an_admin_cannot_lock_themselves_out(client, settings):
    sign_in(client, settings, "admin")
    token = form_token(client, "/admin/accounts")
    page = client.get("/admin/accounts").text
    own = page.split("/admin/accounts/", 1)[1].split("/", 1)[0]
    answer = client.post(f"/admin/accounts/{own}/disable", data={"csrf_token": token})
    assert answer.status_code == 400
    assert client.get("/admin").status_code == 200


def test_the_preview_says_why_each_item_joined_its_story(client, settings):
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        feeds = [
            feed_store.add(conn, FeedSpec(f"https://{n}.example.org/rss", n), now)[0]
            for n in ("Wire", "Post")
        ]
        same = "Parliament passes the 2027 budget with record defense spending"
        item_store.save(
            conn,
            [
                Item(
                    key=f"{feed.name}-budget",
                    feed_id=feed.id,
                    source=feed.name,
                    url=f"https://{feed.name}.example.org/b",
                    title=same,
                    summary_text="The Rada adopted the budget.",
                    published=now - timedelta(hours=1),
                )
                for feed in feeds
            ],
            now,
        )
    add_subscriber(settings, "reader@example.org")
    sign_in(client, settings, "viewer")
    page = client.get("/admin/preview/daily")
    [joined] = re.findall(r'<ul class="joins"><li>(.*?)</li></ul>', page.text)
    said = re.fullmatch(
        rf"(Wire|Post): {same} — close match: same event at the strict setting; similarity (\d\.\d\d)"
        r" \(title and summary words (\d\.\d\d), character n-grams (\d\.\d\d)"
        r"(?:, meaning \(word embeddings\) (\d\.\d\d))?\)",
        joined,
    )
    assert said, joined
    from digest.cluster.model import shipped_model

    values = [value for value in said.groups()[1:] if value is not None]
    # The meaning part is shown exactly when the shipped model gives it a share.
    assert len(values) == (4 if shipped_model().embed_weight > 0 else 3)
    # The same title and summary from two outlets: every part of the clusterer's similarity is whole.
    assert [float(value) for value in values] == [1.0] * len(values)


def test_the_dashboard_and_the_edition_page_show_alerts_and_failed_deliveries_with_reasons(client, settings):
    from datetime import UTC, datetime

    from digest import pipeline
    from digest.breaker import breaker_for, fingerprint
    from digest.models import DeliveryState
    from digest.store import alerts, ledger

    add_news(settings, 2)
    add_subscriber(settings, "reader@example.org")
    plan = pipeline.plan_send("daily", settings, manual=True)
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        alerts.chat_failing(conn, "@newsroom", "Forbidden: bot is not a member of the channel chat", now)
        reason = "gave up after 12 attempts over 5.2 h: last error 503"
        ledger.mark(conn, plan.batches[0][1], DeliveryState.FAILED, now, reason)
    refused = "SendGrid refused the API key: 401"
    breaker_for(settings).trip("email", fingerprint(settings, "email"), refused, 7, now)
    try:
        sign_in(client, settings, "viewer")
        dashboard = client.get("/admin").text
        edition = client.get(f"/admin/editions/{plan.edition_id}").text
    finally:
        breaker_for(settings).reset()
    for page in (dashboard, edition):
        assert "@newsroom refuses the bot" in page and "circuit breaker open" in page
    assert "Why deliveries failed" in edition and "gave up after 12 attempts over 5.2 h" in edition
