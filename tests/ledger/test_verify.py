"""Known-answer and property tests for the pure core: RFC 6962 hashing and proofs, C2SP
signed notes, checkpoints, cosignatures and tile paths."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from zeren.ledger import verify as v
from zeren.ledger.tree import MemoryTree, TreeState, consistency_proof, inclusion_proof

# Reference leaves and roots for RFC 6962 trees of sizes 0..8, as published with
# transparency-dev/merkle (testonly/constants.go); values are facts of SHA-256, not code.
LEAVES = [bytes.fromhex(x) for x in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
)]
ROOTS = [bytes.fromhex(x) for x in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]


def b64(s: str) -> bytes:
    return base64.b64decode(s)


def test_hash_known_answers() -> None:
    assert ROOTS[0] == v.EMPTY_ROOT
    assert v.leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert v.leaf_hash(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert v.node_hash(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


@pytest.mark.parametrize("n", range(9))
def test_roots_of_reference_trees(n: int) -> None:
    assert v.root_from_entries(LEAVES[:n]) == ROOTS[n]
    assert MemoryTree(LEAVES[:n]).root() == ROOTS[n]
    st_ = TreeState()
    st_.extend(v.leaf_hash(e) for e in LEAVES[:n])
    assert st_.root() == ROOTS[n]


# Published inclusion/consistency proofs over the same 8 leaves (transparency-dev/merkle
# testdata, happy paths).
INCLUSION = [
    (0, 8, "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
     ["lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
      "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
      "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ="]),
    (5, 8, "QnGia+DYqE8L1UyMMC58s6O10fpngKQLzOKHNHfatlg=",
     ["vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=",
      "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
      "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc="]),
    (2, 3, "ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=",
     ["+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU="]),
    (1, 5, "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
     ["bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
      "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
      "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms="]),
]
CONSISTENCY = [
    (1, 8, ["lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
            "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
            "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ="]),
    (6, 8, ["DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
            "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
            "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc="]),
    (2, 5, ["Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
            "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms="]),
    (6, 7, ["DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
            "sIaT7C5yFZcTBkHoIR5+7cy0wmQTlj7ubB4u0W/7Gl8=",
            "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc="]),
]


@pytest.mark.parametrize(("index", "size", "leaf", "proof"), INCLUSION)
def test_inclusion_known_answers(index: int, size: int, leaf: str, proof: list[str]) -> None:
    want = [b64(p) for p in proof]
    assert v.leaf_hash(LEAVES[index]) == b64(leaf)
    assert inclusion_proof(MemoryTree(LEAVES), index=index, size=size) == want
    v.verify_inclusion(leaf=b64(leaf), index=index, size=size, proof=want, root=ROOTS[size])


@pytest.mark.parametrize(("size1", "size2", "proof"), CONSISTENCY)
def test_consistency_known_answers(size1: int, size2: int, proof: list[str]) -> None:
    want = [b64(p) for p in proof]
    assert consistency_proof(MemoryTree(LEAVES), size1=size1, size2=size2) == want
    v.verify_consistency(size1=size1, size2=size2, proof=want, root1=ROOTS[size1],
                         root2=ROOTS[size2])


def test_bad_proofs_fail_with_reasons() -> None:
    t = MemoryTree(LEAVES)
    proof = t.inclusion_proof(5)
    with pytest.raises(v.VerificationError, match="out of range"):
        v.verify_inclusion(leaf=v.leaf_hash(LEAVES[5]), index=8, size=8, proof=proof,
                           root=ROOTS[8])
    with pytest.raises(v.VerificationError, match="too long"):
        v.verify_inclusion(leaf=v.leaf_hash(LEAVES[5]), index=5, size=8,
                           proof=[*proof, proof[0]], root=ROOTS[8])
    with pytest.raises(v.VerificationError, match="too short"):
        v.verify_inclusion(leaf=v.leaf_hash(LEAVES[5]), index=5, size=8, proof=proof[:-1],
                           root=ROOTS[8])
    forged = [bytes(32), *proof[1:]]
    with pytest.raises(v.VerificationError, match="does not lead"):
        v.verify_inclusion(leaf=v.leaf_hash(LEAVES[5]), index=5, size=8, proof=forged,
                           root=ROOTS[8])
    with pytest.raises(v.VerificationError, match="old root"):
        v.verify_consistency(size1=3, size2=8, proof=t.consistency_proof(3), root1=ROOTS[4],
                             root2=ROOTS[8])
    with pytest.raises(v.VerificationError, match="backwards"):
        v.verify_consistency(size1=8, size2=3, proof=[], root1=ROOTS[8], root2=ROOTS[3])


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 700), data=st.data())
def test_every_proof_verifies(n: int, data: st.DataObject) -> None:
    t = MemoryTree(i.to_bytes(4, "big") for i in range(n))
    size = data.draw(st.integers(1, n))
    index = data.draw(st.integers(0, size - 1))
    root = t.root(size)
    v.verify_inclusion(leaf=v.leaf_hash(t.entries[index]), index=index, size=size,
                       proof=t.inclusion_proof(index, size), root=root)
    size1 = data.draw(st.integers(0, size))
    v.verify_consistency(size1=size1, size2=size, proof=t.consistency_proof(size1, size),
                         root1=t.root(size1), root2=root)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 300), data=st.data())
def test_flipping_any_proof_byte_fails(n: int, data: st.DataObject) -> None:
    t = MemoryTree(i.to_bytes(4, "big") for i in range(n))
    index = data.draw(st.integers(0, n - 1))
    proof = t.inclusion_proof(index)
    entry = bytearray(t.entries[index])
    which = data.draw(st.integers(0, len(proof)))  # len(proof) means: flip the entry
    if which == len(proof):
        pos = data.draw(st.integers(0, len(entry) - 1))
        entry[pos] ^= 1 << data.draw(st.integers(0, 7))
    else:
        b = bytearray(proof[which])
        b[data.draw(st.integers(0, 31))] ^= 1 << data.draw(st.integers(0, 7))
        proof[which] = bytes(b)
    with pytest.raises(v.VerificationError):
        v.verify_inclusion(leaf=v.leaf_hash(bytes(entry)), index=index, size=n, proof=proof,
                           root=t.root())


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(0, 2000), min_size=1, max_size=6))
def test_tree_state_matches_reference_and_rebuilds(sizes: list[int]) -> None:
    n = max(sizes)
    leaves = [v.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    state = TreeState()
    tiles = []
    done = 0
    for s in sorted(sizes):
        tiles += state.extend(leaves[done:s])
        done = s
        assert state.root() == v.root_from_leaf_hashes(leaves[:s])
        again = TreeState.from_partials(s, state.partials)
        assert again.root() == state.root()
    for t in tiles:
        span = 256 ** (t.level + 1)
        assert t.root == v.root_from_leaf_hashes(leaves[t.index * span:(t.index + 1) * span])
    assert len([t for t in tiles if t.level == 0]) == n // 256


# signed-note reference example (C2SP signed-note.md).
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n— example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)


def test_signed_note_spec_example() -> None:
    ver = v.parse_vkey(SPEC_VKEY)
    assert ver.vkey == SPEC_VKEY
    note = v.verify_note(SPEC_NOTE, [ver])
    assert note.text == "This is an example message.\n"
    tampered = SPEC_NOTE.replace("example message", "exemplary message")
    with pytest.raises(v.VerificationError, match="does not verify"):
        v.verify_note(tampered, [ver])


def _signed_checkpoint(key: Ed25519PrivateKey, origin: str, size: int, root: bytes) -> str:
    cp = v.Checkpoint(origin, size, root)
    note = v.Note(cp.text(), [v.sign_note_text(cp.text(), name=origin, private_key=key)])
    return note.encode().decode()


def test_checkpoint_roundtrip_and_wrong_key() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    origin = "zeren.example/orders/2025"
    text = _signed_checkpoint(key, origin, 8, ROOTS[8])
    ver = v.make_verifier(origin, v.raw_public_key(key.public_key()))
    cp = v.open_checkpoint(text, [ver])
    assert (cp.origin, cp.size, cp.root_hash) == (origin, 8, ROOTS[8])
    forged = _signed_checkpoint(other, origin, 8, ROOTS[8])
    with pytest.raises(v.VerificationError, match="not signed by"):
        v.open_checkpoint(forged, [ver])


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_flipping_any_checkpoint_byte_fails(data: st.DataObject) -> None:
    key = Ed25519PrivateKey.generate()
    origin = "zeren.example/log"
    raw = bytearray(_signed_checkpoint(key, origin, 8, ROOTS[8]).encode())
    pos = data.draw(st.integers(0, len(raw) - 1))
    raw[pos] ^= 1 << data.draw(st.integers(0, 7))
    ver = v.make_verifier(origin, v.raw_public_key(key.public_key()))
    with pytest.raises(v.VerificationError):
        cp = v.open_checkpoint(bytes(raw), [ver])
        # A flip that still parses and verifies would have to keep the body identical.
        assert (cp.size, cp.root_hash) != (8, ROOTS[8])


def test_cosignature() -> None:
    log_key, wit_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    origin = "zeren.example/log"
    text = _signed_checkpoint(log_key, origin, 8, ROOTS[8])
    note = v.parse_note(text)
    sig = v.cosign_note_text(note.text, name="witness.example/w1", private_key=wit_key,
                             timestamp=1_700_000_000)
    note.signatures.append(sig)
    wv = v.make_verifier("witness.example/w1", v.raw_public_key(wit_key.public_key()),
                         v.SIG_COSIGNATURE_V1)
    assert wv.vkey.split("+")[1] == v.key_id("witness.example/w1", 4, wv.public_key).hex()
    lv = v.make_verifier(origin, v.raw_public_key(log_key.public_key()))
    v.open_checkpoint(note.encode(), [lv, wv])
    assert v.cosignature_time(sig) == 1_700_000_000
    # The cosignature does not verify as a plain Ed25519 note signature (domain separation).
    bad = v.NoteSignature(sig.name, sig.key_id, sig.signature[:8] + bytes(64))
    note.signatures[-1] = bad
    with pytest.raises(v.VerificationError, match=r"witness\.example/w1"):
        v.open_checkpoint(note.encode(), [lv, wv])


def test_tile_paths() -> None:
    assert v.tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert v.tile_path(1, 5, 17) == "tile/1/005.p/17"
    assert v.bundle_path(0, 3) == "tile/entries/000.p/3"
    widths = v.tile_widths(70_000)
    assert (0, 273, 112) in widths and (1, 1, 17) in widths and (2, 0, 1) in widths
    assert len([w for w in widths if w[0] == 0 and w[2] == 256]) == 273
    assert v.tile_widths(256) == [(0, 0, 256), (1, 0, 1)]


def test_bundle_roundtrip_and_truncation() -> None:
    entries = [b"", b"a", b"x" * 300]
    data = v.encode_bundle(entries)
    assert v.decode_bundle(data, expect=3) == entries
    with pytest.raises(v.VerificationError, match="truncated"):
        v.decode_bundle(data[:-1], expect=3)
    with pytest.raises(v.VerificationError, match="expected 4"):
        v.decode_bundle(data, expect=4)


# ----------------------------------------------------------------------- reviewer's findings


def test_size_zero_needs_the_empty_tree_root(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    origin = "zeren.example/log"
    ver = v.make_verifier(origin, v.raw_public_key(key.public_key()))
    assert v.open_checkpoint(_signed_checkpoint(key, origin, 0, v.EMPTY_ROOT), [ver]).size == 0
    forged = _signed_checkpoint(key, origin, 0, b"\x11" * 32)
    with pytest.raises(v.VerificationError, match="empty-tree root"):
        v.open_checkpoint(forged, [ver])
    with pytest.raises(v.VerificationError, match="empty-tree root"):
        v.verify_consistency(size1=0, size2=8, proof=[], root1=b"\x11" * 32, root2=ROOTS[8])
    with pytest.raises(v.VerificationError, match="empty-tree root"):
        v.verify_consistency(size1=0, size2=0, proof=[], root1=b"\x11" * 32, root2=b"\x11" * 32)
    v.verify_consistency(size1=0, size2=8, proof=[], root1=v.EMPTY_ROOT, root2=ROOTS[8])
    (tmp_path / "vkey").write_text(ver.vkey)
    (tmp_path / "cp").write_text(forged)
    assert v.main(["checkpoint", "--vkey", f"@{tmp_path / 'vkey'}", str(tmp_path / "cp")]) == 1


def test_witness_keys_alone_do_not_verify_a_checkpoint(tmp_path: Path) -> None:
    origin = "zeren.example/log"
    forger, wit_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    note = v.parse_note(_signed_checkpoint(forger, origin, 5, b"\x22" * 32))
    note.signatures.append(v.cosign_note_text(note.text, name="witness.example/w1",
                                              private_key=wit_key, timestamp=1_700_000_000))
    wv = v.make_verifier("witness.example/w1", v.raw_public_key(wit_key.public_key()),
                         v.SIG_COSIGNATURE_V1)
    with pytest.raises(v.VerificationError, match="no log key"):
        v.open_checkpoint(note.encode(), [wv])
    (tmp_path / "wkey").write_text(wv.vkey)
    (tmp_path / "cp").write_bytes(note.encode())
    assert v.main(["checkpoint", "--vkey", f"@{tmp_path / 'wkey'}", str(tmp_path / "cp")]) == 1


@pytest.mark.parametrize("rel", [
    "07/000", "00/000", "64/000", "0/000.p/08", "0/000.p/0", "entries/000.p/007",
    "0/000.p/256", "1/x000/001", "0/00", "0/0000", "entries/000.p/",
])
def test_non_canonical_tile_paths_are_refused(rel: str) -> None:
    with pytest.raises(v.VerificationError):
        v.parse_tile_path(rel)


def test_canonical_tile_paths_parse() -> None:
    assert v.parse_tile_path("0/000") == (0, 0, 256)
    assert v.parse_tile_path("63/x001/234.p/255") == (63, 1234, 255)
    assert v.parse_tile_path("entries/005.p/1") == (None, 5, 1)
    assert v.parse_tile_path("10/000.p/10") == (10, 0, 10)


def test_vkey_key_id_must_be_lower_case() -> None:
    ver = v.parse_vkey(SPEC_VKEY)
    name, kid, blob = SPEC_VKEY.split("+", 2)
    assert kid == kid.lower() and kid != kid.upper()
    with pytest.raises(v.VerificationError, match="lower-case"):
        v.parse_vkey(f"{name}+{kid.upper()}+{blob}")
    assert v.parse_vkey(f"{name}+{kid}+{blob}") == ver


@pytest.mark.parametrize("index", [5.9, "5", True, -1, None])
def test_inclusion_json_index_must_be_an_integer(
    tmp_path: Path, index: object, capsys: pytest.CaptureFixture[str]
) -> None:
    key = Ed25519PrivateKey.generate()
    origin = "zeren.example/log"
    tree = MemoryTree(LEAVES[:8])
    good = {"index": 5, "size": 8, "entry": base64.b64encode(LEAVES[5]).decode(),
            "proof": [base64.b64encode(p).decode() for p in inclusion_proof(tree, index=5, size=8)],
            "checkpoint": _signed_checkpoint(key, origin, 8, ROOTS[8])}
    (tmp_path / "vkey").write_text(v.make_verifier(origin, v.raw_public_key(key.public_key())).vkey)
    args = ["inclusion", "--vkey", f"@{tmp_path / 'vkey'}", "--proof", str(tmp_path / "p.json")]
    (tmp_path / "p.json").write_text(json.dumps(good))
    assert v.main(args) == 0
    (tmp_path / "p.json").write_text(json.dumps({**good, "index": index}))
    assert v.main(args) == 1
    assert "index" in capsys.readouterr().err
