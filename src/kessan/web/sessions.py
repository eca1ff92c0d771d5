"""Server-side sessions and login throttling, in the server's memory.

A session is a random id in an HttpOnly cookie; the server keeps who it belongs to, the
user's role and the CSRF token of its forms, so logout ends it at once (a signed cookie could
not be revoked). Sessions end after ``IDLE`` without a request. A restart logs everyone out.

Throttling: after ``FAILURES`` wrong passwords for one name or from one address within
``WINDOW``, further attempts are refused until the window has passed, before any password is
checked (so guessing costs time, and a refused attempt costs no argon2 work)."""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

IDLE = 8 * 3600.0
FAILURES = 5
WINDOW = 300.0


@dataclass(frozen=True)
class Session:
    id: str
    user: str
    role: str
    csrf: str
    last_seen: float


@dataclass
class Sessions:
    idle: float = IDLE
    _by_id: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, user: str, role: str) -> Session:
        session = Session(secrets.token_urlsafe(32), user, role, secrets.token_urlsafe(32), time.monotonic())
        with self._lock:
            self._by_id[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session of this id (its idle clock restarted), or None."""
        if not session_id:
            return None
        now = time.monotonic()
        with self._lock:
            found = self._by_id.get(session_id)
            if found is None:
                return None
            if now - found.last_seen > self.idle:
                del self._by_id[session_id]
                return None
            found = Session(found.id, found.user, found.role, found.csrf, now)
            self._by_id[session_id] = found
            return found

    def end(self, session_id: str) -> None:
        with self._lock:
            self._by_id.pop(session_id, None)

    def end_user(self, user: str) -> None:
        """Log a user out everywhere (disabled, or their role changed)."""
        with self._lock:
            for sid in [sid for sid, s in self._by_id.items() if s.user == user]:
                del self._by_id[sid]


@dataclass
class Throttle:
    failures: int = FAILURES
    window: float = WINDOW
    _seen: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._seen.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def blocked(self, *keys: str) -> float:
        """Seconds until an attempt under any of ``keys`` is allowed again (0: allowed now)."""
        now = time.monotonic()
        with self._lock:
            waits = [self.window - (now - times[0]) for key in keys
                     if len(times := self._recent(key, now)) >= self.failures]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._seen.pop(key, None)
