"""Build and take apart libpq connection URLs.

Unix-socket hosts are written percent-encoded in the host part
(``postgresql://user:pw@%2Fpath%2Fto%2Fsocketdir/db``): libpq, psycopg 3 and
dj-database-url all decode that form, and it keeps one URL shape everywhere.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

DEFAULT_DBNAME = "govsocial"
# Databases every cluster has; naming one in DATABASE_URL means "connect here to administer".
MAINTENANCE_DBS = frozenset({"", "postgres", "template0", "template1"})


def socket_url(socket_dir: Path, user: str, dbname: str) -> str:
    """Return a URL that connects through the unix socket in ``socket_dir``."""
    host = quote(str(socket_dir), safe="")
    return f"postgresql://{quote(user, safe='')}@{host}/{quote(dbname, safe='')}"


def with_login(url: str, user: str, password: str, dbname: str) -> str:
    """Return ``url`` with its user, password and database replaced (host, port, query kept)."""
    parts = urlsplit(url)
    hostport = parts.netloc.rpartition("@")[2]
    userinfo = quote(user, safe="")
    if password:
        userinfo += ":" + quote(password, safe="")
    path = "/" + quote(dbname, safe="")
    return urlunsplit((parts.scheme, f"{userinfo}@{hostport}", path, parts.query, ""))


def with_dbname(url: str, dbname: str) -> str:
    """Return ``url`` pointing at another database on the same server, same login."""
    parts = urlsplit(url)
    path = "/" + quote(dbname, safe="")
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def dbname_of(url: str) -> str:
    """Return the database named in the URL's path ('' when there is none)."""
    return unquote(urlsplit(url).path.lstrip("/"))


def user_of(url: str) -> str:
    """Return the user named in the URL ('' when there is none)."""
    return unquote(urlsplit(url).username or "")


def app_dbname(admin_url: str | None) -> str:
    """Choose the app database: the one named in DATABASE_URL, unless that is a maintenance db."""
    named = dbname_of(admin_url) if admin_url else ""
    return DEFAULT_DBNAME if named in MAINTENANCE_DBS else named


def maintenance_url(admin_url: str) -> str:
    """Return an admin URL for a database that is never dropped or recreated."""
    if dbname_of(admin_url) in MAINTENANCE_DBS - {""}:
        return admin_url
    return with_dbname(admin_url, "postgres")


def redact(url: str) -> str:
    """Return ``url`` with its password hidden, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    return urlunsplit((parts.scheme, f"{user}:***@{hostport}", parts.path, parts.query, ""))
