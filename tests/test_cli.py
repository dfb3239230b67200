"""The ``zeren`` command over the same services: happy paths and bad input (same message as
the API, non-zero exit)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import HOME_USCC, MALL_USCC
from zeren.cli import app
from zeren.config import get_settings
from zeren.db.base import utcnow

runner = CliRunner()
YEAR = str(utcnow().year - 1)


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ZEREN_DATABASE_URL", db_url)
    monkeypatch.setenv("ZEREN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.output


def _add_mall() -> None:
    code, out = run("platform", "add", "mall", "--name", "测试商城", "--legal-entity", "测试公司",
                    "--uscc", MALL_USCC, "--platform-type", "online_sales")
    assert code == 0, out


def test_platform_figures_posture(cli_env: None) -> None:
    _add_mall()
    code, out = run("platform", "figures", "mall", "--year", YEAR, "--users", "60000000",
                    "--market-value", "120000000000", "--prominent", "--prominent-rationale",
                    "零售第一", "--reach", "--reach-rationale", "流量入口")
    assert code == 0, out
    assert "super_large" in out and "≥ 50,000,000" in out
    code, out = run("platform", "classify", "mall")
    assert code == 0 and "super_large" in out
    code, out = run("platform", "list")
    assert "1–35" in out
    code, out = run("posture", "show", "mall", "--json")
    assert code == 0 and '"tier": "super_large"' in out
    code, out = run("posture", "evaluate", "mall")
    assert code == 0 and "evaluation" in out


def test_guideline_show(cli_env: None) -> None:
    code, out = run("guideline", "show", "13")
    assert code == 0 and "禁限售管控" in out
    code, out = run("guideline", "show", "36")
    assert code == 2 and "no article 36" in out
    code, out = run("platform", "classify", "[nowhere]")
    assert code == 2 and "no platform '[nowhere]'" in out and "[not_found]" in out


def test_bad_input_exits_non_zero_with_the_reason(cli_env: None) -> None:
    code, out = run("platform", "add", "bad", "--name", "x", "--legal-entity", "y",
                    "--uscc", "91330100MA2H000A13", "--platform-type", "online_sales")
    assert code == 2 and "unified social credit code" in out and "uscc" in out
    _add_mall()
    code, out = run("platform", "figures", "mall", "--year", YEAR, "--users", "-5",
                    "--market-value", "1", "--prominent", "--prominent-rationale", "r",
                    "--reach", "--reach-rationale", "r")
    assert code == 2 and "cannot be negative" in out
    code, out = run("exemption", "request", "mall", "--article", "12", "--ground", "nope",
                    "--justification", "a long enough reason", "--ends-on", "2099-01-01")
    assert code == 2 and "ground" in out


def test_users_tokens_attest(cli_env: None, tmp_path: Path) -> None:
    code, out = run("platform", "add", "home", "--name", "到家", "--legal-entity", "公司",
                    "--uscc", HOME_USCC, "--platform-type", "lifestyle_services")
    assert code == 0, out
    code, out = run("user", "add", "alice", "--role", "compliance_officer@home",
                    "--password", "long-enough-pass")
    assert code == 0, out
    code, out = run("user", "add", "bob", "--role", "wizard")
    assert code == 2 and "unknown role" in out
    code, out = run("token", "create", "alice")
    assert code == 0 and out.strip().startswith("zrn_")
    f = tmp_path / "ev.txt"
    f.write_text("evidence")
    code, out = run("attest", "home", "--obligation", "art28.goods_safety", "--statement",
                    "消费者投诉处理制度已上线并运行", "--valid-until", "2099-01-01",
                    "--evidence", str(f))
    assert code == 2 and "at most" in out  # more than three years ahead
    code, out = run("attest", "home", "--obligation", "art28.goods_safety", "--statement",
                    "消费者投诉处理制度已上线并运行", "--valid-until",
                    f"{utcnow().year + 1}-06-30", "--evidence", str(f))
    assert code == 0, out


def test_demo_loads_the_group(cli_env: None) -> None:
    code, out = run("demo")
    assert code == 0, out
    assert "zeren-demo-2026" in out
    code, out = run("platform", "list")
    assert "jingxuan-mall" in out and "1–35" in out and "10–34" in out
    code, out = run("demo")
    assert "already present" in out


def test_demo_reset_refuses_a_database_with_other_platforms(cli_env: None) -> None:
    _add_mall()
    code, out = run("demo", "--reset")
    assert code == 2 and "refusing to delete" in out
    code, out = run("platform", "list")
    assert "mall" in out  # nothing was deleted


def test_errors_are_one_line_on_a_narrow_terminal(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import typer

    from zeren.cli_support import fail

    monkeypatch.setenv("COLUMNS", "24")
    message = "line 2: malformed JSON (Expecting value at column 10); nothing was screened"
    with pytest.raises(typer.Exit):
        fail(message, {"field": "line 2"})
    err = capsys.readouterr().err
    assert message in err.splitlines()[0], err
