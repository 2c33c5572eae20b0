"""Command-line interface under `flask`: one module per command group."""

from flask import Flask

from reviewapp.cli import audit, backup, content, demo, notify, outbox, references, users


def init_app(app: Flask) -> None:
    """Register every command group on `app.cli`."""
    app.cli.add_command(content.content_cli)
    app.cli.add_command(users.users_cli)
    app.cli.add_command(demo.demo_command)
    app.cli.add_command(audit.audit_cli)
    app.cli.add_command(backup.backup_cli)
    app.cli.add_command(outbox.outbox_cli)
    app.cli.add_command(notify.notify_cli)
    app.cli.add_command(references.references_cli)
