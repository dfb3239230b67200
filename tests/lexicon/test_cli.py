"""``zeren lexicon …`` and ``zeren screen`` end to end on a real database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import World
from zeren.cli import app
from zeren.config import get_settings

runner = CliRunner()


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("ZEREN_DATABASE_URL", db_url)
    monkeypatch.setenv("ZEREN_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _run(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return r.exit_code, r.output if "--format" not in args else " ".join(r.output.split())


def test_import_versions_diff_export(env: None, tmp_path: Path) -> None:
    f = tmp_path / "lex.csv"
    f.write_text("term,category,severity,action,whitelist\n枪支,prohibited_goods,,,false\n"
                 "水枪,custom,,,true\n", encoding="utf-8")
    code, out = _run("lexicon", "import", str(f), "--lexicon", "shop")
    assert code == 0 and "version 1" in out, out
    t = tmp_path / "more.txt"
    t.write_text("冰毒\n# note\n大麻\n", encoding="utf-8")
    code, out = _run("lexicon", "import", str(t), "--lexicon", "shop",
                     "--category", "prohibited_goods", "--reason", "drugs")
    assert code == 0 and "version 2" in out, out
    code, out = _run("lexicon", "versions", "--lexicon", "shop")
    assert code == 0 and "drugs" in out
    code, out = _run("lexicon", "diff", "--lexicon", "shop", "1", "2")
    assert code == 0 and "+ 冰毒" in out and "+ 大麻" in out
    code, out = _run("lexicon", "export", "--lexicon", "shop")
    assert code == 0 and out.splitlines()[0].startswith("term,category,severity,action,whitelist")
    assert len(out.splitlines()) == 5


def test_import_is_all_or_nothing(env: None, tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("term,category,severity,action,whitelist\n枪支,prohibited_goods,,,false\n"
                 "冰毒,prohibited_goods,extreme,,false\n", encoding="utf-8")
    code, out = _run("lexicon", "import", str(f), "--lexicon", "shop")
    assert code != 0 and "line 3, field severity" in out, out
    code, out = _run("lexicon", "versions", "--lexicon", "shop")
    assert code != 0 and "no lexicon named" in out


def test_screen_jsonl_and_table(env: None, tmp_path: Path, world: World) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_text('{"id": "a", "text": "出售木仓支"}\n{"id": "b", "text": "生日快乐"}\n',
                   encoding="utf-8")
    code, out = _run("screen", str(inp))
    assert code == 0, out
    lines = [json.loads(x) for x in out.splitlines()]
    # a split spelling is too unsure to block by itself: review
    assert [(x["id"], x["decision"]) for x in lines] == [("a", "review"), ("b", "pass")]
    assert lines[0]["hits"][0]["evasion"] == ["split"]
    txt = tmp_path / "doc.txt"
    txt.write_text("国家级好货", encoding="utf-8")
    code, out = _run("screen", "--format", "table", str(txt))
    assert code == 0 and "review" in out
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a"}\n{"text": \n', encoding="utf-8")
    code, out = _run("screen", str(bad))
    assert code != 0 and "line 2: malformed JSON" in out
    enc = tmp_path / "enc.txt"
    enc.write_bytes(b"\xff\xfe\x00")
    code, out = _run("screen", str(enc))
    assert code != 0 and "not valid UTF-8" in out


def test_patrol_command(env: None, tmp_path: Path, world: World) -> None:
    assert _run("lexicon", "seed-default")[0] == 0
    items = tmp_path / "items.jsonl"
    items.write_text('{"id": "1", "text": "出售冰毒"}\n{"id": "2", "text": "好货"}\n',
                     encoding="utf-8")
    code, out = _run("lexicon", "patrol-submit", str(items), "--platform", world.small_id)
    assert code == 0 and "2 item" in out, out
    code, out = _run("lexicon", "patrol", "--platform", world.small_id, "--batch-size", "1")
    assert code == 0 and "2 items, 1 hits, 1 new" in out, out


def test_table_keeps_bracketed_text(env: None, tmp_path: Path, world: World) -> None:
    # rich reads "[noise]" as a style tag and drops it unless the text is escaped
    inp = tmp_path / "in.jsonl"
    inp.write_text('{"id": "[b]x", "text": "出售 槍-支"}\n', encoding="utf-8")
    r = runner.invoke(app, ["screen", "--format", "table", str(inp)], env={"COLUMNS": "300"})
    assert r.exit_code == 0, r.output
    flat = "".join(r.output.split())
    assert "[noise,traditional]" in flat and "[b]x" in flat, r.output


def test_findings_and_handle_commands(env: None, tmp_path: Path, world: World) -> None:
    assert _run("lexicon", "seed-default")[0] == 0
    items = tmp_path / "items.jsonl"
    # as posts: 冰毒 asks for review (a case), 电子烟 only a flag (no case)
    items.write_text('{"id": "[i1]", "text": "出售冰毒"}\n{"id": "i2", "text": "电子烟"}\n',
                     encoding="utf-8")
    assert _run("lexicon", "patrol-submit", str(items), "--platform", world.small_id,
                "--kind", "post")[0] == 0
    code, out = _run("lexicon", "patrol", "--platform", world.small_id)
    assert code == 0 and "case" in out, out
    code, out = _run("lexicon", "findings", "--platform", "small")
    assert code == 0 and "2 of 2 open finding(s)" in out and "冰毒" in out, out
    from sqlalchemy import create_engine, select

    from zeren.lexicon.models import PatrolFinding

    with create_engine(get_settings().database_url).connect() as c:
        by_term = dict(c.execute(select(PatrolFinding.term, PatrolFinding.id)).all())
    flag, case = by_term["电子烟"], by_term["冰毒"]
    code, out = _run("lexicon", "handle", case, "--handling", "下架")
    assert code != 0 and "deciding its moderation case" in out, out
    code, out = _run("lexicon", "handle", flag, "--handling", "核实无误 [kept]")
    assert code == 0 and "核实无误[kept]" in "".join(out.split()), out
    code, out = _run("lexicon", "handle", flag, "--handling", "again")
    assert code != 0 and "already handled" in out, out
    code, out = _run("lexicon", "handle", "no-such-id", "--handling", "x")
    assert code != 0 and "no patrol finding" in out, out
    code, out = _run("lexicon", "findings", "--platform", "small", "--state", "handled")
    assert code == 0 and "1 of 1 handled" in out, out
    code, out = _run("lexicon", "findings", "--platform", "small", "--state", "nope")
    assert code != 0 and "state" in out, out
    code, out = _run("lexicon", "report-finding", case, "--authority", "网安支队",
                     "--reference", "R-1", "--summary", "selling drugs")
    assert code == 0 and "reported" in out, out
    code, out = _run("lexicon", "report-finding", flag, "--authority", "网安支队",
                     "--summary", "x")
    assert code != 0 and "no moderation case" in out, out


def test_screen_takes_content_kinds(env: None, tmp_path: Path) -> None:
    f = tmp_path / "docs.jsonl"
    f.write_text(json.dumps({"id": "a", "text": "国家级好货"}, ensure_ascii=False) + "\n"
                 + json.dumps({"id": "b", "text": "国家级好货", "kind": "ad"},
                              ensure_ascii=False) + "\n", encoding="utf-8")
    code, out = _run("screen", str(f), "--kind", "review")
    assert code == 0, out
    got = {r["id"]: r["decision"] for r in map(json.loads, out.splitlines())}
    assert got == {"a": "pass", "b": "review"}
    code, out = _run("screen", str(f), "--kind", "tweet")
    assert code != 0 and "kind is one of" in out
    f.write_text(json.dumps({"text": "国家级", "kind": 3}) + "\n", encoding="utf-8")
    code, out = _run("screen", str(f))
    assert code != 0 and "line 1, field kind" in out, out


def test_suggest_whitelist(env: None, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("美国扔了原子弹\n原子弹的威力\n他买了一把水枪\n今天天气很好\n", encoding="utf-8")
    out_csv = tmp_path / "wl.csv"
    code, out = _run("lexicon", "suggest-whitelist", str(corpus), "-o", str(out_csv))
    assert code == 0, out
    assert "原子弹" in out and "子弹" in out
    rows = out_csv.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("term,category,severity,action,whitelist")
    assert any(r.startswith("原子弹,prohibited_goods,,,true") for r in rows), rows
    code, out = _run("lexicon", "import", str(out_csv), "--lexicon", "default")
    assert code == 0, out


def test_zeren_screen_starts_on_its_own(db_url: str, tmp_path: Path) -> None:
    """The console script's entry point runs ``zeren screen`` without the other commands and
    the web framework; the second run loads the compiled matcher the first one kept in the
    data folder, so it does not even load pypinyin."""
    import os
    import subprocess
    import sys

    f = tmp_path / "in.jsonl"
    f.write_text('{"id": "a", "text": "出售冰毒"}\n{"id": "b", "text": "你好", "kind": "post"}\n',
                 encoding="utf-8")
    code = ("import sys\n"
            "sys.argv = ['zeren', 'screen', sys.argv[1], '--kind', 'listing']\n"
            "from zeren.entry import main\n"
            "try:\n"
            "    main()\n"
            "except SystemExit as e:\n"  # the command line exits when done
            "    assert not e.code, e.code\n"
            "assert 'zeren.moderation.cli' not in sys.modules\n"
            "assert 'fastapi' not in sys.modules\n"
            "print('pypinyin' in sys.modules, file=sys.stderr)\n")
    env = {**os.environ, "ZEREN_DATABASE_URL": db_url, "ZEREN_DATA_DIR": str(tmp_path / "d"),
           "ZEREN_SECRET_KEY": "a test key of more than thirty-two characters"}
    loaded = []
    for _ in range(2):
        p = subprocess.run([sys.executable, "-c", code, str(f)], capture_output=True,
                           text=True, env=env, timeout=300, check=False)
        assert p.returncode == 0, p.stderr[-2000:]
        got = [json.loads(x) for x in p.stdout.splitlines()]
        assert [(x["id"], x["decision"]) for x in got] == [("a", "block"), ("b", "pass")]
        loaded.append(p.stderr.strip().splitlines()[-1])
    assert loaded == ["True", "False"]
    assert len(list((tmp_path / "d" / "cache" / "lexicon").glob("*.matcher"))) == 1
