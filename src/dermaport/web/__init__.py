"""The web API over the clinic records (FastAPI): ``create_app(settings)`` builds it."""

from dermaport.web.app import create_app

__all__ = ["create_app"]
