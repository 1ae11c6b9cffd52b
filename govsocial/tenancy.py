"""Tenant scoping: which agency a unit of work acts for, enforced twice.

The first wall is the ORM: every agency-owned model inherits ``AgencyOwned``, whose
default manager raises ``AgencyNotBound`` when no agency is bound and otherwise filters
by the bound agency. The second wall is PostgreSQL row-level security: each
agency-owned table has a policy comparing ``agency_id`` with the transaction-local
setting ``govsocial.agency_id``, which ``ScopeSetting`` writes into every transaction
bound to an agency before its first query. A query that slips past the first wall still
sees only the bound agency's rows, or none.

The agency is bound with ``agency_scope`` by the entry points: the dashboard middleware,
the API base viewset and the ``with_agency_scope`` task decorator. This module imports
no app.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, ParamSpec, TypeVar

from django.db import migrations, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from psycopg.pq import TransactionStatus

AGENCY_SETTING = "govsocial.agency_id"
USER_SETTING = "govsocial.user_id"


class AgencyNotBound(RuntimeError):
    """Raised when agency-owned rows are read or written with no agency bound."""


@dataclass(frozen=True)
class Scope:
    """The agency (and user) a unit of work acts for."""

    agency_id: int | None
    user_id: int | None = None


# What no agency and no user bound looks like, and what a transaction starts with.
UNBOUND = Scope(agency_id=None)

_scope: contextvars.ContextVar[Scope] = contextvars.ContextVar("govsocial_scope", default=UNBOUND)


def current_scope() -> Scope:
    """Return the scope bound to the running request, task or command."""
    return _scope.get()


def bound_agency_id() -> int | None:
    """Return the id of the bound agency, or None."""
    return _scope.get().agency_id


def required_agency_id(refusal: str) -> int:
    """Return the id of the bound agency; raise ``AgencyNotBound`` with ``refusal`` (what
    needs one) when none is bound."""
    agency_id = _scope.get().agency_id
    if agency_id is None:
        raise AgencyNotBound(refusal)
    return agency_id


@contextmanager
def agency_scope(agency_id: int, *, user_id: int | None = None) -> Iterator[Scope]:
    """Bind ``agency_id`` (and optionally the acting user) for the enclosed block."""
    if not isinstance(agency_id, int) or isinstance(agency_id, bool):
        raise TypeError("agency_scope takes an agency id")
    token = _scope.set(Scope(agency_id=agency_id, user_id=user_id))
    try:
        yield _scope.get()
    finally:
        _scope.reset(token)


@contextmanager
def user_scope(user_id: int) -> Iterator[Scope]:
    """Bind only a user: rows of the user's own memberships, no agency data."""
    token = _scope.set(Scope(agency_id=None, user_id=user_id))
    try:
        yield _scope.get()
    finally:
        _scope.reset(token)


P = ParamSpec("P")
R = TypeVar("R")


def with_agency_scope(task: Callable[P, R]) -> Callable[P, R]:
    """Bind the ``agency_id`` keyword argument of a task for the task's run."""

    @functools.wraps(task)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        agency_id = kwargs.get("agency_id")
        if not isinstance(agency_id, int):
            raise AgencyNotBound(f"{task.__name__} needs agency_id as a keyword argument")
        with agency_scope(agency_id):
            return task(*args, **kwargs)

    return run


def each_agency(task: Any, *, active_only: bool = True) -> None:
    """Queue ``task`` once for every agency (only the active ones, unless told), each
    run bound to its agency by ``with_agency_scope``."""
    from django.apps import apps

    agencies = apps.get_model("accounts", "Agency").objects.all()
    if active_only:
        agencies = agencies.filter(is_active=True)
    for agency_id in agencies.values_list("id", flat=True):
        task.delay(agency_id=agency_id)


# The ORM wall ---------------------------------------------------------------------


class AgencyScopedQuerySet(models.QuerySet[Any]):
    """A queryset of agency-owned rows."""


class AgencyScopedManager(models.Manager[Any]):
    """Return only the bound agency's rows; raise when none is bound (fail-closed)."""

    def get_queryset(self) -> AgencyScopedQuerySet:
        agency_id = bound_agency_id()
        if agency_id is None:
            raise AgencyNotBound(f"{self.model.__name__} rows were requested with no agency bound")
        return AgencyScopedQuerySet(self.model, using=self._db).filter(agency_id=agency_id)

    def for_agency(self, agency_id: int) -> AgencyScopedQuerySet:
        """Return the rows of ``agency_id`` (the database still hides other agencies)."""
        return AgencyScopedQuerySet(self.model, using=self._db).filter(agency_id=agency_id)

    def unscoped(self) -> AgencyScopedQuerySet:
        """Return rows without the ORM filter; every caller says why in a comment."""
        return AgencyScopedQuerySet(self.model, using=self._db)


def agency_key(*, indexed: bool = True) -> models.ForeignKey[Any, Any]:
    """Return the agency an agency-owned row belongs to, as a field. A model with an
    index of its own that begins with the agency leaves it unindexed (``indexed=False``):
    an index of the agency alone would answer nothing that one does not, and cost every
    write (``tests/govsocial/test_indexes.py`` finds any such index)."""
    return models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="+", db_index=indexed
    )


