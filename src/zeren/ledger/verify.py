"""Standalone verifier for Zeren's transparency logs (the ``zeren-verify`` command).

A third party (auditor, regulator, witness) runs this one module with nothing but the Python
standard library and the ``cryptography`` package: no Zeren database, server or other module.
It checks RFC 6962/9162 Merkle proofs, C2SP ``signed-note`` signatures (Ed25519 and the
timestamped ``tlog-cosignature``), C2SP ``tlog-checkpoint`` bodies, and re-hashes a log
exported in the C2SP ``tlog-tiles`` layout. The rest of Zeren's ledger imports its hashing and
verification functions from here, so the code the platform runs and the code an auditor runs
are the same code.

Every failure raises :class:`VerificationError` whose message names what failed; ``main``
prints it and exits with status 1 (2 for unusable arguments).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import struct
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HASH_SIZE = 32
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256 hashes per full tile (C2SP tlog-tiles)
MAX_ENTRY_SIZE = 0xFFFF  # entry bundles length-prefix each entry with a uint16

SIG_ED25519 = 0x01  # signed-note Ed25519 signature type
SIG_COSIGNATURE_V1 = 0x04  # tlog-cosignature timestamped Ed25519
MAX_SIGNATURES = 64

_sha256 = hashlib.sha256


class VerificationError(Exception):
    """Something did not verify; the message says what."""


# --------------------------------------------------------------------------- RFC 6962 hashing


def leaf_hash(data: bytes) -> bytes:
    """MTH of a single entry: SHA-256(0x00 || entry) (RFC 6962 §2.1)."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Interior node: SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = _sha256(b"").digest()


