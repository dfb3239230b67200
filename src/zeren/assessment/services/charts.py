"""Charts rendered on the server to SVG with matplotlib (ADR 0704): text drawn as paths with
the CJK font from Debian's fonts-noto-cjk, so a chart shows the same in a browser, in a PDF
(fpdf2 embeds the SVG as vectors) and offline; no date and a fixed id salt, so one chart
renders to the same bytes."""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping, Sequence
from functools import lru_cache

from zeren.assessment.services.pdf import font_file

_LOCK = threading.Lock()  # matplotlib's font state is global
COLOURS = ("#2f6f9f", "#d9822b", "#3c8d5a", "#b03a48", "#7a5ea8", "#8c8c8c")


@lru_cache(maxsize=1)
def _setup() -> str:
    import matplotlib

    matplotlib.use("svg")
    from matplotlib import font_manager

    path, _index = font_file()
    font_manager.fontManager.addfont(path)
    names = sorted({f.name for f in font_manager.fontManager.ttflist if "CJK SC" in f.name}
                   or {f.name for f in font_manager.fontManager.ttflist if "CJK" in f.name})
    matplotlib.rcParams.update({"svg.fonttype": "path", "svg.hashsalt": "zeren",
                                "font.family": names[0] if names else "sans-serif",
                                "axes.spines.top": False, "axes.spines.right": False})
    return names[0] if names else ""


def _svg(fig: object) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})  # type: ignore[attr-defined]
    text = buf.getvalue()
    return text[text.index("<svg"):]  # inline in HTML: no XML prolog or doctype


def bar(title: str, values: Mapping[str, float | int], *, width: float = 6.4,
        height: float = 3.0) -> str:
    """A bar chart of labelled values, each bar with its figure."""
    _setup()
    from matplotlib.figure import Figure

    with _LOCK:
        fig = Figure(figsize=(width, height))
        ax = fig.add_subplot()
        labels, nums = list(values), [float(v) for v in values.values()]
        bars = ax.bar(labels or ["—"], nums or [0.0], color=COLOURS[0])
        ax.bar_label(bars, labels=[f"{v:g}" for v in nums] or [""], fontsize=8)
        ax.set_title(title, fontsize=11)
        ax.tick_params(axis="x", labelsize=8, rotation=20 if len(labels) > 4 else 0)
        fig.tight_layout()
        return _svg(fig)


def lines(title: str, x: Sequence[str], series: Mapping[str, Sequence[float | None]], *,
          width: float = 6.4, height: float = 3.0, ylabel: str = "") -> str:
    """A line chart of one or more series over ``x`` (a None is a gap)."""
    _setup()
    from matplotlib.figure import Figure

    with _LOCK:
        fig = Figure(figsize=(width, height))
        ax = fig.add_subplot()
        for i, (name, ys) in enumerate(series.items()):
            ax.plot(list(x), [float("nan") if y is None else y for y in ys], marker="o",
                    color=COLOURS[i % len(COLOURS)], label=name)
        ax.set_title(title, fontsize=11)
        if ylabel:
            ax.set_ylabel(ylabel, fontsize=8)
        ax.tick_params(labelsize=8)
        if len(series) > 1:
            ax.legend(fontsize=8)
        fig.tight_layout()
        return _svg(fig)


STATUS_COLOURS = {"met": "#3c8d5a", "at_risk": "#e0a030", "unmet": "#b03a48",
                  "not_assessed": "#b8b8b8", "not_applicable": "#eeeeee",
                  "exempted": "#6b8fc7", None: "#ffffff"}
STATUS_ZH = {"met": "合规", "at_risk": "有风险", "unmet": "未合规", "not_assessed": "未评估",
             "not_applicable": "不适用", "exempted": "已变通", None: "无"}


def status_matrix(title: str, m: object) -> str:
    """A grid of statuses (rows × columns) in the posture's colours, with a legend: a
    platform's articles over time, or the group's platforms × articles."""
    _setup()
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    rows: list[str] = m.rows  # type: ignore[attr-defined]
    cols: list[str] = m.cols  # type: ignore[attr-defined]
    cells: list[list[str | None]] = m.cells  # type: ignore[attr-defined]
    keys = list(STATUS_COLOURS)
    grid = [[keys.index(c) for c in row] for row in cells]
    with _LOCK:
        fig = Figure(figsize=(max(6.0, 0.28 * len(cols) + 2.5), max(2.0, 0.26 * len(rows) + 1.6)))
        ax = fig.add_subplot()
        ax.imshow(grid, cmap=ListedColormap(list(STATUS_COLOURS.values())), vmin=0,
                  vmax=len(keys) - 1, aspect="auto", interpolation="nearest")
        ax.set_xticks(range(len(cols)), cols, fontsize=7, rotation=60 if len(cols) > 12 else 0)
        ax.set_yticks(range(len(rows)), rows, fontsize=7)
        ax.set_title(title, fontsize=10)
        used = sorted({c for row in cells for c in row}, key=lambda k: keys.index(k))
        ax.legend(handles=[Patch(color=STATUS_COLOURS[k], label=STATUS_ZH[k]) for k in used],
                  fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
        fig.tight_layout()
        return _svg(fig)
