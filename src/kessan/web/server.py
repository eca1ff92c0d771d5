"""Running the web application: open the book, build the app, serve it with uvicorn."""

from __future__ import annotations

import os
from pathlib import Path

import uvicorn

from .. import app as kessan
from .app import create_app


def serve(book_dir: Path | None, url: str | None, book_code: str | None, *, host: str, port: int,
          out_dir: Path = Path("out")) -> None:
    """Serve until interrupted. With ``book_dir``, its registers feed the closing and its
    publish.toml the package; the book is loaded into the database first if it is not there."""
    url = url or os.environ.get("KESSAN_DATABASE_URL")
    if book_dir is not None and not url:
        raise kessan.BadInput("serve keeps the books in a database: name it with --db (or KESSAN_DATABASE_URL)")
    with kessan.open_book(book_dir, url, book_code, actor="kessan serve") as book:
        book.report()  # built now, so the first reader does not wait for it (and an unreadable book fails here)
        uvicorn.run(create_app(book, out_dir), host=host, port=port, log_level="info", proxy_headers=True)
