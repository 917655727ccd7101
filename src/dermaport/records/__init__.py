"""Clinic records: a durable database of clients, consents, sessions and their audit trail.

The pieces, each in its own module:

* :mod:`~dermaport.records.engine` and :mod:`~dermaport.records.database`: the engine factory
  (SQLite by default, PostgreSQL by URL) and :func:`open_database`, which refuses an unmigrated
  database;
* :mod:`~dermaport.records.migrate`: the packaged Alembic migrations (``dermaport db upgrade``);
* :mod:`~dermaport.records.models`: the tables;
* :mod:`~dermaport.records.access` and :mod:`~dermaport.records.accounts`: roles, accounts,
  sign-in sessions;
* :mod:`~dermaport.records.clients`, :mod:`~dermaport.records.clinical`,
  :mod:`~dermaport.records.bookings`, :mod:`~dermaport.records.photos`: the records functions
  the CLI and the API both call, each checking the actor's role and writing to the audit chain;
* :mod:`~dermaport.records.documents`: the writer that stores the device runner's documents as
  they arrive;
* :mod:`~dermaport.records.audit`: the hash-chained audit log and its verification;
* :mod:`~dermaport.records.rights`: a client's data export and erasure.

Nothing here connects to a database at import.
"""

from dermaport.records.access import Actor, Permission
from dermaport.records.database import Database, open_database

__all__ = ["Actor", "Database", "Permission", "open_database"]