def split_point(n: int) -> int:
    """The largest power of two strictly below ``n`` (n ≥ 2): where RFC 6962 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def fold_compact(stack: Sequence[bytes]) -> bytes:
    """Root from a compact range: perfect-subtree hashes left to right, largest first."""
    if not stack:
        return EMPTY_ROOT
    h = stack[-1]
    for left in reversed(stack[:-1]):
        h = _sha256(b"\x01" + left + h).digest()
    return h


def root_from_leaf_hashes(hashes: Iterable[bytes]) -> bytes:
    """RFC 6962 root over leaf hashes, streaming with a compact range (O(log n) memory)."""
    stack: list[bytes] = []
    sha = _sha256
    for n, h in enumerate(hashes, 1):
        # One merge per trailing one-bit of the new size: the stack mirrors n's binary form.
        m = n
        while not m & 1:
            h = sha(b"\x01" + stack.pop() + h).digest()
            m >>= 1
        stack.append(h)
    return fold_compact(stack)


def root_from_entries(entries: Iterable[bytes]) -> bytes:
    """RFC 6962 root over raw entries."""
    sha = _sha256
    return root_from_leaf_hashes(sha(b"\x00" + e).digest() for e in entries)


def perfect_root(hashes: Sequence[bytes]) -> bytes:
    """Root of a perfect subtree (power-of-two count) over the given node hashes."""
    level = list(hashes)
    sha = _sha256
    while len(level) > 1:
        level = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    return level[0]


# --------------------------------------------------------------------------- proofs (RFC 9162)


def _check_hashes(proof: Sequence[bytes], what: str) -> None:
    for i, p in enumerate(proof):
        if len(p) != HASH_SIZE:
            raise VerificationError(f"{what}: proof element {i} is {len(p)} bytes, not 32")


def root_from_inclusion(*, leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to (RFC 9162 §2.1.3.2); raises when malformed."""
    if index < 0 or size <= 0 or index >= size:
        raise VerificationError(f"inclusion: index {index} is out of range for tree size {size}")
    _check_hashes(proof, "inclusion")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise VerificationError("inclusion: proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("inclusion: proof is too short")
    return r


def verify_inclusion(
    *, leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that leaf hash ``leaf`` is entry ``index`` of the tree (``size``, ``root``)."""
    if root_from_inclusion(leaf=leaf, index=index, size=size, proof=proof) != root:
        raise VerificationError(
            f"inclusion: proof for index {index} does not lead to the root of size {size}"
        )


def verify_consistency(
    *, size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree (size2, root2) extends (size1, root1) (RFC 9162 §2.1.4.2)."""
    if size1 < 0 or size2 < 0 or size1 > size2:
        raise VerificationError(f"consistency: sizes {size1} → {size2} go backwards")
    for size, root in ((size1, root1), (size2, root2)):
        if size == 0 and root != EMPTY_ROOT:
            raise VerificationError("consistency: a tree of size 0 must have the empty-tree root")
    _check_hashes(proof, "consistency")
    if size1 == size2:
        if proof:
            raise VerificationError("consistency: proof between equal sizes must be empty")
        if root1 != root2:
            raise VerificationError(f"consistency: two different roots for size {size1}")
        return
    if size1 == 0:
        if proof:
            raise VerificationError("consistency: proof from the empty tree must be empty")
        return
    if not proof:
        raise VerificationError("consistency: proof is empty")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # size1 is a power of two: its root is a node of the proof
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("consistency: proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("consistency: proof is too short")
    if fr != root1:
        raise VerificationError(f"consistency: proof does not lead to the old root (size {size1})")
    if sr != root2:
        raise VerificationError(f"consistency: proof does not lead to the new root (size {size2})")


# --------------------------------------------------------------------------- signed notes


def b64decode_strict(text: str, what: str) -> bytes:
    """Standard base64, canonical only: one value has exactly one accepted spelling, so that
    flipping any character of a signed note changes what it says or breaks it."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise VerificationError(f"{what}: not base64") from exc
    if base64.b64encode(raw).decode() != text:
        raise VerificationError(f"{what}: not canonical base64")
    return raw


def key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    """signed-note key ID: SHA-256(name || 0x0A || type || public key)[:4]."""
    return _sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()[:4]


def _check_key_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise VerificationError(f"key name {name!r} is empty or holds a space or '+'")


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    """A parsed verifier key: ``<name>+<hex key id>+<base64(type || public key)>``."""

    name: str
    key_id: bytes
    sig_type: int
    public_key: bytes

    @property
    def vkey(self) -> str:
        blob = base64.b64encode(bytes([self.sig_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{blob}"

    def ed25519(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public_key)


def make_verifier(name: str, public_key: bytes, sig_type: int = SIG_ED25519) -> Verifier:
    """A verifier for an Ed25519 public key (type 0x01 log key or 0x04 cosigner key)."""
    _check_key_name(name)
    if sig_type not in (SIG_ED25519, SIG_COSIGNATURE_V1) or len(public_key) != 32:
        raise VerificationError("verifier key: only 32-byte Ed25519 keys (type 0x01/0x04)")
    return Verifier(name, key_id(name, sig_type, public_key), sig_type, public_key)


_KEY_ID = re.compile(r"[0-9a-f]{8}")


def parse_vkey(text: str) -> Verifier:
    """Parse a verifier key string; raises with the reason when it is not one."""
    parts = text.strip().split("+", 2)  # base64 may itself hold "+"
    if len(parts) != 3:
        raise VerificationError("verifier key: expected <name>+<hex key id>+<base64 key>")
    name, hex_id, blob = parts
    _check_key_name(name)
    # Eight lower-case hex digits, as the format writes them: one spelling per key.
    if not _KEY_ID.fullmatch(hex_id):
        raise VerificationError(f"verifier key: key ID {hex_id!r} is not 8 lower-case hex digits")
    kid = bytes.fromhex(hex_id)
    raw = b64decode_strict(blob, "verifier key")
    if len(raw) != 33:
        raise VerificationError("verifier key: wrong key length")
    v = make_verifier(name, raw[1:], raw[0])
    if v.key_id != kid:
        raise VerificationError(f"verifier key: key ID {hex_id} does not match name and key")
    return v


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes  # after the 4-byte key ID

    def line(self) -> str:
        return f"— {self.name} {base64.b64encode(self.key_id + self.signature).decode()}\n"


@dataclass
class Note:
    """A signed note: its text (ending in a newline) and its signature lines."""

    text: str
    signatures: list[NoteSignature] = field(default_factory=list)

    def encode(self) -> bytes:
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode()


def parse_note(data: bytes | str) -> Note:
    """Split a signed note into text and signatures; raises when it is malformed."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise VerificationError("note: not valid UTF-8") from exc
    else:
        text = data
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise VerificationError("note: holds a control character")
    split = text.rfind("\n\n")
    if split < 0 or not text.endswith("\n"):
        raise VerificationError("note: no blank line before the signatures")
    body, sig_block = text[: split + 1], text[split + 2 :]
    sigs: list[NoteSignature] = []
    for line in sig_block.splitlines():
        if not line.startswith("— "):
            raise VerificationError(f"note: malformed signature line {line[:40]!r}")
        rest = line[2:]
        name, sep, b64 = rest.rpartition(" ")
        if not sep or not name:
            raise VerificationError("note: signature line has no key name")
        raw = b64decode_strict(b64, f"note: signature by {name}")
        if len(raw) < 5:
            raise VerificationError(f"note: signature by {name} is too short")
        sigs.append(NoteSignature(name, raw[:4], raw[4:]))
    if not sigs:
        raise VerificationError("note: no signatures")
    if len(sigs) > MAX_SIGNATURES:
        raise VerificationError("note: too many signatures")
    return Note(body, sigs)


def sign_note_text(text: str, *, name: str, private_key: Ed25519PrivateKey) -> NoteSignature:
    """An Ed25519 (type 0x01) signature of ``text`` by the key named ``name``."""
    pub = raw_public_key(private_key.public_key())
    return NoteSignature(name, key_id(name, SIG_ED25519, pub), private_key.sign(text.encode()))


def cosignature_message(text: str, timestamp: int) -> bytes:
    """What a tlog-cosignature/v1 signs: header, time line, then the whole checkpoint body."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


def cosign_note_text(
    text: str, *, name: str, private_key: Ed25519PrivateKey, timestamp: int
) -> NoteSignature:
    """A timestamped Ed25519 cosignature (type 0x04) of a checkpoint body."""
    if not 0 <= timestamp < 2**63:
        raise VerificationError("cosignature: timestamp out of range")
    pub = raw_public_key(private_key.public_key())
    sig = private_key.sign(cosignature_message(text, timestamp))
    return NoteSignature(
        name, key_id(name, SIG_COSIGNATURE_V1, pub), struct.pack(">Q", timestamp) + sig
    )


def cosignature_time(sig: NoteSignature) -> int:
    return int(struct.unpack(">Q", sig.signature[:8])[0])


def _signature_valid(v: Verifier, text: str, sig: NoteSignature) -> bool:
    try:
        if v.sig_type == SIG_ED25519:
            if len(sig.signature) != 64:
                return False
            v.ed25519().verify(sig.signature, text.encode())
        else:
            if len(sig.signature) != 72:
                return False
            ts = cosignature_time(sig)
            if ts >= 2**63:
                return False
            v.ed25519().verify(sig.signature[8:], cosignature_message(text, ts))
    except InvalidSignature:
        return False
    return True


def verify_note(data: bytes | str, verifiers: Sequence[Verifier]) -> Note:
    """Check a note against ``verifiers``: each one must have signed it, validly.

    Signatures by unknown keys are ignored (signed-note rule). A stricter policy than the
    spec's "at least one": an auditor names the keys it requires (the log's key, and any
    witnesses'), and all of them must have signed.
    """
    if not verifiers:
        raise VerificationError("no verifier key given")
    note = parse_note(data)
    for v in verifiers:
        mine = [s for s in note.signatures if s.name == v.name and s.key_id == v.key_id]
        if not mine:
            raise VerificationError(f"signature: note is not signed by {v.name} ({v.key_id.hex()})")
        for s in mine:
            if not _signature_valid(v, note.text, s):
                raise VerificationError(f"signature: signature by {v.name} does not verify")
    return note


# --------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True)
class Checkpoint:
    """A C2SP tlog-checkpoint body: origin, tree size, root hash (and extension lines)."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint body (the note text, without signatures)."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise VerificationError("checkpoint: fewer than three lines, or no final newline")
    origin, size_s, root_s, *ext = lines[:-1]
    if not origin:
        raise VerificationError("checkpoint: empty origin")
    if not size_s.isascii() or not size_s.isdigit() or (size_s != "0" and size_s[0] == "0"):
        raise VerificationError(f"checkpoint: tree size {size_s!r} is not a decimal number")
    root = b64decode_strict(root_s, "checkpoint: root hash")
    if len(root) != HASH_SIZE:
        raise VerificationError("checkpoint: root hash is not 32 bytes")
    if any(not e for e in ext):
        raise VerificationError("checkpoint: empty extension line")
    size = int(size_s)
    if size == 0 and root != EMPTY_ROOT:
        raise VerificationError("checkpoint: size 0 but the root is not the empty-tree root")
    return Checkpoint(origin, size, root, tuple(ext))


def open_checkpoint(data: bytes | str, verifiers: Sequence[Verifier]) -> Checkpoint:
    """Verify a signed checkpoint's signatures and return its body. One of ``verifiers`` must
    be the log's own key (Ed25519, type 0x01, named as the checkpoint's origin): witnesses'
    cosignatures vouch for what the log signed, they never stand in for the log."""
    if not any(v.sig_type == SIG_ED25519 for v in verifiers):
        raise VerificationError(
            "checkpoint: no log key given (a type 0x01 Ed25519 verifier key named as the "
            "origin); witness keys alone do not verify the log's signature"
        )
    note = verify_note(data, verifiers)
    cp = parse_checkpoint(note.text)
    for v in verifiers:
        if v.sig_type == SIG_ED25519 and v.name != cp.origin:
            raise VerificationError(
                f"checkpoint: origin {cp.origin!r} is not the log key's name {v.name!r}"
            )
    return cp


# --------------------------------------------------------------------------- tlog-tiles


def _index_path(n: int) -> str:
    parts = [f"{n % 1000:03d}"]
    n //= 1000
    while n > 0:
        parts.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(parts))


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]`` (relative to the log prefix)."""
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{_index_path(index)}{suffix}"


def bundle_path(index: int, width: int = TILE_WIDTH) -> str:
    """``tile/entries/<N>[.p/<W>]``."""
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/entries/{_index_path(index)}{suffix}"


# C2SP tlog-tiles: L is 0..63 and W is 1..255, both in decimal without leading zeroes, so
# that each tile has exactly one path (a cache or mirror keyed by path cannot be fed a second,
# different copy of a tile).
_TILE_PATH = re.compile(
    r"^(entries|0|[1-9][0-9]?)/((?:x[0-9]{3}/)*[0-9]{3})(?:\.p/([1-9][0-9]{0,2}))?$"
)
MAX_TILE_LEVEL = 63


def parse_tile_path(rel: str) -> tuple[int | None, int, int]:
    """``<L>/<N>[.p/<W>]`` or ``entries/<N>[.p/<W>]`` (the part after ``tile/``) as
    (level, index, width); level None for an entry bundle. Raises VerificationError."""
    m = _TILE_PATH.match(rel)
    if m is None:
        raise VerificationError(f"tile/{rel}: not a tlog-tiles path")
    parts = m.group(2).split("/")
    if len(parts) > 1 and parts[0] == "x000":
        raise VerificationError(f"tile/{rel}: index has a leading x000 element")
    index = int("".join(p.lstrip("x") for p in parts))
    width = TILE_WIDTH if m.group(3) is None else int(m.group(3))
    if not 0 < width <= TILE_WIDTH or (m.group(3) is not None and width == TILE_WIDTH):
        raise VerificationError(f"tile/{rel}: partial width must be 1..255")
    level = None if m.group(1) == "entries" else int(m.group(1))
    if level is not None and level > MAX_TILE_LEVEL:
        raise VerificationError(f"tile/{rel}: level must be 0..{MAX_TILE_LEVEL}")
    return level, index, width


def encode_bundle(entries: Iterable[bytes]) -> bytes:
    """Entry bundle: each entry prefixed by its big-endian uint16 length."""
    out = bytearray()
    for e in entries:
        if len(e) > MAX_ENTRY_SIZE:
            raise VerificationError("entry bundle: entry longer than 65535 bytes")
        out += len(e).to_bytes(2, "big")
        out += e
    return bytes(out)


def decode_bundle(data: bytes, *, expect: int, where: str = "entry bundle") -> list[bytes]:
    """Split an entry bundle into exactly ``expect`` entries; raises when truncated/overlong."""
    out: list[bytes] = []
    pos, end = 0, len(data)
    while pos < end:
        if pos + 2 > end:
            raise VerificationError(f"{where}: truncated length prefix")
        n = (data[pos] << 8) | data[pos + 1]
        pos += 2
        if pos + n > end:
            raise VerificationError(f"{where}: truncated entry {len(out)}")
        out.append(data[pos : pos + n])
        pos += n
    if len(out) != expect:
        raise VerificationError(f"{where}: holds {len(out)} entries, expected {expect}")
    return out


def split_hashes(data: bytes, *, expect: int, where: str) -> list[bytes]:
    if len(data) != expect * HASH_SIZE:
        raise VerificationError(
            f"{where}: {len(data)} bytes, expected {expect * HASH_SIZE} ({expect} hashes)"
        )
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def tile_widths(size: int) -> list[tuple[int, int, int]]:
    """Every tile a tree of ``size`` has, as (level, index, width), level 0 first."""
    out: list[tuple[int, int, int]] = []
    level = 0
    n = size  # hashes at this level
    while n > 0:
        full, rest = divmod(n, TILE_WIDTH)
        out.extend((level, i, TILE_WIDTH) for i in range(full))
        if rest:
            out.append((level, full, rest))
        n = full
        level += 1
    return out


Reader = Callable[[str], bytes]
"""Reads a file of a tlog-tiles layout by its path (``checkpoint``, ``tile/…``); raises
VerificationError naming the file when it is missing."""


def directory_reader(directory: str | os.PathLike[str]) -> Reader:
    """Read an exported layout from a folder (``zeren ledger export``)."""
    root = Path(directory)

    def read(rel: str) -> bytes:
        try:
            return (root / rel).read_bytes()
        except FileNotFoundError as exc:
            raise VerificationError(f"missing file {rel}") from exc

    return read


def http_reader(base_url: str, headers: dict[str, str] | None = None,
                timeout_s: float = 30.0) -> Reader:
    """Read a layout served over HTTP(S) at ``base_url`` (``…/ledger/logs/<log>``)."""
    base = base_url.rstrip("/") + "/"
    hdrs = {"User-Agent": "zeren-verify", **(headers or {})}

    def read(rel: str) -> bytes:
        req = urllib.request.Request(base + rel, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=timeout_s) as resp:
                data: bytes = resp.read()
                return data
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise VerificationError(f"missing file {rel}") from exc
            raise VerificationError(f"{rel}: HTTP {exc.code} {exc.reason}") from exc
        except urllib.error.URLError as exc:
            raise VerificationError(f"{rel}: cannot fetch ({exc.reason})") from exc

    return read


def _tile(read: Reader, rel: str, width: int) -> bytes:
    data = read(rel)
    if len(data) != width * HASH_SIZE:
        raise VerificationError(
            f"{rel}: truncated or padded tile ({len(data)} bytes, expected {width * HASH_SIZE})"
        )
    return data


@dataclass(frozen=True)
class RehashReport:
    size: int
    root_hash: bytes
    tiles_checked: int
    bundles_checked: int


def rehash_export(
    source: str | os.PathLike[str] | Reader, checkpoint: Checkpoint
) -> RehashReport:
    """Re-hash every entry bundle of a tlog-tiles layout (an exported folder, or a reader such
    as :func:`http_reader`) and check every tile and the checkpoint's root against what the
    entries imply."""
    read = source if callable(source) else directory_reader(source)
    size = checkpoint.size
    sha = _sha256
    # stack: compact range over the whole tree as (height, hash), built from tile roots so
    # that each leaf costs one leaf hash and about one interior hash.
    stack: list[tuple[int, bytes]] = []
    full_roots: list[bytes] = []  # roots of full level-0 tiles: what level-1 tiles hold
    tiles = bundles = 0

    def push(height: int, h: bytes) -> None:
        while stack and stack[-1][0] == height:
            h = sha(b"\x01" + stack.pop()[1] + h).digest()
            height += 1
        stack.append((height, h))

    n_full, rest = divmod(size, TILE_WIDTH)
    for n in range(n_full + (1 if rest else 0)):
        width = TILE_WIDTH if n < n_full else rest
        where = bundle_path(n, width)
        entries = decode_bundle(read(where), expect=width, where=where)
        bundles += 1
        leaves = [sha(b"\x00" + e).digest() for e in entries]
        tpath = tile_path(0, n, width)
        if _tile(read, tpath, width) != b"".join(leaves):
            raise VerificationError(f"{tpath}: leaf hashes do not match entries in {where}")
        tiles += 1
        if width == TILE_WIDTH:
            top = perfect_root(leaves)
            full_roots.append(top)
            push(TILE_HEIGHT, top)
        else:
            for h in leaves:
                push(0, h)
    # Levels ≥ 1: tile l holds roots of full level l-1 tiles.
    lvl = 1
    hashes = full_roots
    while hashes:
        n_full, rest = divmod(len(hashes), TILE_WIDTH)
        nxt: list[bytes] = []
        for n in range(n_full + (1 if rest else 0)):
            chunk = hashes[n * TILE_WIDTH : (n + 1) * TILE_WIDTH]
            tpath = tile_path(lvl, n, len(chunk))
            if _tile(read, tpath, len(chunk)) != b"".join(chunk):
                raise VerificationError(f"{tpath}: hashes do not match the tiles below")
            tiles += 1
            if len(chunk) == TILE_WIDTH:
                nxt.append(perfect_root(chunk))
        hashes = nxt
        lvl += 1
    got = fold_compact([h for _, h in stack])
    if got != checkpoint.root_hash:
        raise VerificationError(
            f"root: re-hashing {size} entries gives a different root than the checkpoint"
        )
    return RehashReport(size, got, tiles, bundles)


# --------------------------------------------------------------------------- command line


# --------------------------------------------------------------------------- evidence bundles

BUNDLE_FORMAT = "zeren-evidence-bundle/1"
BUNDLE_MANIFEST = "manifest.json"
BUNDLE_SIGNATURE = "manifest.sig"
MAX_BUNDLE_MEMBER = 1 << 31


def bundle_signed_text(manifest: bytes) -> str:
    """The text the platform signs for an evidence bundle: the format and the SHA-256 of the
    manifest's exact bytes (the manifest in turn names every other file by its SHA-256)."""
    return f"{BUNDLE_FORMAT}\nsha256 {_sha256(manifest).hexdigest()}\n"


@dataclass
class BundleReport:
    """What ``verify_bundle`` checked, and every item that failed (empty when all is well)."""

    signer: str = ""
    engagement: dict[str, Any] = field(default_factory=dict)
    files: int = 0
    logs: int = 0
    citations: int = 0
    failures: list[str] = field(default_factory=list)

    def fail(self, item: str, why: str) -> None:
        self.failures.append(f"{item}: {why}")


def _member(zf: Any, name: str, rep: BundleReport) -> bytes | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        rep.fail(name, "missing item (named in the manifest, absent from the bundle)")
        return None
    if info.file_size > MAX_BUNDLE_MEMBER:
        rep.fail(name, "larger than 2 GiB")
        return None
    data: bytes = zf.read(info)
    return data


def _bundle_json(data: bytes | None, item: str, rep: BundleReport) -> dict[str, Any] | None:
    if data is None:
        return None
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        rep.fail(item, f"not JSON ({exc})")
        return None
    if not isinstance(value, dict):
        rep.fail(item, "expected a JSON object")
        return None
    return value


def _bundle_log(zf: Any, log: dict[str, Any], rep: BundleReport) -> Checkpoint | None:
    """Check one log's period checkpoints and the consistency proof between them; return the
    end checkpoint (what citations of this log are proved against)."""
    name = str(log.get("name", "?"))
    try:
        v = parse_vkey(str(log["vkey"]))
        paths = (str(log["start"]["checkpoint"]), str(log["end"]["checkpoint"]),
                 str(log["consistency"]))
        sizes = (int(log["start"]["size"]), int(log["end"]["size"]))
    except (KeyError, TypeError, ValueError, VerificationError) as exc:
        rep.fail(f"manifest log {name}", f"unusable entry ({exc})")
        return None
    cps: list[Checkpoint] = []
    for path, size in zip(paths[:2], sizes, strict=True):
        data = _member(zf, path, rep)
        if data is None:
            return None
        try:
            cp = open_checkpoint(data, [v])
        except VerificationError as exc:
            rep.fail(path, str(exc))
            return None
        if cp.size != size:
            rep.fail(path, f"checkpoint is of size {cp.size}, the manifest says {size}")
            return None
        cps.append(cp)
    start, end = cps
    proof_doc = _bundle_json(_member(zf, paths[2], rep), paths[2], rep)
    if proof_doc is None:
        return None
    try:
        if (_json_int(proof_doc, "from") != start.size
                or _json_int(proof_doc, "to") != end.size):
            raise VerificationError("proof sizes do not match the period's checkpoints")
        proof = [_b64(p, "consistency proof") for p in proof_doc.get("proof", [])]
        verify_consistency(size1=start.size, size2=end.size, proof=proof,
                           root1=start.root_hash, root2=end.root_hash)
    except VerificationError as exc:
        rep.fail(paths[2], str(exc))
        return None
    return end


def _bundle_citation(zf: Any, cite: dict[str, Any], ends: dict[str, Checkpoint],
                     rep: BundleReport) -> None:
    path = str(cite.get("proof", "?"))
    log = str(cite.get("log", "?"))
    end = ends.get(log)
    if end is None:
        rep.fail(path, f"cites log {log}, whose period checkpoints did not verify or are absent")
        return
    doc = _bundle_json(_member(zf, path, rep), path, rep)
    if doc is None:
        return
    try:
        index = _json_int(doc, "index")
        if index != cite.get("index"):
            raise VerificationError(f"proof is for index {index}, the manifest cites "
                                    f"{cite.get('index')}")
        if _json_int(doc, "size") != end.size:
            raise VerificationError(f"proof is for size {doc.get('size')}, the period ends at "
                                    f"{end.size}")
        entry = _b64(doc.get("entry", ""), "entry")
        want = cite.get("entry_sha256")
        if want is not None and _sha256(entry).hexdigest() != want:
            raise VerificationError("entry differs from the one the manifest cites")
        proof = [_b64(p, "inclusion proof") for p in doc.get("proof", [])]
        verify_inclusion(leaf=leaf_hash(entry), index=index, size=end.size, proof=proof,
                         root=end.root_hash)
    except VerificationError as exc:
        rep.fail(path, str(exc))


def verify_bundle(path: str | os.PathLike[str], verifiers: Sequence[Verifier]) -> BundleReport:
    """Check an evidence bundle offline: the platform's signature over the manifest, the
    SHA-256 of every file it lists (and that nothing else is in the zip), each log's period
    checkpoints under the log's key with the consistency proof between them, and the inclusion
    proof of every cited record against the period's end. Failures are collected, each naming
    its item; the caller decides (``main`` exits 1 when there is any)."""
    import zipfile

    rep = BundleReport()
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise VerificationError(f"{path}: not a readable zip ({exc})") from exc
    with zf:
        names = set(zf.namelist())
        for required in (BUNDLE_MANIFEST, BUNDLE_SIGNATURE):
            if required not in names:
                raise VerificationError(f"{required}: missing item")
        manifest_bytes = zf.read(BUNDLE_MANIFEST)
        try:
            note = verify_note(zf.read(BUNDLE_SIGNATURE), verifiers)
        except VerificationError as exc:
            raise VerificationError(f"{BUNDLE_SIGNATURE}: {exc}") from exc
        if note.text != bundle_signed_text(manifest_bytes):
            raise VerificationError(
                f"{BUNDLE_MANIFEST}: changed (its SHA-256 is not the one the platform signed)")
        rep.signer = verifiers[0].name
        manifest = _bundle_json(manifest_bytes, BUNDLE_MANIFEST, rep)
        if manifest is None or manifest.get("format") != BUNDLE_FORMAT:
            raise VerificationError(f"{BUNDLE_MANIFEST}: not a {BUNDLE_FORMAT} manifest")
        rep.engagement = dict(manifest.get("engagement") or {})
        listed = {BUNDLE_MANIFEST, BUNDLE_SIGNATURE}
        for f in manifest.get("files", []):
            name = str(f.get("path", ""))
            listed.add(name)
            data = _member(zf, name, rep)
            if data is None:
                continue
            got = _sha256(data).hexdigest()
            if got != f.get("sha256") or len(data) != f.get("size"):
                rep.fail(name, f"changed (SHA-256 {got}, the manifest says {f.get('sha256')})")
            rep.files += 1
        for extra in sorted(names - listed):
            rep.fail(extra, "not listed in the manifest")
        ends: dict[str, Checkpoint] = {}
        for log in manifest.get("logs", []):
            cp = _bundle_log(zf, log, rep)
            rep.logs += 1
            if cp is not None:
                ends[str(log["name"])] = cp
        for cite in manifest.get("citations", []):
            _bundle_citation(zf, cite, ends, rep)
            rep.citations += 1
    return rep


# --------------------------------------------------------------------------- command line


def _load_text(value: str) -> str:
    """A literal value, or the contents of the file it names when prefixed by '@'."""
    if value.startswith("@"):
        return Path(value[1:]).read_text(encoding="utf-8")
    return value


def _b64(s: Any, what: str) -> bytes:
    return b64decode_strict(str(s), what)


def _json_file(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise VerificationError(f"{path}: cannot read JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise VerificationError(f"{path}: expected a JSON object")
    return data


def _json_int(data: dict[str, Any], key: str, default: int | None = None) -> int:
    """A non-negative JSON integer (not 5.9, "5" or true); ``default`` when absent."""
    value = data.get(key, default)
    if value is None:
        raise VerificationError(f"proof JSON: {key!r} is missing")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise VerificationError(f"proof JSON: {key!r} must be a non-negative integer, "
                                f"not {value!r}")
    return value


def _verifiers(args: argparse.Namespace) -> list[Verifier]:
    return [parse_vkey(_load_text(v)) for v in args.vkey]


def _cmd_checkpoint(args: argparse.Namespace) -> str:
    cp = open_checkpoint(Path(args.checkpoint).read_bytes(), _verifiers(args))
    return f"OK checkpoint {cp.origin} size {cp.size} root {cp.root_hash.hex()}"


def _cmd_consistency(args: argparse.Namespace) -> str:
    vs = _verifiers(args)
    old = open_checkpoint(Path(args.old).read_bytes(), vs)
    new = open_checkpoint(Path(args.new).read_bytes(), vs)
    if old.origin != new.origin:
        raise VerificationError("consistency: the checkpoints come from different logs")
    data = _json_file(args.proof)
    proof = [_b64(p, "consistency proof") for p in data.get("proof", [])]
    if _json_int(data, "from", old.size) != old.size or _json_int(data, "to", new.size) != new.size:
        raise VerificationError("consistency: proof sizes do not match the checkpoints")
    verify_consistency(
        size1=old.size, size2=new.size, proof=proof, root1=old.root_hash, root2=new.root_hash
    )
    return f"OK consistent {old.origin} {old.size} → {new.size}"


def _cmd_inclusion(args: argparse.Namespace) -> str:
    vs = _verifiers(args)
    data = _json_file(args.proof)
    cp_text = Path(args.checkpoint).read_text("utf-8") if args.checkpoint else data["checkpoint"]
    cp = open_checkpoint(cp_text, vs)
    entry = Path(args.entry).read_bytes() if args.entry else _b64(data.get("entry", ""), "entry")
    index = _json_int(data, "index")
    proof = [_b64(p, "inclusion proof") for p in data.get("proof", [])]
    size = _json_int(data, "size", cp.size)
    if size != cp.size:
        raise VerificationError(f"inclusion: proof is for size {size}, checkpoint is {cp.size}")
    verify_inclusion(
        leaf=leaf_hash(entry), index=index, size=cp.size, proof=proof, root=cp.root_hash
    )
    return f"OK entry {index} is in {cp.origin} at size {cp.size}"


def _cmd_tiles(args: argparse.Namespace) -> str:
    where = str(args.directory)
    if where.startswith(("http://", "https://")):
        headers = {}
        for h in args.header or []:
            name, sep, value = h.partition(":")
            if not sep:
                raise VerificationError(f"--header {h!r}: expected 'Name: value'")
            headers[name.strip()] = value.strip()
        read = http_reader(where, headers)
    else:
        read = directory_reader(where)
    cp = open_checkpoint(read("checkpoint"), _verifiers(args))
    rep = rehash_export(read, cp)
    return (
        f"OK re-hashed {rep.size} entries of {cp.origin}: {rep.bundles_checked} bundles, "
        f"{rep.tiles_checked} tiles, root {rep.root_hash.hex()}"
    )


def _cmd_bundle(args: argparse.Namespace) -> str:
    rep = verify_bundle(args.bundle, _verifiers(args))
    if rep.failures:
        raise VerificationError(
            f"{len(rep.failures)} item(s) of the bundle failed:\n  " + "\n  ".join(rep.failures))
    period = rep.engagement.get("period") or {}
    return (f"OK bundle of engagement {rep.engagement.get('id', '?')} "
            f"({period.get('start', '?')} … {period.get('end', '?')}): {rep.files} files, "
            f"{rep.logs} logs consistent over the period, {rep.citations} cited records "
            f"included; manifest signed by {rep.signer}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="zeren-verify",
        description="Verify Zeren transparency logs offline (RFC 6962, C2SP checkpoints/tiles).",
    )
    sub = p.add_subparsers(dest="command", required=True)

    def vkey_arg(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--vkey", action="append", required=True,
            help="verifier key (or @FILE); repeat to also require witness cosignatures",
        )

    sp = sub.add_parser("checkpoint", help="check a checkpoint's signatures")
    vkey_arg(sp)
    sp.add_argument("checkpoint", help="file holding the signed checkpoint")
    sp.set_defaults(func=_cmd_checkpoint)

    sp = sub.add_parser("consistency", help="check an old checkpoint is a prefix of a new one")
    vkey_arg(sp)
    sp.add_argument("--old", required=True, help="older signed checkpoint file")
    sp.add_argument("--new", required=True, help="newer signed checkpoint file")
    sp.add_argument("--proof", required=True, help="JSON from `zeren ledger consistency`")
    sp.set_defaults(func=_cmd_consistency)

    sp = sub.add_parser("inclusion", help="check a record is in the log")
    vkey_arg(sp)
    sp.add_argument("--proof", required=True, help="JSON from `zeren ledger proof`")
    sp.add_argument("--checkpoint", help="signed checkpoint file (default: the one in the JSON)")
    sp.add_argument("--entry", help="file with the raw entry (default: the one in the JSON)")
    sp.set_defaults(func=_cmd_inclusion)

    sp = sub.add_parser("tiles", help="re-hash a tlog-tiles log: an exported folder or a URL")
    vkey_arg(sp)
    sp.add_argument("directory", help="folder written by `zeren ledger export`, or the URL "
                    "of a served log (https://…/api/v1/ledger/logs/<log>)")
    sp.add_argument("--header", action="append", help="HTTP header for a URL, e.g. "
                    "'Authorization: Bearer <token>' (repeatable)")
    sp.set_defaults(func=_cmd_tiles)

    sp = sub.add_parser("bundle", help="check an audit evidence bundle (zip) offline")
    sp.add_argument("--vkey", action="append", required=True,
                    help="the platform's bundle verifier key (or @FILE)")
    sp.add_argument("bundle", help="the evidence bundle file (.zip)")
    sp.set_defaults(func=_cmd_bundle)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``zeren-verify``: prints ``OK …`` and exits 0, or ``FAILED: …`` and 1."""
    args = build_parser().parse_args(argv)
    try:
        print(args.func(args))
    except VerificationError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    except (OSError, KeyError, ValueError) as exc:
        print(f"FAILED: unusable input: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
