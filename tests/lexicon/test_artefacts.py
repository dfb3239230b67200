"""Compiled matchers kept on disk (artefacts.py) and shared between processes through the
screening services (screening.py): the same results as a fresh build, never a file that does
not verify, one file per lexicon version and platform scope."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.conftest import World
from zeren.auth.policy import SYSTEM
from zeren.lexicon import artefacts, screening, service
from zeren.lexicon.domain import ALL_VARIANTS, Action, Severity, Term, default_terms
from zeren.lexicon.engine import Matcher
from zeren.lexicon.formats import Document, TermInput

TEXTS = [
    "出售枪支，加微信", "qiangzhi 便宜", "木仓支出售", "槍枝", "原子弹的历史", "生日快乐",
    "大麻…烦你了", "冰读 到货", "最佳的选择", "水枪玩具", "假…币", "国家级产品", "",
]


def _terms() -> list[Term]:
    return [*default_terms(),
            Term("枪支", "prohibited_goods", Severity.HIGH, Action.BLOCK, variants=ALL_VARIANTS),
            Term("水枪", "custom", Severity.LOW, Action.FLAG, whitelist=True)]


def test_a_loaded_matcher_screens_exactly_as_a_built_one(tmp_path: Path) -> None:
    built = Matcher(_terms(), version=3)
    assert artefacts.save(tmp_path, "m.matcher", "secret", built)
    loaded = artefacts.load(tmp_path, "m.matcher", "secret")
    assert loaded is not None and loaded.version == 3
    for kind in (None, "review", "ad"):
        assert loaded.screen_many(TEXTS, kind) == built.screen_many(TEXTS, kind)
        assert [loaded.screen(t, kind) for t in TEXTS] == built.screen_many(TEXTS, kind)
    assert (tmp_path.stat().st_mode & 0o777) == 0o700


def test_a_loaded_matcher_works_in_a_new_process_without_pypinyin(tmp_path: Path) -> None:
    built = Matcher(_terms(), version=1)
    artefacts.save(tmp_path, "m.matcher", "k", built)
    want = [s.decision.value for s in built.screen_many(TEXTS)]
    code = (
        "import sys, json\n"
        "from zeren.lexicon import artefacts\n"
        "from zeren.lexicon import words\n"
        f"m = artefacts.load(__import__('pathlib').Path({str(tmp_path)!r}), 'm.matcher', 'k')\n"
        "print(words.has_compiled())\n"  # the word tables came from their file, not a build
        f"print(json.dumps([s.decision.value for s in m.screen_many({TEXTS!r})]))\n"
        "print('pypinyin' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out == ["True", __import__("json").dumps(want), "False"]
    # the tables are kept once, apart from the matchers
    assert len(list(tmp_path.glob("words-*.tables"))) == 1
    assert (tmp_path / "m.matcher").stat().st_size < 5_000_000


def test_a_file_that_does_not_verify_is_never_unpickled(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    artefacts.save(tmp_path, "m.matcher", "right", Matcher(_terms(), version=1))
    calls: list[int] = []
    real = pickle.loads

    def counting(data: bytes) -> object:
        calls.append(1)
        return real(data)

    monkeypatch.setattr(artefacts.pickle, "loads", counting)
    assert artefacts.load(tmp_path, "m.matcher", "wrong") is None
    f = tmp_path / "m.matcher"
    data = bytearray(f.read_bytes())
    data[-1] ^= 1
    f.write_bytes(bytes(data))
    assert artefacts.load(tmp_path, "m.matcher", "right") is None
    f.write_bytes(b"not a matcher")
    assert artefacts.load(tmp_path, "m.matcher", "right") is None
    assert artefacts.load(tmp_path, "absent.matcher", "right") is None
    assert calls == []


def test_one_file_per_version_and_scope() -> None:
    names = {artefacts.file_name("lex", v, p) for v in (1, 2) for p in (None, "p1", "p2")}
    assert len(names) == 6


def test_the_services_keep_and_reuse_compiled_versions(session: Session, world: World,
                                                       tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    files = screening.CompiledFiles(tmp_path / "cache", "k")
    service.apply_changes(session=session, actor=SYSTEM, name="s", reason="r", upserts=[
        TermInput("枪支", "custom", Severity.HIGH, Action.BLOCK),
        TermInput("特供酒", "custom", Severity.HIGH, Action.BLOCK, platform_id=world.small_id)])
    docs = [Document("1", "特供酒 枪支")]
    screening.CACHE.clear()
    _, group = screening.screen_documents(session=session, name="s", documents=docs,
                                          files=files)
    _, small = screening.screen_documents(session=session, name="s", documents=docs,
                                          platform_id=world.small_id, files=files)
    assert len(list((tmp_path / "cache").glob("*.matcher"))) == 2

    # as in a new process: nothing in memory, and building is not possible
    def no_build(*_a: object, **_k: object) -> Matcher:
        raise AssertionError("built instead of loaded")

    screening.CACHE.clear()
    monkeypatch.setattr(screening, "Matcher", no_build)
    _, group2 = screening.screen_documents(session=session, name="s", documents=docs,
                                           files=files)
    _, small2 = screening.screen_documents(session=session, name="s", documents=docs,
                                           platform_id=world.small_id, files=files)
    assert group2 == group and small2 == small
    assert [h.term for h in small2[0].hits] == ["特供酒", "枪支"]
    assert [h.term for h in group2[0].hits] == ["枪支"]
    # a new version is built (and kept), not taken from the old file
    monkeypatch.undo()
    service.apply_changes(session=session, actor=SYSTEM, name="s", reason="r",
                          upserts=[TermInput("冰毒", "custom", Severity.HIGH, Action.BLOCK)])
    m = screening.matcher_for(session=session, name="s", files=files)
    assert m.version == 2 and m.screen("冰毒").hits
    assert len(list((tmp_path / "cache").glob("*.matcher"))) == 3
    screening.CACHE.clear()


def test_the_installation_secret_signs_and_without_one_nothing_is_kept(tmp_path: Path) -> None:
    from zeren.auth.installation import ensure_secret_file
    from zeren.config import Settings

    bare = Settings(database_url="sqlite://", data_dir=tmp_path / "d", secret_key=None)
    assert screening.CompiledFiles.of(bare) is None
    ensure_secret_file(bare)
    files = screening.CompiledFiles.of(bare)
    assert files is not None and files.folder == tmp_path / "d" / "cache" / "lexicon"
    assert len(files.secret) >= 32
    given = Settings(database_url="sqlite://", data_dir=tmp_path / "d", secret_key="x" * 40)
    got = screening.CompiledFiles.of(given)
    assert got is not None and got.secret == "x" * 40
