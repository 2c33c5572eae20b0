"""Signed checkpoints of the audit chain's head, and the chain checked against them.

The hash chain alone proves only that the trail is consistent with itself: whoever can write
the database can rewrite an event and re-hash every later one, or cut the newest events off.
A checkpoint says, under an Ed25519 signature whose private key lives in a file outside the
database, "the trail's n-th event is event E, whose hash is H". Every publication makes one.
They are public (/transparency/checkpoints), so copies kept elsewhere still vouch for the
trail after the database, checkpoints and all, has been rewritten.
"""

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from sqlalchemy import func, select

from reviewapp.domain.audit import ChainBreak, ChainWalk, serialize_writes, walk_chain
from reviewapp.extensions import db
from reviewapp.models import AuditCheckpoint, AuditEvent
from reviewapp.rules.clock import utcnow

log = logging.getLogger(__name__)

# Names what a signature means, so it can never be taken for a signature over anything else.
STATEMENT_TYPE = "reviewapp.audit-checkpoint/1"
ALGORITHM = "Ed25519"
KEYGEN = "flask audit keygen"


class SigningKeyUnavailable(RuntimeError):
    """The configured signing key file is missing or holds no Ed25519 private key."""


# --- the key -----------------------------------------------------------------------------


def key_file() -> Path:
    """Return the path of the signing key file the app is configured with."""
    return Path(current_app.config["AUDIT_SIGNING_KEY_FILE"])


def create_key_file(path: Path) -> Ed25519PrivateKey:
    """Write a new Ed25519 private key to `path`, readable by its owner only.

    Raises FileExistsError rather than replace a key: checkpoints signed with the old one
    could no longer be verified by this server.
    """
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole under another name (mkstemp makes it 0600), then linked into place: a
    # worker starting at the same moment finds no file or a complete one, and a key that
    # exists is never replaced.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit-key-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
    finally:
        os.unlink(temporary)
    log.info("Created the audit signing key %s (key id %s)", path, key_id(key.public_key()))
    return key


def _read_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as error:
        raise SigningKeyUnavailable(
            f"AUDIT_SIGNING_KEY_FILE {path} holds no readable private key: {error}"
        ) from error
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyUnavailable(
            f"AUDIT_SIGNING_KEY_FILE {path} holds a {type(key).__name__}, not an Ed25519 key"
        )
    if path.stat().st_mode & 0o077:
        log.warning("The audit signing key %s is readable by others: chmod 600 it", path)
    return key


def signing_key() -> Ed25519PrivateKey:
    """Return the private key that signs checkpoints; development makes it on first use."""
    path = key_file()
    if not path.exists():
        if not current_app.config["AUDIT_SIGNING_KEY_CREATE"]:
            raise SigningKeyUnavailable(
                f"AUDIT_SIGNING_KEY_FILE names {path}, which does not exist: create it with "
                f"AUDIT_SIGNING_KEY_FILE={path} {KEYGEN}, once, and keep a copy of it safe"
            )
        try:
            return create_key_file(path)
        except FileExistsError:
            pass  # another process made it first: use theirs
    return _read_key(path)


