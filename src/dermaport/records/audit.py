"""The audit chain: every read and write of client data, appended to a hash-chained log.

Each entry's hash is the SHA-256 of the previous entry's hash and the entry's own fields in
canonical JSON; a single head row names the last entry and is locked by each append, so
appends queue and the chain never forks. :func:`verify` walks the chain and names the first
entry that was altered or deleted (also the last ones, through the head row).

The log holds ids and field names only, never personal data, so it can be kept (HIPAA: six
years) after a client's personal data is erased.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.exc import MultipleResultsFound, NoResultFound
from sqlalchemy.orm import Session

from dermaport.records.models import AuditEntry, AuditHead, utcnow
from dermaport.records.reads import PreparedRead, PreparedWrite

__all__ = [
    "DEFERRED",
    "GENESIS_HASH",
    "AuditReport",
    "append",
    "append_rows",
    "defer_appends",
    "entry_hash",
    "verify",
]

logger = logging.getLogger(__name__)

#: The hash the first entry links to.
GENESIS_HASH = "0" * 64


def _canonical_time(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def entry_hash(
    prev_hash: str,
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    client_id: int | None,
    detail: Mapping[str, Any],
) -> str:
    """The SHA-256 (hex) that chains one entry to the one before it."""
    payload = json.dumps(
        [seq, _canonical_time(at), actor, action, entity, entity_id, client_id, detail],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()


_HEAD = cast(Table, AuditHead.__table__)
_LOG = cast(Table, AuditEntry.__table__)
_READ_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
# built once (their cache keys too): these run for every request
_WRITE_HEAD = (
    update(_HEAD).where(_HEAD.c.id == 1).values(seq=bindparam("head_seq"), hash=bindparam("head_hash"))
)
_INSERT = insert(_LOG)
_COLUMNS = ("actor", "action", "entity", "entity_id", "client_id", "detail", "seq", "at", "prev_hash", "hash")
#: The same three, for a bare connection (the group appends of reads: ``Database.connection``).
_READ_HEAD_FAST = PreparedRead(_READ_HEAD)
_INSERT_FAST = PreparedWrite(_INSERT, _COLUMNS)
_WRITE_HEAD_FAST = PreparedWrite(_WRITE_HEAD, ("head_seq", "head_hash"))


#: The key of ``Session.info`` holding a list that a read-only unit of work's entries go to
#: (:func:`defer_appends`), to be appended by :func:`append_rows` once the reading is done.
DEFERRED = "dermaport_deferred_audit"


def defer_appends(db: Session) -> list[dict[str, Any]]:
    """Make :func:`append` collect ``db``'s entries in the returned list instead of writing them.

    For a read-only unit of work: the caller must hand the list to :func:`append_rows` (through
    ``Database.append_audit``) before any of what was read leaves the process.
    """
    pending: list[dict[str, Any]] = db.info.setdefault(DEFERRED, [])
    return pending


def append(
    db: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int = "",
    client_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Append one entry in the caller's transaction (it commits or rolls back with the change).

    ``detail`` must hold no personal data: ids, field names, counts, hashes. In a unit of work
    whose appends are deferred (:func:`defer_appends`) the entry is collected, not written.
    Nothing is returned (no caller needed the entry, and building an ORM instance for every
    read's entry cost a few percent of a page): read them back with a select.
    """
    fields: dict[str, Any] = {
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "client_id": client_id,
        "detail": dict(detail or {}),
    }
    pending = db.info.get(DEFERRED)
    if pending is not None:
        pending.append(fields)
        return
    append_rows(db, [fields])


def append_rows(db: Session | Connection, entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Append entries (``actor``, ``action``, ``entity``, ``entity_id``, ``client_id``, ``detail``) in order.

    The head row is read ``FOR UPDATE`` (PostgreSQL: appends queue on it until the transaction
    ends; SQLite: the transaction already holds the writer lock), the entries are inserted and
    the head moved on to the last: three plain statements however many entries (no ORM unit
    of work: this runs for every request). ``db`` is the caller's session, or a bare connection
    (``Database.connection``, the group appends of reads). The rows written come back as dicts
    (no ORM instance per entry: nobody needs one).
    """
    if not entries:
        return []
    if isinstance(db, Connection):  # the group append of reads: its statements straight on the cursor
        prev_seq, prev_hash = _one(_READ_HEAD_FAST.all(db, {}))
    else:
        prev_seq, prev_hash = db.execute(_READ_HEAD).one()
    rows: list[dict[str, Any]] = []
    for offset, given in enumerate(entries, start=1):
        fields = {**given, "seq": prev_seq + offset, "at": utcnow()}
        digest = entry_hash(prev_hash, **fields)
        rows.append({**fields, "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    new_head = {"head_seq": rows[-1]["seq"], "head_hash": prev_hash}
    if isinstance(db, Connection):
        _INSERT_FAST.run(db, rows)
        _WRITE_HEAD_FAST.run(db, [new_head])
    else:
        db.execute(_INSERT, rows)
        db.execute(_WRITE_HEAD, new_head)
    return rows


def _one(rows: Sequence[Any]) -> Any:
    """The one row, refused as ``Result.one`` refuses none or more."""
    if not rows:
        raise NoResultFound("No row was found when one was required")
    if len(rows) > 1:
        raise MultipleResultsFound("Multiple rows were found when exactly one was required")
    return rows[0]


@dataclass(frozen=True)
class AuditReport:
    """What :func:`verify` found: how many entries, and the first bad one with the reason."""

    entries: int
    head_hash: str
    bad_seq: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        """True when no entry was altered or deleted."""
        return self.bad_seq is None


def _recompute(entry: AuditEntry) -> str:
    return entry_hash(
        entry.prev_hash,
        seq=entry.seq,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        entity=entry.entity,
        entity_id=entry.entity_id,
        client_id=entry.client_id,
        detail=entry.detail,
    )


def _walk(entries: Iterable[AuditEntry]) -> AuditReport:
    """Check each link; an intact walk returns a report with no bad entry, ending at the last hash."""
    expected_seq, running = 1, GENESIS_HASH
    for entry in entries:
        count = expected_seq - 1
        if entry.seq != expected_seq:
            return AuditReport(count, running, expected_seq, f"entry {expected_seq} is missing (deleted)")
        self_consistent = _recompute(entry) == entry.hash
        if entry.prev_hash != running:
            # Entry seq-1 passed its own check, so either its hash was rewritten with its content
            # (then this entry, untouched, still hashes correctly) or this entry's link was edited.
            bad = entry.seq - 1 if self_consistent and entry.seq > 1 else entry.seq
            return AuditReport(count, running, bad, f"entry {bad} was altered (the chain breaks at it)")
        if not self_consistent:
            return AuditReport(count, running, entry.seq, f"entry {entry.seq} was altered")
        running, expected_seq = entry.hash, expected_seq + 1
    return AuditReport(expected_seq - 1, running)


def verify(db: Session, *, batch: int = 2000) -> AuditReport:
    """Walk the whole chain in order and report the first altered or deleted entry."""
    result = db.execute(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch))
    with closing(result):
        walked = _walk(result.scalars())
    if not walked.intact:
        return walked
    count, running = walked.entries, walked.head_hash
    head = db.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
    if head is None:
        return AuditReport(count, running, count + 1, "the chain's head row is missing (deleted)")
    if head.seq != count or head.hash != running:
        if head.seq > count:
            return AuditReport(
                count, running, count + 1, f"entries {count + 1}–{head.seq} are missing (deleted)"
            )
        return AuditReport(count, running, head.seq, "the chain's head row was altered")
    logger.info("audit chain intact: %d entries", count)
    return walked
