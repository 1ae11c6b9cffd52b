"""Serve the subset of Meta's Graph API govsocial uses (Facebook pages, Instagram),
under ``/graph/{version}`` with any version ``vNN.N``.

Parameters are read from the query string, a form or a JSON body, like Graph does; the
token from ``access_token`` or ``Authorization: Bearer|OAuth``; ``fields`` selects
fields (with nested ``messages{message,from}``). Lists answer ``{"data", "paging"}``
with ``limit``/``after`` cursors. Errors use Graph's envelope, and every answer carries
``X-App-Usage`` and ``X-Business-Use-Case-Usage``. See ``routes`` for the paths.
"""
