"""Process clock benchmark: what reading "now" costs, since every write and every deadline in
Zeren asks ``zeren.clock.now()`` (through ``zeren.db.base.utcnow``).

* baseline: ``datetime.now(UTC)``, measured in the same run;
* ``clock.now()`` with no test clock (production: one attribute read more);
* ``clock.now()`` with a test clock file (development and test deployments: one ``stat`` a
  call, the file re-read only when it changes);
* the same while another writer moves the clock every 1,000 calls (re-reads).

Medians of ``--repeat`` runs of ``--calls`` calls each; ratios against the baseline count
(the machine is shared).

    .venv/bin/python -m bench.clock [--calls 200000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from zeren import clock


def per_call_ns(fn: Callable[[], object], calls: int, repeat: int,
                every: Callable[[int], None] | None = None) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter_ns()
        if every is None:
            for _ in range(calls):
                fn()
        else:
            for i in range(calls):
                if i % 1000 == 0:
                    every(i)
                fn()
        runs.append((time.perf_counter_ns() - t0) / calls)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.clock")
    ap.add_argument("--calls", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    rows: list[tuple[str, float]] = []
    rows.append(("datetime.now(UTC) (baseline)",
                 per_call_ns(lambda: datetime.now(UTC), a.calls, a.repeat)))
    clock.use_test_clock(None)
    rows.append(("clock.now(), no test clock", per_call_ns(clock.now, a.calls, a.repeat)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clock.json"
        clock.write_offset(path, timedelta(days=15))
        clock.use_test_clock(path)
        rows.append(("clock.now(), test clock file", per_call_ns(clock.now, a.calls, a.repeat)))

        def move(i: int) -> None:
            clock.write_offset(path, timedelta(days=15, seconds=i))

        rows.append(("clock.now(), file moved every 1,000 calls",
                     per_call_ns(clock.now, a.calls, a.repeat, every=move)))
        clock.use_test_clock(None)
    base = rows[0][1]
    print(f"process clock: {a.calls:,} calls × {a.repeat} runs (median)")
    print(f"{'reader':<44}{'ns/call':>10}{'calls/s':>14}{'× baseline':>12}")
    for name, ns in rows:
        print(f"{name:<44}{ns:>10.0f}{1e9 / ns:>14,.0f}{ns / base:>12.2f}")


if __name__ == "__main__":
    main()
