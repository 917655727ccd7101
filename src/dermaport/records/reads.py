"""Lean reads for the views: Core selects of the columns a view shows, built once, rows made views.

A page or GET reads the same few statements over and over. Loading ORM instances for them
(identity map, instance state, lazy and ``selectin`` loaders) only to copy their attributes into
a :mod:`~dermaport.records.views` model cost most of a page's processor time; a Core select of
the view's own columns, built once at import (so its cache key is computed once and its
compiled form is found in the engine's cache), with the rows validated straight into the view,
reads the same values for a fraction of it. Writers keep the ORM.

The hottest of them (a client's page runs about fifteen) are :class:`PreparedRead`: on SQLite
the statement is compiled once, and each read runs its SQL on the unit of work's own DBAPI
cursor, with the result types' own converters, rather than through the session's and the
connection's execution machinery (about 200 µs a statement on the 2-core benchmark machine,
against about 25 µs).
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Connection, Insert, Select, Table, Update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

__all__ = ["PreparedRead", "PreparedWrite", "connection_of", "table_of", "view_columns", "views_of"]

V = TypeVar("V", bound=BaseModel)


def table_of(model: Any) -> Table:
    """The table an ORM class is mapped to."""
    return cast(Table, model.__table__)


def view_columns(model: Any, view: type[BaseModel]) -> list[ColumnElement[Any]]:
    """The columns of ``model``'s table that ``view`` has a field for, in the view's order."""
    table = table_of(model)
    return [table.c[name] for name in view.model_fields if name in table.c]


def views_of(view: type[V], rows: Iterable[Any]) -> list[V]:
    """Each row (attributes named as the view's fields) validated into ``view``."""
    return [view.model_validate(row, from_attributes=True) for row in rows]


def connection_of(db: Session) -> Connection:
    """The unit of work's connection, its pending ORM changes flushed: for several prepared reads in a row.

    (Each read given the session looks its connection up again, about 30 µs.)
    """
    if db.autoflush and (db.new or db.dirty or db.deleted):
        db.flush()
    return db.connection()


Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Plan:
    """A statement compiled for one dialect: its SQL, its parameters in order, how to convert its rows."""

    sql: str
    params: tuple[tuple[str, Processor], ...]
    #: The values the statement itself holds (literals, as ``id == 1``'s), by parameter name.
    fixed: Mapping[str, Any]
    row: Callable[..., Any]
    converters: tuple[Processor, ...]


class PreparedRead:
    """A select (built once, at import) read straight off the unit of work's DBAPI cursor on SQLite.

    The rows are named tuples with the statement's column keys as attributes (as
    :class:`sqlalchemy.engine.Row`'s), each value converted by its column type's own result
    processor (dates and times, JSON, booleans), so they hold the same values as
    ``db.execute(statement, params)``'s. Pending ORM changes are flushed first (as the
    session's autoflush would). Other dialects, a statement whose SQL is completed at execution
    (expanding ``IN``), and any database error go through ``db.execute`` as before (so errors
    are SQLAlchemy's).
    """

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._plans: dict[str, _Plan | None] = {}
        self._lock = threading.Lock()

    def all(self, db: Session | Connection, params: Mapping[str, Any]) -> Sequence[Any]:
        """Every row of the statement with ``params`` (in a session's unit of work, or on a connection)."""
        connection = db if isinstance(db, Connection) else connection_of(db)
        dialect = connection.dialect
        plan = _planned(self._plans, self._lock, dialect, lambda: _compile(self.statement, dialect))
        if plan is None:
            return db.execute(self.statement, params).all()
        if plan.fixed:
            params = {**plan.fixed, **params}
        values = tuple(params[name] if proc is None else proc(params[name]) for name, proc in plan.params)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(plan.sql, values)
            raw = cursor.fetchall()
        except dialect.loaded_dbapi.Error:
            return db.execute(self.statement, params).all()  # raised (or read) as SQLAlchemy does
        finally:
            cursor.close()
        make, converters = plan.row, plan.converters
        if not any(converters):
            return [make(*r) for r in raw]
        return [
            make(*(v if c is None or v is None else c(v) for c, v in zip(converters, r, strict=True)))
            for r in raw
        ]

    def first(self, db: Session | Connection, params: Mapping[str, Any]) -> Any | None:
        """The first row, or None."""
        rows = self.all(db, params)
        return rows[0] if rows else None


P = TypeVar("P")


def _planned(
    plans: dict[str, P | None], lock: threading.Lock, dialect: Dialect, make: Callable[[], P | None]
) -> P | None:
    """The statement's plan for ``dialect`` from ``plans``, made once (under ``lock``) on first use."""
    try:
        return plans[dialect.name]
    except KeyError:
        with lock:
            if dialect.name not in plans:
                plans[dialect.name] = make()
            return plans[dialect.name]


class PreparedWrite:
    """An insert or update (built once) run on a bare connection's DBAPI cursor on SQLite.

    For the audit chain's group appends, which run for every read. Each row must have exactly
    the parameters ``keys`` (an insert's columns, or an update's bind parameters); the
    statement is compiled once for them, each value converted by its type's own bind processor
    (as SQLAlchemy's execution does). Other dialects, rows with other keys, and any database
    error go through ``connection.execute`` (so errors are SQLAlchemy's).
    """

    def __init__(self, statement: Insert | Update, keys: Sequence[str]) -> None:
        self.statement = statement
        self.keys = frozenset(keys)
        self._plans: dict[str, _WritePlan | None] = {}
        self._lock = threading.Lock()

    def run(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute the statement once per row (one ``executemany``)."""
        dialect = connection.dialect
        plan = _planned(
            self._plans, self._lock, dialect, lambda: _compile_write(self.statement, self.keys, dialect)
        )
        if plan is None or any(row.keys() != self.keys for row in rows):
            connection.execute(self.statement, list(rows))
            return
        fixed = plan.fixed
        values = [
            tuple(
                (row[name] if name in row else fixed[name])
                if proc is None
                else proc(row[name] if name in row else fixed[name])
                for name, proc in plan.params
            )
            for row in rows
        ]
        cursor = connection.connection.cursor()
        try:
            cursor.executemany(plan.sql, values)
        except dialect.loaded_dbapi.Error:
            connection.execute(self.statement, list(rows))  # raised (or written) as SQLAlchemy does
        finally:
            cursor.close()


@dataclass(frozen=True)
class _WritePlan:
    sql: str
    params: tuple[tuple[str, Processor], ...]
    fixed: Mapping[str, Any]


def _bind_processors(
    compiled: Any, names: Sequence[str], dialect: Dialect
) -> tuple[tuple[str, Processor], ...]:
    """Each parameter's name with its type's bind processor for ``dialect`` (None: passed as it is)."""
    return tuple(
        (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names
    )


def _fixed(compiled: Any, names: Sequence[str]) -> dict[str, Any]:
    """The values the statement holds itself (literals, as ``id == 1``'s), by parameter name."""
    return {name: compiled.binds[name].value for name in names if not compiled.binds[name].required}


def _compile_write(statement: Insert | Update, keys: frozenset[str], dialect: Dialect) -> _WritePlan | None:
    if dialect.name != "sqlite":
        return None
    columns = sorted(keys) if isinstance(statement, Insert) else None
    compiled = statement.compile(dialect=dialect, column_keys=columns)
    sql, names = str(compiled), compiled.positiontup
    if not compiled.positional or names is None or "POSTCOMPILE" in sql:
        return None
    fixed = _fixed(compiled, names)
    if set(names) - set(fixed) != keys:
        return None
    return _WritePlan(sql, _bind_processors(compiled, names, dialect), fixed)


def _compile(statement: Select[Any], dialect: Dialect) -> _Plan | None:
    """The statement's plan for ``dialect`` (None where it must go through the session: see PreparedRead)."""
    if dialect.name != "sqlite":
        return None
    compiled = statement.compile(dialect=dialect)
    sql = str(compiled)
    names = compiled.positiontup
    if not compiled.positional or names is None or "POSTCOMPILE" in sql:
        return None
    params = _bind_processors(compiled, names, dialect)
    keys = list(statement.selected_columns.keys())
    if len(set(keys)) != len(keys) or not all(k.isidentifier() and not k.startswith("_") for k in keys):
        return None
    converters = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.selected_columns
    )
    row = namedtuple("PreparedRow", keys)  # type: ignore[misc]
    fixed = _fixed(compiled, names)
    return _Plan(sql=sql, params=params, fixed=fixed, row=row, converters=converters)
