"""Reading the audit log through one function, filtered or not (real SQL: SQLite, or PostgreSQL
with DIGEST_TEST_DATABASE_URL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digest.store import audit as audit_store
from digest.store.db import transaction

NOW = datetime(2026, 11, 26, 7, tzinfo=UTC)


def _record(db_url):
    with transaction(db_url) as conn:
        audit_store.audit(conn, "ada@example.org", "editor.pin", "key-1", {}, NOW - timedelta(days=2))
        audit_store.audit(conn, "bob@example.org", "editor.bury", "key-1", {}, NOW - timedelta(days=1))
        audit_store.audit(conn, "ada@example.org", "editorX.other", "key-2", {}, NOW)
        audit_store.audit(conn, "ada@example.org", "breaking.send", "daily", {}, NOW)


def test_a_filter_picks_by_editor_action_family_days_and_target(db_url):
    _record(db_url)
    with transaction(db_url) as conn:
        family = audit_store.AuditFilter(action="editor.")
        assert [e.action for e in audit_store.audit_entries(conn, family)] == ["editor.bury", "editor.pin"]
        ada_key1 = audit_store.audit_entries(
            conn, audit_store.AuditFilter(actor="ada@example.org"), target="key-1"
        )
        assert [e.action for e in ada_key1] == ["editor.pin"]
        recent = audit_store.AuditFilter(since=NOW - timedelta(hours=36), until=NOW)
        assert [e.action for e in audit_store.audit_entries(conn, recent)] == ["editor.bury"]
        exact = audit_store.AuditFilter(action="breaking.send")
        assert [e.target for e in audit_store.audit_entries(conn, exact)] == ["daily"]


def test_without_a_filter_every_entry_comes_newest_first_up_to_the_limit(db_url):
    _record(db_url)
    with transaction(db_url) as conn:
        assert [e.action for e in audit_store.audit_entries(conn, limit=2)] == [
            "breaking.send",
            "editorX.other",
        ]
        assert len(audit_store.audit_entries(conn)) == 4
