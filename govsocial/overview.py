"""An agency's overview, per person: what needs them now, and what goes out today and
this week. Each app adds its parts from its ``AppConfig.ready`` (``needs`` and
``ahead``), so the page that gathers them imports none of the apps (DESIGN.md: arrows go
one way); a part sees the viewer's request, with its agency and membership bound."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

# How many things a part lists; a link leads to the rest.
SHOWN = 5


@dataclass(frozen=True)
class Part:
    """One part of the overview: its template and what it shows, and how many of the
    things it lists wait for the viewer."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    waiting: int = 0


def listing(
    template: str,
    key: str,
    rows: QuerySet[Any] | Sequence[Any],
    *,
    all_url: str = "",
    waiting: int | None = None,
    **context: Any,
) -> Part | None:
    """Return a part listing the first ``SHOWN`` of ``rows`` (as ``rows``), with how many
    more there are and where they all are, ``key`` naming it in the page; ``waiting``
    of them wait for the viewer (all when None). None when there is no row."""
    total = rows.count() if isinstance(rows, QuerySet) else len(rows)
    if not total:
        return None
    shown = list(rows[:SHOWN])
    return Part(
        template,
        context | {"key": key, "rows": shown, "more": total - len(shown), "all_url": all_url},
        waiting=total if waiting is None else waiting,
    )


Maker = Callable[[HttpRequest], Part | None]

_NEEDS: list[tuple[int, Maker]] = []
_AHEAD: list[tuple[int, Maker]] = []


def needs(order: int) -> Callable[[Maker], Maker]:
    """Add a part to "What needs you now", in ``order`` among the others; the part
    answers None when the viewer has nothing there (or may not see it)."""

    def add(maker: Maker) -> Maker:
        _NEEDS.append((order, maker))
        return maker

    return add


def ahead(order: int) -> Callable[[Maker], Maker]:
    """Add a part to "Today and this week", in ``order`` among the others."""

    def add(maker: Maker) -> Maker:
        _AHEAD.append((order, maker))
        return maker

    return add


@dataclass(frozen=True)
class Overview:
    """What the overview shows the viewer, part by part, and how many things wait for
    them in all."""

    needs: list[Part]
    ahead: list[Part]

    @property
    def waiting(self) -> int:
        return sum(part.waiting for part in self.needs)


def overview(request: HttpRequest) -> Overview:
    """Return the bound agency's overview as the viewer of ``request`` sees it."""

    def made(makers: list[tuple[int, Maker]]) -> list[Part]:
        parts = (maker(request) for _order, maker in sorted(makers, key=lambda one: one[0]))
        return [part for part in parts if part is not None]

    return Overview(needs=made(_NEEDS), ahead=made(_AHEAD))
