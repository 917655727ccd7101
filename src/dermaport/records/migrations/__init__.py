"""Alembic migrations of the records database, run by ``dermaport db upgrade``."""
