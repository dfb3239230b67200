"""``zeren moderation …``: batch intake from JSON Lines, the queue, the clock, the ledger
flush and the periodic report; bad lines are refused with their line number."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import MALL_USCC
from tests.test_cli import cli_env, run  # noqa: F401  (fixture)


def test_moderation_cli(cli_env: None, tmp_path: Path) -> None:  # noqa: F811
    code, out = run("platform", "add", "mall", "--name", "测试商城", "--legal-entity", "测试公司",
                    "--uscc", MALL_USCC, "--platform-type", "online_sales")
    assert code == 0, out
    code, out = run("moderation", "categories")
    assert code == 0 and "illegal.rumours" in out
    lines = [json.dumps({"subject": {"kind": "post", "external_ref": f"p{i % 3}"},
                         "category": "fraud", "source": "user"}) for i in range(7)]
    f = tmp_path / "reports.jsonl"
    f.write_text("\n".join(lines), encoding="utf-8")
    code, out = run("moderation", "intake", str(f), "--platform", "mall")
    assert code == 0 and "7 reports" in out, out
    code, out = run("moderation", "queue", "--platform", "mall")
    assert code == 0 and out.count("fraud") == 3
    code, out = run("moderation", "tick")
    assert code == 0 and '"escalated": 0' in out
    code, out = run("moderation", "report", "--platform", "mall")
    assert code == 0 and '"opened": 3' in out
    code, out = run("moderation", "report", "--platform", "mall", "--format", "csv")
    assert "reports.total,7" in out
    code, out = run("moderation", "flush-ledger")
    assert code == 0 and "0 record(s)" in out
    bad = tmp_path / "bad.jsonl"
    bad.write_text(lines[0] + "\n" + json.dumps({"subject": {"kind": "post"}}), encoding="utf-8")
    code, out = run("moderation", "intake", str(bad), "--platform", "mall")
    assert code != 0 and "line 2" in out
    bad.write_text(json.dumps({"subject": {"kind": "post", "external_ref": "x"},
                               "category": "nope"}), encoding="utf-8")
    code, out = run("moderation", "intake", str(bad), "--platform", "mall")
    assert code != 0 and "unknown category" in out
