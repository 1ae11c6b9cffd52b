"""A post's status and its targets' states are written in one module (DESIGN.md,
invariant 9): every other module of the app asks ``publishing.services.transitions``.
The inbox's own machines (an item's status, a reply's state) are written in
``inbox.transitions`` alone, and a records request's status in ``archive.transitions``
alone; neither touches anything of publishing's.

Read from the source: an assignment of a status or state value, an update or bulk update
naming the field, a save naming ``status``, or a post saved whole (which writes its
status as it was read) anywhere else is a second writer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "approvals", "archive", "govsocial", "inbox", "publishing")
THE_WRITER = ROOT / "publishing" / "services" / "transitions.py"
THE_INBOX_WRITER = ROOT / "inbox" / "transitions.py"
THE_ARCHIVE_WRITER = ROOT / "archive" / "transitions.py"
FIELDS = {"status", "state"}
VALUES = ("PostStatus", "TargetState")


def _modules() -> list[Path]:
    return [
        path
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        and path not in (THE_WRITER, THE_INBOX_WRITER, THE_ARCHIVE_WRITER)
    ]


def _strings(node: ast.AST) -> set[str]:
    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def second_writes(source: str) -> list[int]:
    """Return the lines of ``source`` that write a post's status or a target's state."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            named = [t for t in targets if isinstance(t, ast.Attribute) and t.attr in FIELDS]
            value = ast.unparse(node.value) if node.value is not None else ""
            if named and any(kind in value for kind in VALUES):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            keywords = {k.arg: k.value for k in node.keywords}
            if method in {"update", "bulk_update"} and (
                FIELDS & set(keywords) or any(FIELDS & _strings(arg) for arg in node.args)
            ):
                lines.append(node.lineno)
            elif method == "save" and "update_fields" in keywords:
                if "status" in _strings(keywords["update_fields"]):
                    lines.append(node.lineno)
            elif (
                method == "save"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "post"
            ):
                lines.append(node.lineno)
    return sorted(lines)


def test_only_the_transitions_module_writes_a_posts_status_or_a_targets_state() -> None:
    found = {
        f"{path.relative_to(ROOT)}:{line}"
        for path in _modules()
        for line in second_writes(path.read_text(encoding="utf-8"))
    }
    assert found == set()


@pytest.mark.parametrize("writer", [THE_INBOX_WRITER, THE_ARCHIVE_WRITER])
def test_the_other_writers_write_only_their_own(writer: Path) -> None:
    source = writer.read_text(encoding="utf-8")
    assert not {"publishing", "PostStatus", "TargetState", "PostTarget"} & {
        name for node in ast.walk(ast.parse(source)) for name in _names(node)
    }


def _names(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.ImportFrom):
        return {(node.module or "").split(".")[0]}
    return set()


@pytest.mark.parametrize(
    "source",
    [
        "post.status = PostStatus.DRAFT",
        "target.state = TargetState.HELD if held else TargetState.SCHEDULED",
        "targets.update(state=TargetState.HELD)",
        "Post.objects.filter(pk=1).update(status=status)",
        'PostTarget.objects.bulk_update(targets, ["state", "next_attempt_at"])',
        'post.save(update_fields=["status", "updated_at"])',
        "post.save()",
    ],
)
def test_each_way_of_writing_one_is_seen(source: str) -> None:
    assert second_writes(source) == [1]


@pytest.mark.parametrize(
    "source",
    [
        "approval.state = state",
        "targets.filter(state=TargetState.PUBLISHED)",
        'post.save(update_fields=["text", "updated_at"])',
        'review.save(update_fields=["state", "note"])',
    ],
)
def test_reads_and_other_records_states_are_not_writes(source: str) -> None:
    assert second_writes(source) == []
