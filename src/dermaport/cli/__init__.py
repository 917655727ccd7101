"""The ``dermaport`` command line: one command per job, thin over the packages."""

from dermaport.cli.main import app, main

__all__ = ["app", "main"]