def key_id(public_key: Ed25519PublicKey) -> str:
    """Return a public key's fingerprint: the SHA-256 of its 32 raw bytes, in hex."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    """Return a public key as PEM text (SubjectPublicKeyInfo), as any Ed25519 tool reads it."""
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def public_key_document(public_key: Ed25519PublicKey) -> dict[str, str]:
    """Return what the transparency JSON says of the key that signs checkpoints."""
    return {
        "algorithm": ALGORITHM,
        "key_id": key_id(public_key),
        "pem": public_key_pem(public_key),
    }


# --- checkpoints as statements -----------------------------------------------------------


@dataclass(frozen=True)
class Vouched:
    """A checkpoint as read from the database or from a saved copy of the public JSON."""

    id: int
    signed_at: str
    event_id: int
    event_hash: str
    event_count: int
    key_id: str
    signature: str

    @property
    def statement(self) -> str:
        """Return the exact text the signature is over: canonical JSON of the fields."""
        return statement_text(
            event_id=self.event_id,
            event_hash=self.event_hash,
            event_count=self.event_count,
            signed_at=self.signed_at,
            key_id=self.key_id,
        )

    def document(self) -> dict[str, Any]:
        """Return this checkpoint as the transparency JSON shows it."""
        return {
            "id": self.id,
            "signed_at": self.signed_at,
            "event_id": self.event_id,
            "event_hash": self.event_hash,
            "event_count": self.event_count,
            "key_id": self.key_id,
            "signature": self.signature,
            "statement": self.statement,
        }


def statement_text(
    *, event_id: int, event_hash: str, event_count: int, signed_at: str, key_id: str
) -> str:
    """Return the canonical statement a checkpoint signs (sorted keys, no spaces)."""
    return json.dumps(
        {
            "type": STATEMENT_TYPE,
            "event_id": event_id,
            "event_hash": event_hash,
            "event_count": event_count,
            "signed_at": signed_at,
            "key_id": key_id,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )


def vouched(checkpoint: AuditCheckpoint) -> Vouched:
    """Return a stored checkpoint as a statement."""
    return Vouched(
        id=checkpoint.id,
        signed_at=checkpoint.signed_at.isoformat(),
        event_id=checkpoint.event_id,
        event_hash=checkpoint.event_hash,
        event_count=checkpoint.event_count,
        key_id=checkpoint.key_id,
        signature=checkpoint.signature,
    )


def _events_through(head_id: int, public_key: Ed25519PublicKey) -> int:
    """Return how many events the trail holds up to `head_id`.

    Counted on from the newest checkpoint below it (counting the whole trail at every
    publication would read a million rows each time), if that checkpoint is genuinely this
    key's: a row someone slipped into the table must not decide what the next one signs.
    """
    previous = db.session.scalar(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.event_id <= head_id)
        .order_by(AuditCheckpoint.id.desc())
        .limit(1)
    )
    since, before = 0, 0
    if (
        previous is not None
        and _signature_problem(vouched(previous), public_key, key_id(public_key)) is None
    ):
        since, before = previous.event_id, previous.event_count
    newer = db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.id > since, AuditEvent.id <= head_id)
    )
    return before + newer


def record_checkpoint(at: datetime | None = None) -> AuditCheckpoint | None:
    """Sign the chain's head as it stands in this transaction; None when the trail is empty.

    Takes the audit chain's lock (held already when called from a move), so no event can be
    appended between reading the head and signing it.
    """
    serialize_writes()
    db.session.flush()
    head = db.session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    if head is None:
        return None
    key = signing_key()
    fingerprint = key_id(key.public_key())
    # Stored to the microsecond on both databases, so the statement read back is this one.
    signed_at = (at or utcnow()).astimezone(UTC)
    count = _events_through(head.id, key.public_key())
    statement = statement_text(
        event_id=head.id,
        event_hash=head.hash,
        event_count=count,
        signed_at=signed_at.isoformat(),
        key_id=fingerprint,
    )
    checkpoint = AuditCheckpoint(
        signed_at=signed_at,
        event_id=head.id,
        event_hash=head.hash,
        event_count=count,
        key_id=fingerprint,
        signature=key.sign(statement.encode()).hex(),
    )
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint


# --- saved copies --------------------------------------------------------------------------


class SavedCopyUnreadable(ValueError):
    """A saved copy of /transparency/checkpoints that cannot be read as one."""


@dataclass(frozen=True)
class SavedCopy:
    public_key: Ed25519PublicKey
    checkpoints: list[Vouched]


def _saved_checkpoint(entry: Any, index: int) -> Vouched:
    if not isinstance(entry, Mapping):
        raise SavedCopyUnreadable(f"checkpoint {index + 1} in the file is not an object")
    kinds = {
        "id": int,
        "signed_at": str,
        "event_id": int,
        "event_hash": str,
        "event_count": int,
        "key_id": str,
        "signature": str,
    }
    values = {}
    for name, kind in kinds.items():
        value = entry.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise SavedCopyUnreadable(
                f"checkpoint {index + 1} in the file has no {kind.__name__} {name!r}"
            )
        values[name] = value
    return Vouched(**values)


def read_saved_copy(text: str) -> SavedCopy:
    """Read a saved copy of /transparency/checkpoints: one page, or a list of pages."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise SavedCopyUnreadable(f"it is not JSON ({error})") from error
    pages = document if isinstance(document, list) else [document]
    keys, checkpoints = set(), []
    for page in pages:
        if not isinstance(page, Mapping) or not isinstance(page.get("checkpoints"), list):
            raise SavedCopyUnreadable("it is not a copy of /transparency/checkpoints")
        pem = (page.get("public_key") or {}).get("pem")
        if not isinstance(pem, str):
            raise SavedCopyUnreadable("it carries no public key (public_key.pem)")
        keys.add(pem.strip())
        checkpoints += [_saved_checkpoint(entry, i) for i, entry in enumerate(page["checkpoints"])]
    if len(keys) != 1:
        raise SavedCopyUnreadable("its pages carry different public keys")
    try:
        public_key = serialization.load_pem_public_key(keys.pop().encode())
    except ValueError as error:
        raise SavedCopyUnreadable(f"its public key is unreadable ({error})") from error
    if not isinstance(public_key, Ed25519PublicKey):
        raise SavedCopyUnreadable("its public key is not an Ed25519 key")
    unique = {checkpoint.id: checkpoint for checkpoint in checkpoints}
    return SavedCopy(public_key, sorted(unique.values(), key=lambda c: c.id))


