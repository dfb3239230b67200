"""Pure Merkle-tree machinery the ledger runs on: proof generation over any source of node
hashes, the integrator's right-edge state (compact range plus partial tiles, which yields
full C2SP tiles as a by-product of appending), and an in-memory tree for tests.

Hashing and proof *verification* live in :mod:`zeren.ledger.verify` (the standalone
verifier); this module only builds what that one checks. No database, no web.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from zeren.ledger.verify import (
    TILE_HEIGHT,
    TILE_WIDTH,
    VerificationError,
    fold_compact,
    leaf_hash,
    node_hash,
    split_point,
)

_sha256 = hashlib.sha256


class NodeSource(Protocol):
    """Gives the hash of the perfect subtree of ``height`` at ``index`` (leaves
    ``[index·2^height, (index+1)·2^height)``), which lies wholly inside the tree."""

    def node(self, height: int, index: int) -> bytes: ...


def subtree_root(src: NodeSource, lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) for a range RFC 6962's recursion produces (``lo`` suitably aligned)."""
    n = hi - lo
    if n & (n - 1) == 0:
        h = n.bit_length() - 1
        return src.node(h, lo >> h)
    k = split_point(n)
    return node_hash(subtree_root(src, lo, lo + k), subtree_root(src, lo + k, hi))


def inclusion_proof(src: NodeSource, *, index: int, size: int) -> list[bytes]:
    """RFC 6962 PATH(index, D[0:size]), leaf-side first."""
    if not 0 <= index < size:
        raise VerificationError(f"index {index} is out of range for tree size {size}")
    proof: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index < lo + k:
            proof.append(subtree_root(src, lo + k, hi))
            hi = lo + k
        else:
            proof.append(subtree_root(src, lo, lo + k))
            lo += k
    proof.reverse()
    return proof


def consistency_proof(src: NodeSource, *, size1: int, size2: int) -> list[bytes]:
    """RFC 6962 PROOF(size1, D[0:size2])."""
    if not 0 <= size1 <= size2:
        raise VerificationError(f"consistency sizes {size1} → {size2} are not in order")
    if size1 in (0, size2):
        return []

    def sub(m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
        n = hi - lo
        if m == n:
            return [] if whole else [subtree_root(src, lo, hi)]
        k = split_point(n)
        if m <= k:
            return [*sub(m, lo, lo + k, whole), subtree_root(src, lo + k, hi)]
        return [*sub(m - k, lo + k, hi, False), subtree_root(src, lo, lo + k)]

    return sub(size1, 0, size2, True)


def expand_tile(hashes: Sequence[bytes]) -> list[list[bytes]]:
    """All complete node levels inside one tile: ``[hashes, parents, grandparents, …]``."""
    levels = [list(hashes)]
    sha = _sha256
    cur = levels[0]
    while len(cur) > 1:
        cur = [sha(b"\x01" + cur[i] + cur[i + 1]).digest() for i in range(0, len(cur) - 1, 2)]
        levels.append(cur)
    return levels


@dataclass(frozen=True)
class FullTile:
    """A tile that has just become full: 256 hashes at ``level``, and its own root."""

    level: int
    index: int
    hashes: bytes
    root: bytes


class TreeState:
    """The right edge of a log: its size, compact range and partial tile at each level.

    Appending leaf hashes costs one interior hash per leaf on average, like a bare streaming
    root computation, and hands back every tile that became full on the way.
    """

    __slots__ = ("partials", "size", "stack")

    def __init__(self) -> None:
        self.size = 0
        self.stack: list[bytes] = []  # compact range; mirrors the binary form of size
        self.partials: list[list[bytes]] = [[]]  # level → hashes of its rightmost tile

    @classmethod
    def from_partials(cls, size: int, partials: Sequence[Sequence[bytes]]) -> TreeState:
        """Rebuild the state of a tree of ``size`` from its partial tiles (level 0 first)."""
        st = cls()
        st.size = size
        st.partials = [list(p) for p in partials] or [[]]
        heights: list[int] = []
        for level in range(len(st.partials) - 1, -1, -1):
            expect = (size >> (TILE_HEIGHT * level)) % TILE_WIDTH
            if len(st.partials[level]) != expect:
                raise VerificationError(
                    f"partial tile at level {level} holds {len(st.partials[level])} hashes, "
                    f"expected {expect} for size {size}"
                )
            for h in st.partials[level]:
                height = TILE_HEIGHT * level
                while heights and heights[-1] == height:
                    h = node_hash(st.stack.pop(), h)
                    heights.pop()
                    height += 1
                st.stack.append(h)
                heights.append(height)
        if len(st.stack) != size.bit_count():
            raise VerificationError(f"partial tiles do not describe a tree of size {size}")
        return st

    def extend(self, leaf_hashes: Iterable[bytes]) -> list[FullTile]:
        """Append leaf hashes; return the tiles that became full."""
        sha = _sha256
        stack = self.stack
        partials = self.partials
        p0 = partials[0]
        size = self.size
        done: list[FullTile] = []
        for h in leaf_hashes:
            p0.append(h)
            size += 1
            m = size
            height = 0
            while not m & 1:
                h = sha(b"\x01" + stack.pop() + h).digest()
                m >>= 1
                height += 1
                if not height & 7:
                    # h is the root of the level-(L-1) tile that just filled up.
                    lvl = height >> 3
                    below = partials[lvl - 1]
                    done.append(
                        FullTile(lvl - 1, (size >> height) - 1, b"".join(below), h)
                    )
                    below.clear()
                    if len(partials) == lvl:
                        partials.append([])
                    partials[lvl].append(h)
            stack.append(h)
        self.size = size
        return done

    def root(self) -> bytes:
        return fold_compact(self.stack)


class MemoryTree:
    """An in-memory log (tests and reference): every complete node kept, level by level."""

    def __init__(self, entries: Iterable[bytes] = ()) -> None:
        self.entries: list[bytes] = []
        self.levels: list[list[bytes]] = [[]]
        for e in entries:
            self.append(e)

    @property
    def size(self) -> int:
        return len(self.entries)

    def append(self, entry: bytes) -> int:
        self.entries.append(entry)
        h = leaf_hash(entry)
        self.levels[0].append(h)
        lvl = 0
        while len(self.levels[lvl]) % 2 == 0:
            row = self.levels[lvl]
            h = node_hash(row[-2], row[-1])
            if len(self.levels) == lvl + 1:
                self.levels.append([])
            self.levels[lvl + 1].append(h)
            lvl += 1
        return len(self.entries) - 1

    def node(self, height: int, index: int) -> bytes:
        return self.levels[height][index]

    def root(self, size: int | None = None) -> bytes:
        n = self.size if size is None else size
        if n == 0:
            return _sha256(b"").digest()
        return subtree_root(self, 0, n)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(self, index=index, size=self.size if size is None else size)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        return consistency_proof(self, size1=size1, size2=self.size if size2 is None else size2)
