"""The web face of kessan (`kessan serve`): FastAPI + Jinja2 + htmx (vendored in static/),
server-rendered pages over the application layer (kessan.app) only."""

from .app import create_app

__all__ = ["create_app"]
