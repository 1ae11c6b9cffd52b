"""Merkle trees as Certificate Transparency defines them (RFC 6962, RFC 9162 §2.1):
hashes of leaves and nodes, tree heads, inclusion and consistency proofs, and their
verification.

Python's standard library only, and no Django, so that anyone holding an exported
record, a proof and a signed tree head can check them with this one file.

A tree of ``size`` leaves is built of complete subtrees: a subtree at ``level`` with
``index`` covers the leaves ``[index << level, (index + 1) << level)``. A log stores
each complete subtree's hash once, when its last leaf arrives (``Frontier.append``),
and never changes it; any other range of the tree, and so any proof, is computed from
a few of them (``range_subtrees``, ``range_hash``).
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
# The head of a tree with no leaves.
EMPTY_ROOT = hashlib.sha256(b"").digest()

# (level, index): the complete subtree over leaves [index << level, (index + 1) << level).
Subtree = tuple[int, int]
# (start, end): the leaves [start, end) of a tree, hashed as RFC 6962's MTH(D[start:end]).
Range = tuple[int, int]
T = TypeVar("T")


def leaf_hash(entry: bytes) -> bytes:
    """Return the hash of one leaf: SHA-256 over 0x00 and the entry."""
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the hash of a node: SHA-256 over 0x01 and its two children's hashes."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split(size: int) -> int:
    """Return where RFC 6962 splits ``size`` (at least 2) leaves: the largest power of
    two smaller than ``size``."""
    if size < 2:
        raise ValueError("only a tree of two leaves or more is split")
    return 1 << ((size - 1).bit_length() - 1)


def range_subtrees(start: int, end: int) -> list[Subtree]:
    """Return the complete subtrees, left to right, whose hashes give the hash of the
    leaves ``[start, end)``: the decreasing powers of two of ``end - start`` from
    ``start``. ``start`` must begin a subtree at least that large, as every range
    ``inclusion_ranges`` and ``consistency_ranges`` return does."""
    if not 0 <= start < end:
        raise ValueError(f"no leaves in [{start}, {end})")
    pieces = []
    position, left = start, end - start
    while left:
        level = left.bit_length() - 1
        if position % (1 << level):
            raise ValueError(f"[{start}, {end}) is not a range of the tree")
        pieces.append((level, position >> level))
        position += 1 << level
        left -= 1 << level
    return pieces


def range_hash(start: int, end: int, subtree_hash: Callable[[Subtree], bytes]) -> bytes:
    """Return MTH(D[start:end]) from the hashes of its complete subtrees: the last two
    joined first, as the tree joins them."""
    hashes = [subtree_hash(piece) for piece in range_subtrees(start, end)]
    result = hashes.pop()
    while hashes:
        result = node_hash(hashes.pop(), result)
    return result


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """Return the ranges whose hashes are the inclusion proof of leaf ``index`` in a
    tree of ``size`` leaves (RFC 6962 §2.1.1's PATH), from the leaf up."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + split(end - start)
        if index < middle:
            path.append((middle, end))
            end = middle
        else:
            path.append((start, middle))
            start = middle
    path.reverse()
    return path


def inclusion_folds(
    indexes: Sequence[int], size: int, fold: Callable[[T, Range], T], top: T
) -> list[T]:
    """Return, for each of the leaves ``indexes`` (ascending) of a tree of ``size``
    leaves, its inclusion proof's ranges folded from the root down: ``fold(above,
    range)`` from ``top``, each range of ``inclusion_ranges`` from the last to the
    first. Leaves under one node share what is folded above it, worked out once: a
    chunk of neighbouring leaves costs about two folds a leaf, not one a level."""
    folded: list[T] = []

    def walk(start: int, end: int, low: int, high: int, above: T) -> None:
        # indexes[low:high] are the leaves in [start, end).
        if end - start == 1:
            folded.extend([above] * (high - low))
            return
        middle = start + split(end - start)
        cut = bisect_left(indexes, middle, low, high)
        if cut > low:
            walk(start, middle, low, cut, fold(above, (middle, end)))
        if high > cut:
            walk(middle, end, cut, high, fold(above, (start, middle)))

    if indexes:
        if not 0 <= indexes[0] <= indexes[-1] < size:
            raise ValueError(
                f"leaves {indexes[0]} to {indexes[-1]} are not all in a tree of {size}"
            )
        walk(0, size, 0, len(indexes), top)
    return folded


def consistency_ranges(first: int, second: int) -> list[Range]:
    """Return the ranges whose hashes prove that the tree of ``second`` leaves extends
    the tree of its first ``first`` (RFC 6962 §2.1.2's PROOF), from the bottom up."""
    if not 0 <= first <= second:
        raise ValueError(f"a tree of {second} leaves cannot extend one of {first}")
    if first in (0, second):
        return []
    proof: list[Range] = []
    start, end, whole = 0, second, True
    while first != end - start:
        middle = start + split(end - start)
        if first <= middle - start:
            proof.append((middle, end))
            end = middle
        else:
            proof.append((start, middle))
            first -= middle - start
            start, whole = middle, False
    if not whole:
        proof.append((start, end))
    proof.reverse()
    return proof


def inclusion_verify(
    *, index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """Return whether ``proof`` shows the leaf hash ``leaf`` at ``index`` in the tree of
    ``size`` leaves whose head is ``root`` (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        return False
    sides = _sibling_sides(index, size - 1, len(proof))
    if sides is None:
        return False
    result = leaf
    for sibling, on_the_left in zip(proof, sides, strict=True):
        result = node_hash(sibling, result) if on_the_left else node_hash(result, sibling)
    return result == root


def consistency_verify(
    *, first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Return whether ``proof`` shows that the tree of ``second`` leaves with head
    ``second_root`` extends the tree of ``first`` leaves with head ``first_root``
    (RFC 9162 §2.1.4.2). Every tree extends the empty one."""
    if not 0 <= first <= second:
        return False
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    position, last = first - 1, second - 1
    while position & 1:
        position, last = position >> 1, last >> 1
    sides = _sibling_sides(position, last, len(path) - 1)
    if sides is None:
        return False
    first_result = second_result = path[0]
    for sibling, on_the_left in zip(path[1:], sides, strict=True):
        if on_the_left:
            first_result = node_hash(sibling, first_result)
            second_result = node_hash(sibling, second_result)
        else:
            second_result = node_hash(second_result, sibling)
    return first_result == first_root and second_result == second_root


def _sibling_sides(position: int, last: int, count: int) -> list[bool] | None:
    """Return, for each of the ``count`` hashes of a proof climbing from the node at
    ``position`` of a row whose last node is ``last``, whether it is the left sibling;
    None when a proof of that tree cannot have ``count`` hashes (RFC 9162's walk)."""
    sides = []
    for _ in range(count):
        if last == 0:
            return None
        on_the_left = bool(position & 1) or position == last
        sides.append(on_the_left)
        if on_the_left:
            # The right edge: climb past the levels where this node has no sibling.
            while not position & 1 and position:
                position, last = position >> 1, last >> 1
        position, last = position >> 1, last >> 1
    return sides if last == 0 else None


@dataclass
class Frontier:
    """The right edge of a growing tree: the hashes of the complete subtrees that make
    up its leaves so far, largest first. Enough to append leaves and to give the head,
    in memory logarithmic in the tree's size."""

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    @staticmethod
    def pieces(size: int) -> list[Subtree]:
        """Return the complete subtrees the frontier of a tree of ``size`` leaves holds."""
        return range_subtrees(0, size) if size else []

    @classmethod
    def of(cls, size: int, subtree_hash: Callable[[Subtree], bytes]) -> Frontier:
        """Return the frontier of a stored tree of ``size`` leaves."""
        return cls(size, [subtree_hash(piece) for piece in cls.pieces(size)])

    def append(self, leaf: bytes) -> list[tuple[Subtree, bytes]]:
        """Add the leaf hash ``leaf``; return the subtrees it completed, the leaf's own
        first, each with its hash, for the log to store."""
        completed: list[tuple[Subtree, bytes]] = [((0, self.size), leaf)]
        self.hashes.append(leaf)
        self.size += 1
        level, index = 0, self.size - 1
        while index & 1:
            right = self.hashes.pop()
            joined = node_hash(self.hashes.pop(), right)
            self.hashes.append(joined)
            level, index = level + 1, index >> 1
            completed.append(((level, index), joined))
        return completed

    def extend(self, leaves: Iterable[bytes]) -> list[tuple[Subtree, bytes]]:
        """Add leaf hashes in order; return every subtree they completed."""
        return [done for leaf in leaves for done in self.append(leaf)]

    def root(self) -> bytes:
        """Return the head of the tree as it stands."""
        if not self.hashes:
            return EMPTY_ROOT
        result = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            result = node_hash(left, result)
        return result
