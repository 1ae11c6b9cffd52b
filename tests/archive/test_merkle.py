"""RFC 6962 Merkle trees: the reference heads and proofs, every proof of small trees
verified and every tampering refused, and proofs served from stored subtrees alone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive.merkle import (
    EMPTY_ROOT,
    Frontier,
    Subtree,
    consistency_ranges,
    consistency_verify,
    inclusion_folds,
    inclusion_ranges,
    inclusion_verify,
    leaf_hash,
    range_hash,
    range_subtrees,
    split,
)

# Certificate Transparency's reference leaves and the heads of their first 0..8.
REFERENCE_LEAVES = [
    bytes.fromhex(entry)
    for entry in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
REFERENCE_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
REFERENCE_INCLUSIONS = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
REFERENCE_CONSISTENCIES = {
    (2, 8): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}


class StoredLog:
    """A log as the database keeps it: only the subtrees its appends completed."""

    def __init__(self, entries: list[bytes]) -> None:
        self.leaves = [leaf_hash(entry) for entry in entries]
        self.subtrees: dict[Subtree, bytes] = dict(Frontier().extend(self.leaves))

    def root(self, size: int) -> bytes:
        return range_hash(0, size, self.subtrees.__getitem__) if size else EMPTY_ROOT

    def hashes(self, ranges: list[tuple[int, int]]) -> list[bytes]:
        return [range_hash(start, end, self.subtrees.__getitem__) for start, end in ranges]


def entries(count: int) -> list[bytes]:
    return [f"event {n}".encode() for n in range(count)]


def test_heads_match_the_reference_at_every_size() -> None:
    log = StoredLog(REFERENCE_LEAVES)
    frontier = Frontier()
    assert frontier.root().hex() == REFERENCE_ROOTS[0]
    for size, leaf in enumerate(log.leaves, start=1):
        frontier.append(leaf)
        assert frontier.root().hex() == REFERENCE_ROOTS[size]
        assert log.root(size).hex() == REFERENCE_ROOTS[size]


def test_proofs_match_the_reference() -> None:
    log = StoredLog(REFERENCE_LEAVES)
    for (index, size), expected in REFERENCE_INCLUSIONS.items():
        assert [h.hex() for h in log.hashes(inclusion_ranges(index, size))] == expected
    for (first, second), expected in REFERENCE_CONSISTENCIES.items():
        assert [h.hex() for h in log.hashes(consistency_ranges(first, second))] == expected


@given(
    st.integers(1, 5000).flatmap(
        lambda size: st.tuples(st.just(size), st.sets(st.integers(0, size - 1)))
    )
)
def test_proofs_folded_together_are_each_leafs_own(case: tuple[int, set[int]]) -> None:
    size, chosen = case
    indexes = sorted(chosen)
    folded = inclusion_folds(indexes, size, lambda above, piece: [piece, *above], [])
    assert folded == [inclusion_ranges(index, size) for index in indexes]


def test_proofs_are_folded_only_for_leaves_of_the_tree() -> None:
    with pytest.raises(ValueError, match="3 to 5 are not all in a tree of 5"):
        inclusion_folds([3, 5], 5, lambda above, piece: above, None)
    assert inclusion_folds([], 5, lambda above, piece: above, None) == []


def test_the_split_is_the_largest_power_of_two_below_not_the_middle() -> None:
    assert [split(n) for n in (2, 3, 4, 5, 6, 7, 8, 9, 1000)] == [1, 2, 2, 4, 4, 4, 4, 8, 512]


def test_every_inclusion_proof_verifies_and_no_tampered_one_does() -> None:
    log = StoredLog(entries(40))
    for size in range(1, 41):
        root = log.root(size)
        for index in range(size):
            proof = log.hashes(inclusion_ranges(index, size))
            leaf = log.leaves[index]
            assert inclusion_verify(index=index, size=size, leaf=leaf, proof=proof, root=root)
            other = log.leaves[(index + 1) % size] if size > 1 else leaf_hash(b"forged")
            # (A size is not tampered with here: the same hashes can be a proof in a
            # larger tree with the same head, and a signed head binds size and head.)
            tampered = [
                dict(index=index + 1),
                dict(leaf=other),
                dict(root=log.root(size - 1)),
                dict(proof=[*proof, root]),
            ]
            if proof:
                tampered += [dict(proof=proof[:-1]), dict(proof=[leaf_hash(b"x"), *proof[1:]])]
            for change in tampered:
                claim = dict(index=index, size=size, leaf=leaf, proof=proof, root=root) | change
                assert not inclusion_verify(**claim), (index, size, change)  # type: ignore[arg-type]


def test_every_consistency_proof_verifies_and_no_tampered_one_does() -> None:
    log = StoredLog(entries(40))
    for second in range(41):
        for first in range(second + 1):
            proof = log.hashes(consistency_ranges(first, second))
            claim = dict(
                first=first,
                second=second,
                first_root=log.root(first),
                second_root=log.root(second),
                proof=proof,
            )
            assert consistency_verify(**claim)  # type: ignore[arg-type]
            if first == second or first == 0:
                continue
            tampered = [
                dict(first_root=log.root(first - 1)),
                dict(second_root=log.root(second - 1)),
                dict(first=first - 1),
                dict(proof=proof[:-1]),
                dict(proof=[leaf_hash(b"x"), *proof[1:]]),
            ]
            for change in tampered:
                assert not consistency_verify(**(claim | change)), (first, second, change)  # type: ignore[arg-type]


def test_a_rewritten_history_has_no_consistency_proof_from_the_old_head() -> None:
    honest = StoredLog(entries(20))
    rewritten = StoredLog([*entries(9), b"what was never said", *entries(20)[10:]])
    for first in range(10, 21):
        for second in range(first, 21):
            assert not consistency_verify(
                first=first,
                second=second,
                first_root=honest.root(first),
                second_root=rewritten.root(second),
                proof=rewritten.hashes(consistency_ranges(first, second)),
            )


def test_a_frontier_read_back_from_the_stored_subtrees_goes_on_as_if_never_stopped() -> None:
    log = StoredLog(entries(70))
    for size in range(71):
        resumed = Frontier.of(size, log.subtrees.__getitem__)
        assert resumed.root() == log.root(size)
        later = resumed.extend(log.leaves[size:])
        assert dict(later).items() <= log.subtrees.items()
        assert resumed.root() == log.root(70)


def test_a_range_that_is_not_part_of_the_tree_is_refused() -> None:
    assert range_subtrees(4, 7) == [(1, 2), (0, 6)]
    with pytest.raises(ValueError):
        range_subtrees(3, 7)
    with pytest.raises(ValueError):
        inclusion_ranges(5, 5)
    with pytest.raises(ValueError):
        consistency_ranges(6, 5)