# --- verification --------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckpointProblem:
    checkpoint_id: int
    event_id: int
    reason: str
    source: str = "stored"

    @property
    def message(self) -> str:
        where = "Checkpoint" if self.source == "stored" else "Saved checkpoint"
        return f"{where} {self.checkpoint_id} (event {self.event_id}): {self.reason}."


@dataclass
class Verification:
    """What `verify_trail` found: the chain's own walk, and each checkpoint's verdict."""

    walk: ChainWalk
    stored: list[Vouched]
    saved: list[Vouched] = field(default_factory=list)
    key_id: str = ""
    saved_key_id: str | None = None
    problems: list[CheckpointProblem] = field(default_factory=list)

    @property
    def broken(self) -> ChainBreak | None:
        return self.walk.broken

    @property
    def intact(self) -> bool:
        return self.walk.broken is None and not self.problems


def _signature_problem(checkpoint: Vouched, public_key: Ed25519PublicKey, trusted_id: str):
    if checkpoint.key_id != trusted_id:
        return (
            f"it names signing key {checkpoint.key_id[:16]}…, not the trusted key "
            f"{trusted_id[:16]}…"
        )
    try:
        public_key.verify(bytes.fromhex(checkpoint.signature), checkpoint.statement.encode())
    except (InvalidSignature, ValueError):
        return "its signature does not verify: its fields were changed, or it was forged"
    return None


def _position_problem(checkpoint: Vouched, walk: ChainWalk) -> str | None:
    found = walk.at_position.get(checkpoint.event_count)
    if found is None:
        if walk.broken is not None:
            return (
                f"the chain breaks at event {walk.broken.event_id}, before event number "
                f"{checkpoint.event_count} of the trail, which it vouches for"
            )
        return (
            f"it vouches for {checkpoint.event_count} events, but the trail now holds only "
            f"{walk.checked}: events were removed"
        )
    event_id, event_hash = found
    if event_id != checkpoint.event_id:
        return (
            f"event number {checkpoint.event_count} of the trail is now event {event_id}, "
            f"not event {checkpoint.event_id}: events were removed or inserted"
        )
    if event_hash != checkpoint.event_hash:
        return (
            f"event {event_id} now hashes to {event_hash[:16]}…, not the signed "
            f"{checkpoint.event_hash[:16]}…: the trail was rewritten"
        )
    return None


def _check(
    checkpoints: Iterable[Vouched],
    public_key: Ed25519PublicKey,
    walk: ChainWalk,
    source: str,
) -> list[CheckpointProblem]:
    trusted_id = key_id(public_key)
    problems = []
    for checkpoint in checkpoints:
        reason = _signature_problem(checkpoint, public_key, trusted_id) or _position_problem(
            checkpoint, walk
        )
        if reason:
            problems.append(CheckpointProblem(checkpoint.id, checkpoint.event_id, reason, source))
    return problems


def _missing_from_database(saved: list[Vouched], stored: list[Vouched]) -> list[CheckpointProblem]:
    stored_by_id = {checkpoint.id: checkpoint for checkpoint in stored}
    return [
        CheckpointProblem(
            checkpoint.id,
            checkpoint.event_id,
            "it is missing from the database's checkpoints, or differs there",
            "saved",
        )
        for checkpoint in saved
        if stored_by_id.get(checkpoint.id) != checkpoint
    ]


def stored_checkpoints() -> list[Vouched]:
    """Return every stored checkpoint, oldest first."""
    return [
        vouched(checkpoint)
        for checkpoint in db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id))
    ]


def verify_trail(
    progress: Callable[[int], object] | None = None, saved: SavedCopy | None = None
) -> Verification:
    """Walk the chain once and check it against every stored checkpoint (and a saved copy).

    The checkpoints are read before the events: a checkpoint committed meanwhile covers
    events the walk then sees, so a busy server is never reported as cut short.
    """
    stored = stored_checkpoints()
    public_key = signing_key().public_key()
    positions = {checkpoint.event_count for checkpoint in stored}
    if saved is not None:
        positions |= {checkpoint.event_count for checkpoint in saved.checkpoints}
    walk = walk_chain(progress=progress, positions=positions)
    verification = Verification(walk, stored, key_id=key_id(public_key))
    verification.problems = _check(stored, public_key, walk, "stored")
    if saved is not None:
        verification.saved = saved.checkpoints
        verification.saved_key_id = key_id(saved.public_key)
        verification.problems += _check(saved.checkpoints, saved.public_key, walk, "saved")
        verification.problems += _missing_from_database(saved.checkpoints, stored)
    return verification
