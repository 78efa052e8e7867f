"""The editors' side of the breaker and the figures: alert, resume/cancel, CSV, roles."""

from __future__ import annotations

from datetime import UTC, datetime

from digest import pipeline
from digest.store import pauses as pause_store
from digest.store.audit import audit_entries
from digest.store.db import transaction
from tests.web.conftest import add_news, add_subscriber, csrf_token
from tests.web.test_editor_auth import sign_in


def paused_edition(settings) -> int:
    add_news(settings, 2)
    add_subscriber(settings, "reader@example.org")
    plan = pipeline.plan_send("daily", settings, manual=True, ignore_hour=True)
    assert plan.edition_id is not None
    with transaction(settings.database_url) as conn:
        pause_store.pause(
            conn, plan.edition_id, "4 spam reports for 1100 delivered emails", datetime.now(UTC)
        )
    return plan.edition_id


def test_the_dashboard_alerts_editors_and_an_editor_resumes_the_paused_email(client, settings):
    edition_id = paused_edition(settings)
    sign_in(client, settings, "editor")
    assert 'class="breaker-alert' in client.get("/admin").text
    alert = client.get("/admin/breaker.json").json()
    assert [(a["edition"], a["reason"]) for a in alert] == [
        (edition_id, "4 spam reports for 1100 delivered emails")
    ]
    page = client.get(f"/admin/editions/{edition_id}")
    assert f'data-stats="/admin/editions/{edition_id}/stats.json"' in page.text
    assert client.get(f"/admin/editions/{edition_id}/stats.json").json()["paused"]["resolved"] is None
    token = csrf_token(page.text)
    assert (
        client.post(f"/admin/editions/{edition_id}/email/resume", data={}).status_code == 403
    )  # no CSRF token
    done = client.post(
        f"/admin/editions/{edition_id}/email/resume", data={"csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303
    assert client.get("/admin/breaker.json").json() == []
    again = client.post(f"/admin/editions/{edition_id}/email/cancel", data={"csrf_token": token})
    assert again.status_code == 409  # decided already
    with transaction(settings.database_url) as conn:
        assert audit_entries(conn)[0].action == "breaker.resume"


def test_a_viewer_reads_the_figures_and_csv_but_cannot_decide(client, settings):
    edition_id = paused_edition(settings)
    sign_in(client, settings, "viewer")
    csv_file = client.get(f"/admin/editions/{edition_id}/stats.csv")
    assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
    assert csv_file.text.splitlines()[1].startswith("recipients,1,1,0")
    page = client.get(f"/admin/editions/{edition_id}")
    assert "Resume the email" not in page.text
    token = csrf_token(page.text) if 'name="csrf_token"' in page.text else ""
    assert (
        client.post(f"/admin/editions/{edition_id}/email/resume", data={"csrf_token": token}).status_code
        == 403
    )
    trends = client.get("/admin/lists/daily/trends.csv?days=30")
    assert (
        trends.text.splitlines()[0] == "date,edition_id,subscribers,delivered,clicked,unsubscribed,complaints"
    )
    assert client.get("/admin/lists/daily/trends.json?days=9999").status_code == 400
    assert client.get("/static/chart.umd.min.js").text.startswith("/*!\n * Chart.js v4")
