"""Who may do what: the role x route x method matrix, as data. The application enforces
exactly this table (web/app.py ``guard``), and tests/test_web_access.py walks every registered
route for every role and for no login against it. A route missing from the table is refused
to everyone: a new page must be given its roles here before anyone can open it."""

from __future__ import annotations

CLERK, APPROVER, CLOSER, AUDITOR, VIEWER, ADMIN = "clerk", "approver", "closer", "auditor", "viewer", "admin"
ROLES = (CLERK, APPROVER, CLOSER, AUDITOR, VIEWER, ADMIN)
BOOKS = frozenset({CLERK, APPROVER, CLOSER, AUDITOR})  # read the books: statements, postings, entries
PUBLISHED = BOOKS | {VIEWER}  # the published statements and the package downloads
ANYONE = frozenset(ROLES)

# routes anyone may open without logging in (the login form itself, the style sheet, htmx)
PUBLIC: frozenset[tuple[str, str]] = frozenset({("GET", "/login"), ("POST", "/login"), ("GET", "/static")})

# (method, route path) -> the roles allowed
MATRIX: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/"): ANYONE,  # sends each role to its first page
    ("POST", "/logout"): ANYONE,
    ("GET", "/dashboard"): BOOKS,
    ("GET", "/statements"): BOOKS,
    ("GET", "/statements/{table_id}"): BOOKS,
    ("GET", "/drill"): BOOKS,
    ("GET", "/entries/{entry_id}"): BOOKS,
    ("GET", "/search"): BOOKS,
    ("GET", "/search.csv"): BOOKS,
    ("GET", "/budget"): BOOKS,
    ("GET", "/trend"): BOOKS,
    ("GET", "/trend.svg"): BOOKS,
    ("GET", "/periods"): BOOKS,
    ("POST", "/periods/{year}"): frozenset({CLOSER}),
    ("GET", "/drafts/new"): frozenset({CLERK}),
    ("GET", "/drafts/balance"): frozenset({CLERK}),
    ("POST", "/drafts"): frozenset({CLERK}),
    ("GET", "/drafts/import"): frozenset({CLERK}),
    ("POST", "/drafts/import"): frozenset({CLERK}),
    ("GET", "/approvals"): frozenset({CLERK, APPROVER, CLOSER, AUDITOR}),
    ("POST", "/approvals/{draft_id}/approve"): frozenset({APPROVER}),
    ("POST", "/approvals/{draft_id}/reject"): frozenset({APPROVER}),
    ("GET", "/closing"): frozenset({CLOSER, AUDITOR}),
    ("POST", "/closing"): frozenset({CLOSER}),
    ("GET", "/audit"): frozenset({CLOSER, AUDITOR}),
    ("GET", "/verify"): frozenset({CLOSER, AUDITOR}),
    ("POST", "/publish"): frozenset({CLOSER}),
    ("GET", "/published"): PUBLISHED,
    ("GET", "/published/{table_id}"): PUBLISHED,
    ("GET", "/downloads/{name}"): PUBLISHED,
    ("GET", "/admin/users"): frozenset({ADMIN}),
    ("POST", "/admin/users"): frozenset({ADMIN}),
    ("POST", "/admin/users/{name}"): frozenset({ADMIN}),
}

# the first page of each role after logging in
HOME = {CLERK: "/dashboard", APPROVER: "/approvals", CLOSER: "/dashboard", AUDITOR: "/dashboard",
        VIEWER: "/published", ADMIN: "/admin/users"}


def allowed(role: str | None, method: str, path: str) -> bool:
    """May ``role`` (None: not logged in) send ``method`` to the route ``path``?"""
    method = "GET" if method == "HEAD" else method
    if (method, path) in PUBLIC:
        return True
    return role is not None and role in MATRIX.get((method, path), frozenset())
