"""Lean reads for the views: Core selects of the columns a view shows, built once, rows made views.

A page or GET reads the same few statements over and over. Loading ORM instances for them
(identity map, instance state, lazy and ``selectin`` loaders) only to copy their attributes into
a :mod:`~dermaport.records.views` model cost most of a page's processor time; a Core select of
the view's own columns, built once at import (so its cache key is computed once and its
compiled form is found in the engine's cache), with the rows validated straight into the view,
reads the same values for a fraction of it. Writers keep the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Table

__all__ = ["table_of", "view_columns", "views_of"]

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