def indexes_dropped(
    state: list[migrations.AlterField], indexes: dict[str, str]
) -> migrations.SeparateDatabaseAndState:
    """Return the migration operation that drops ``indexes`` (name: the table and its
    column, as "table (column)"), each of one column whose lookups another index of its
    table serves (one that begins with it, or with the agency then it), and gives their
    foreign keys ``db_index=False`` (``state``). Only the indexes go: Django's own would
    also drop and add again each foreign key, checking every row of the table under lock.
    Going back builds them again."""
    return migrations.SeparateDatabaseAndState(
        state_operations=state,
        database_operations=[
            migrations.RunSQL(
                [f"DROP INDEX IF EXISTS {name}" for name in indexes],
                [f"CREATE INDEX IF NOT EXISTS {name} ON {on}" for name, on in indexes.items()],
            )
        ],
    )


def agency_unindexed(model_name: str) -> migrations.AlterField:
    """Return the migration state of ``model_name``'s agency declared
    ``agency_key(indexed=False)``, for ``indexes_dropped`` (the field as it then stood,
    written out: a migration's state must not follow later changes to ``agency_key``)."""
    return migrations.AlterField(
        model_name=model_name,
        name="agency",
        field=models.ForeignKey(
            db_index=False, on_delete=models.PROTECT, related_name="+", to="accounts.agency"
        ),
    )


class AgencyOwned(models.Model):
    """Base of every model whose rows belong to one agency.

    Its table must get ``agency_row_security`` in the migration that creates it; a
    meta-test fails for any subclass whose table has no policy.
    """

    agency = agency_key()

    objects = AgencyScopedManager()
    # True only for routing rows every agency may read (``agency_row_security(...,
    # readable_by_all=True)``); writes stay walled all the same.
    readable_by_all: ClassVar[bool] = False

    class Meta:
        abstract = True


def agency_owned_models() -> list[type[models.Model]]:
    """Return every concrete agency-owned model."""
    from django.apps import apps

    return [
        model
        for model in apps.get_models()
        if issubclass(model, AgencyOwned) and not model._meta.abstract
    ]


# The database wall ----------------------------------------------------------------


def agency_row_security(
    table: str, *, also_visible_to_user: str | None = None, readable_by_all: bool = False
) -> Any:
    """Return the migration operation that puts ``table`` behind row-level security.

    ``also_visible_to_user`` names a user column whose rows the bound user may read in
    any agency (a person's own memberships, for the agency switcher).
    ``readable_by_all`` leaves reading open and walls only writes: for routing data
    needed before anyone signs in (which agency serves an email domain).
    """
    agency_match = f"agency_id = NULLIF(current_setting('{AGENCY_SETTING}', true), '')::bigint"
    visible = agency_match
    if readable_by_all:
        visible = "true"
    elif also_visible_to_user:
        visible = (
            f"({agency_match}) OR {also_visible_to_user} = "
            f"NULLIF(current_setting('{USER_SETTING}', true), '')::bigint"
        )
    return migrations.RunSQL(
        sql=[
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
            f"CREATE POLICY agency_read ON {table} FOR SELECT USING ({visible})",
            f"CREATE POLICY agency_insert ON {table} FOR INSERT WITH CHECK ({agency_match})",
            f"CREATE POLICY agency_update ON {table} FOR UPDATE "
            f"USING ({agency_match}) WITH CHECK ({agency_match})",
            f"CREATE POLICY agency_delete ON {table} FOR DELETE USING ({agency_match})",
        ],
        reverse_sql=[
            f"DROP POLICY IF EXISTS agency_read ON {table}",
            f"DROP POLICY IF EXISTS agency_insert ON {table}",
            f"DROP POLICY IF EXISTS agency_update ON {table}",
            f"DROP POLICY IF EXISTS agency_delete ON {table}",
            f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
        ],
    )


class ScopeSetting:
    """Write the bound scope into each transaction before its first query.

    Installed as an execute wrapper on every connection. The settings are
    transaction-local (``set_config(..., true)``), so they vanish at commit or rollback
    and can never leak into the next request served by the same connection. So every
    transaction starts with the empty scope (no agency, no user) in force, and a query
    bound to nothing needs neither a setting nor a transaction of its own.
    """

    def __init__(self) -> None:
        self.applied: Scope | None = None

    def __call__(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        raw_connection = context["connection"].connection
        scope = _scope.get()
        if raw_connection.autocommit:
            if scope == UNBOUND:
                return execute(sql, params, many, context)
            # Outside a transaction each statement is its own; give it one so the
            # setting and the statement share it.
            raw_connection.execute("BEGIN")
            try:
                self._apply(raw_connection, scope)
                result = execute(sql, params, many, context)
            except BaseException:
                raw_connection.execute("ROLLBACK")
                self.applied = None
                raise
            raw_connection.execute("COMMIT")
            self.applied = None
            return result
        if raw_connection.info.transaction_status == TransactionStatus.IDLE:
            self.applied = UNBOUND
        if self.applied != scope:
            self._apply(raw_connection, scope)
        if sql.lstrip()[:11].upper() == "ROLLBACK TO":
            # Rolling back to a savepoint also rolls back settings made after it.
            self.applied = None
        return execute(sql, params, many, context)

    def _apply(self, raw_connection: Any, scope: Scope) -> None:
        raw_connection.execute(
            "SELECT set_config(%s, %s, true), set_config(%s, %s, true)",
            [
                AGENCY_SETTING,
                "" if scope.agency_id is None else str(scope.agency_id),
                USER_SETTING,
                "" if scope.user_id is None else str(scope.user_id),
            ],
        )
        self.applied = scope


def install_scope_setting(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Add the scope setting to a newly opened database connection."""
    if not any(isinstance(w, ScopeSetting) for w in connection.execute_wrappers):
        connection.execute_wrappers.append(ScopeSetting())


connection_created.connect(install_scope_setting, dispatch_uid="govsocial-scope-setting")
