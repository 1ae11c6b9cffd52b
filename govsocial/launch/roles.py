"""Provision the database and its two roles, and check the app role's security invariant.

The app connects as ``govsocial_app``: no superuser, no BYPASSRLS, no ownership,
so row-level security and table privileges always apply to it. Migrations run
as ``govsocial_owner``, which owns the database, its public schema and the tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from govsocial.launch.common import LaunchError, say
from govsocial.launch.dburl import maintenance_url, redact, user_of, with_dbname, with_login

OWNER_ROLE = "govsocial_owner"
APP_ROLE = "govsocial_app"

# pg_roles column -> (keyword when true, keyword when false)
KEYWORDS = {
    "rolcanlogin": ("LOGIN", "NOLOGIN"),
    "rolsuper": ("SUPERUSER", "NOSUPERUSER"),
    "rolbypassrls": ("BYPASSRLS", "NOBYPASSRLS"),
    "rolcreaterole": ("CREATEROLE", "NOCREATEROLE"),
    "rolcreatedb": ("CREATEDB", "NOCREATEDB"),
    "rolinherit": ("INHERIT", "NOINHERIT"),
}
OWNER_ATTRIBUTES = {
    "rolcanlogin": True,
    "rolsuper": False,
    "rolbypassrls": False,
    "rolcreaterole": False,
}
APP_ATTRIBUTES = {**OWNER_ATTRIBUTES, "rolcreatedb": False, "rolinherit": False}


@dataclass(frozen=True)
class DatabaseUrls:
    """Hold the two URLs the app's processes receive."""

    app: str
    owner: str


def provision(
    admin_url: str, dbname: str, passwords: dict[str, str], *, fresh: bool
) -> DatabaseUrls:
    """Create or repair the roles and database ``dbname``; recreate it when ``fresh``."""
    say(f"provisioning database {dbname!r} via {redact(admin_url)}")
    with _connect(maintenance_url(admin_url)) as conn:
        _ensure_role(conn, OWNER_ROLE, OWNER_ATTRIBUTES, passwords["db_owner_password"])
        _ensure_role(conn, APP_ROLE, APP_ATTRIBUTES, passwords["db_app_password"])
        _ensure_database(conn, dbname, fresh=fresh)
        database = sql.Identifier(dbname)
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database))
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, sql.Identifier(APP_ROLE))
        )
    with _connect(with_dbname(maintenance_url(admin_url), dbname)) as conn:
        owner, app = sql.Identifier(OWNER_ROLE), sql.Identifier(APP_ROLE)
        conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(owner))
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(app))
    return database_urls(admin_url, dbname, passwords)


def database_urls(admin_url: str, dbname: str, passwords: dict[str, str]) -> DatabaseUrls:
    """Return the app and owner URLs of ``dbname`` on the server of ``admin_url``, as
    ``provision`` leaves them (nothing is changed on the server)."""
    return DatabaseUrls(
        app=with_login(admin_url, APP_ROLE, passwords["db_app_password"], dbname),
        owner=with_login(admin_url, OWNER_ROLE, passwords["db_owner_password"], dbname),
    )


def verify_app_role(urls: DatabaseUrls, *, quiet: bool = False) -> None:
    """Refuse to continue unless the app role is powerless beyond its grants."""
    owner = user_of(urls.owner)
    with _connect(urls.app) as conn:
        row = conn.execute(
            """
            SELECT r.rolsuper, r.rolbypassrls, r.rolcreaterole,
                   d.datdba = r.oid,
                   EXISTS (SELECT 1 FROM pg_roles o WHERE o.rolname = %s
                           AND pg_has_role(current_user, o.oid, 'MEMBER')),
                   (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid) > 0
            FROM pg_roles r, pg_database d
            WHERE r.rolname = current_user AND d.datname = current_database()
            """,
            [owner],
        ).fetchone()
    problems = [
        "is a superuser",
        "has BYPASSRLS",
        "has CREATEROLE",
        "owns the database",
        f"is a member of the owner role {owner!r}",
        "owns tables or other relations",
    ]
    found = [problem for problem, bad in zip(problems, row or (True,) * 6, strict=True) if bad]
    if found:
        raise LaunchError(
            f"the app database role {user_of(urls.app)!r} must be unprivileged, but it "
            + ", ".join(found)
        )
    if not quiet:
        say(f"checked: app role {user_of(urls.app)!r} is not superuser, BYPASSRLS or owner")


def _connect(url: str) -> psycopg.Connection[tuple[object, ...]]:
    """Open an autocommit connection, turning failures into a readable error."""
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as error:
        raise LaunchError(f"cannot connect to {redact(url)}: {error}") from None


def _ensure_role(
    conn: psycopg.Connection[tuple[object, ...]],
    name: str,
    attributes: dict[str, bool],
    password: str,
) -> None:
    """Create role ``name``, or change only the attributes that differ (keeps ALTER legal
    for non-superuser admins), and set its password."""
    columns = sql.SQL(", ").join(sql.Identifier(column) for column in attributes)
    current = conn.execute(
        sql.SQL("SELECT {} FROM pg_roles WHERE rolname = %s").format(columns), [name]
    ).fetchone()
    wanted = [
        KEYWORDS[column][0 if value else 1]
        for index, (column, value) in enumerate(attributes.items())
        if current is None or current[index] != value
    ]
    # Hash client-side so the clear-text password never reaches server logs.
    verifier = conn.pgconn.encrypt_password(password.encode(), name.encode()).decode()
    verb = "CREATE" if current is None else "ALTER"
    # Only constant keywords are spliced in; names and values go through Identifier/Literal.
    statement = sql.SQL(" ".join([verb, "ROLE {} WITH", *wanted, "PASSWORD {}"]))
    conn.execute(statement.format(sql.Identifier(name), sql.Literal(verifier)))


def _ensure_database(
    conn: psycopg.Connection[tuple[object, ...]], dbname: str, *, fresh: bool
) -> None:
    """Create ``dbname`` owned by the owner role (dropping it first when ``fresh``)."""
    database, owner = sql.Identifier(dbname), sql.Identifier(OWNER_ROLE)
    if fresh:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
    row = conn.execute(
        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [dbname]
    ).fetchone()
    if row is None:
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0 ENCODING 'UTF8'").format(
                database, owner
            )
        )
    elif row[0] != OWNER_ROLE:
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(database, owner))
