"""How the web server runs wherever govsocial ships it: ``make run``, the image that
``docker-compose.yml`` starts, and the API benchmark (``bench/api.py``). The address
(``-b``) and the access log are each command's own. ``GUNICORN_CMD_ARGS`` overrides
this file (``--workers 4``: a container given fewer CPUs than its host has, since
``os.cpu_count`` counts the host's).

Two processes per CPU of two threads each, keeping clients' connections alive between
requests (``gthread``; gunicorn's default worker closes a connection after every
request). A process runs Python on one core at a time, and a request spends part of its
time waiting on PostgreSQL, so a few threads keep the cores busy; more threads per
process only wait longer for the interpreter. Measured on two cores, five runs of each
(README, Measurements): against two processes of four threads, the median p99 fell on
every endpoint (the post list from 238-299 ms to 166-202 ms) and the ceiling's rate rose
a tenth, for about 350 MB more (four processes of about 190 MB rather than two).
"""

import os

from django.conf import settings

from govsocial.memory import loaded_freeze

worker_class = "gthread"
workers = 2 * (os.cpu_count() or 1)
threads = 2


def post_worker_init(worker: object) -> None:
    """Once a process has loaded the app, load every view too (the URL patterns import
    them) and leave all of it out of the garbage collector's passes."""
    loaded_freeze(settings.ROOT_URLCONF)
