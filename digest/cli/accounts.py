"""``digest accounts``: accounts of the people who use the editor pages and the API."""

from __future__ import annotations

import getpass
import sys

import typer
from rich.markup import escape
from rich.table import Table

from digest.cli import context
from digest.pipeline import accounts as auth

accounts_app = typer.Typer(help="Manage editor accounts and API tokens.", no_args_is_help=True)


def cli_actor() -> str:
    """Who the audit log names for a command run from a shell."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@accounts_app.command("add")
def add(
    email: str = typer.Argument(..., help="The editor's email address (their sign-in name)."),
    role: str = typer.Option("editor", help="viewer (read-only), editor (+ sends) or admin (+ accounts)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
) -> None:
    """Add an editor, or reset an existing one's role and password."""
    settings = context.settings()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        editor, created = auth.add_editor(settings, email, role, password, cli_actor())
    except ValueError as exc:
        raise context.fail(str(exc)) from None
    context.console.print(f"{'added' if created else 'updated'} {escape(editor.email)} ({editor.role})")


@accounts_app.command("list")
def list_editors() -> None:
    """Editors with their roles, and the API tokens."""
    everyone, tokens = auth.everyone(context.settings())
    table = Table("email", "role", "state", "since")
    for editor in everyone:
        since = f"{editor.created_at:%Y-%m-%d}" if editor.created_at else ""
        table.add_row(escape(editor.email), editor.role, "disabled" if editor.disabled else "active", since)
    context.console.print(table)
    if tokens:
        listing = Table("token", "name", "editor", "last used", "state")
        for token in tokens:
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            state = "revoked" if token.revoked else "active"
            listing.add_row(str(token.id), escape(token.name), escape(token.editor.email), used, state)
        context.console.print(listing)


@accounts_app.command("token")
def token(
    email: str = typer.Argument(..., help="The editor the token acts for (with their role)."),
    name: str = typer.Option(..., "--name", help="What uses the token, e.g. cms."),
) -> None:
    """Create an API token (Authorization: Bearer …); it is shown this once."""
    settings = context.settings()
    try:
        value = auth.create_token(settings, email, name, cli_actor())
    except ValueError as exc:
        raise context.fail(str(exc)) from None
    context.err.print("Store this token now; it is not shown again:")
    typer.echo(value)
