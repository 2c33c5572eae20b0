"""`flask backup dump|restore`: every table as JSON lines, for moving between databases.

A dump restored into an empty, migrated database gives back the same rows with the same ids,
so version history, signatures and the hash-chained audit trail survive the move intact.
"""

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy import DateTime, Table, func, insert, select, text, update

from reviewapp.domain import integrity
from reviewapp.extensions import db

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


def _tables() -> list[Table]:
    return list(db.metadata.sorted_tables)


def _deferred_columns(table: Table) -> list[str]:
    """Columns whose foreign key closes a cycle (section ↔ version) or may point at a later
    row of the same table (a version's successor): filled in after all rows."""
    return [
        fk.parent.name
        for fk in table.foreign_keys
        if fk.use_alter or fk.constraint.use_alter or fk.column.table is table
    ]


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    for column in table.columns:
        value = row.get(column.name)
        kind = getattr(column.type, "impl", column.type)  # UTCDateTime decorates a DateTime
        if value is not None and isinstance(kind, DateTime):
            row[column.name] = datetime.fromisoformat(value)
    return row


def dump(folder: Path) -> dict[str, int]:
    """Write each table to `folder/<table>.jsonl` in primary-key order; return the row counts."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table in _tables():
        order = list(table.primary_key.columns)
        with (folder / f"{table.name}.jsonl").open("w", encoding="utf-8") as stream:
            count = 0
            for row in db.session.execute(select(table).order_by(*order)).mappings():
                stream.write(
                    json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False)
                )
                stream.write("\n")
                count += 1
        counts[table.name] = count
    revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    manifest = {"format": FORMAT_VERSION, "schema_revision": revision, "rows": counts}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return counts


def restore(folder: Path, batch_size: int = 2000) -> dict[str, int]:
    """Load a dump into an empty database at the same schema revision."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    if manifest["schema_revision"] != revision:
        raise click.ClickException(
            f"The dump is at schema revision {manifest['schema_revision']} and this database at "
            f"{revision}: run `flask db upgrade` to the dump's revision first."
        )
    for table in _tables():
        if db.session.scalar(select(func.count()).select_from(table)):
            raise click.ClickException(f"Refusing to restore: table {table.name} is not empty.")
    deferred: list[tuple[Table, list[dict[str, Any]]]] = []
    for table in _tables():
        later = _deferred_columns(table)
        pending: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        with (folder / f"{table.name}.jsonl").open(encoding="utf-8") as stream:
            for line in stream:
                row = _decode(table, json.loads(line))
                if later:
                    pending.append({"id": row["id"], **{c: row[c] for c in later}})
                    row.update(dict.fromkeys(later))
                rows.append(row)
                if len(rows) >= batch_size:
                    db.session.execute(insert(table), rows)
                    rows = []
        if rows:
            db.session.execute(insert(table), rows)
        if pending:
            deferred.append((table, pending))
    for table, pending in deferred:
        for row in pending:
            values = {k: v for k, v in row.items() if k != "id"}
            db.session.execute(update(table).where(table.c.id == row["id"]).values(**values))
    _reset_sequences()
    _refuse_altered_text()
    return manifest["rows"]


def _refuse_altered_text() -> None:
    """Refuse a dump whose stored text no longer matches what was reviewed and signed."""
    mismatches = list(integrity.scan())
    if mismatches:
        db.session.rollback()
        named = "; ".join(mismatch.message for mismatch in mismatches[:20])
        more = f" (and {len(mismatches) - 20} more)" if len(mismatches) > 20 else ""
        raise click.ClickException(
            f"Nothing restored: {len(mismatches)} version(s) fail the check against their "
            f"content hash: {named}{more}."
        )


def _reset_sequences() -> None:
    """Move PostgreSQL id sequences past the restored ids."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in _tables():
        if "id" in table.columns and table.c.id.autoincrement:
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "  # noqa: S608
                    f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                )
            )


backup_cli = click.Group("backup", help="Dump and restore the whole database as JSON lines.")


@backup_cli.command("dump")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def dump_command(folder: Path) -> None:
    """Write every table to FOLDER."""
    counts = dump(folder)
    click.echo(f"Dumped {sum(counts.values())} rows from {len(counts)} tables to {folder}.")


@backup_cli.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore_command(folder: Path) -> None:
    """Load FOLDER into this (empty, migrated) database."""
    counts = restore(folder)
    db.session.commit()
    click.echo(f"Restored {sum(counts.values())} rows into {len(counts)} tables.")
