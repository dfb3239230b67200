"""Crash safety for real: a child process appends through the batching integrator and prints
each index once its batch has committed; we SIGKILL it mid-stream and check that every
acknowledged entry is there, intact, and that the tree verifies and grows on restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from zeren.ledger import store
from zeren.ledger.integrator import Integrator, PendingEntry
from zeren.ledger.keys import LogKeys

CHILD = r"""
import sys, threading
from zeren.db.session import make_engine
from zeren.ledger.integrator import Integrator, PendingEntry
from zeren.ledger.keys import LogKeys

url, key_dir = sys.argv[1], sys.argv[2]
integ = Integrator(make_engine(url), keys=LogKeys(key_dir), batch_size=64, batch_ms=5)
integ.log("crash")
out = sys.stdout
lock = threading.Lock()

def work(t):
    n = 0
    while True:
        futs = []
        for _ in range(40):
            data = f"t{t}-{n}".encode() * 8
            futs.append((data, integ.submit("crash", PendingEntry(data))))
            n += 1
        for data, f in futs:
            r = f.result()
            with lock:
                out.write(f"{r.index} {data.decode()}\n")
                out.flush()

for t in range(3):
    threading.Thread(target=work, args=(t,), daemon=True).start()
threading.Event().wait()
"""


def test_sigkill_mid_batch_loses_no_acknowledged_entry(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    key_dir = tmp_path / "keys"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, db_url, str(key_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    acked: dict[int, str] = {}
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    try:
        while len(acked) < 3000 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            idx, data = line.split()
            acked[int(idx)] = data
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.stderr is not None
        err = proc.stderr.read()
    assert proc.returncode == -signal.SIGKILL
    assert len(acked) >= 3000, err[-2000:]

    with Session(engine) as s:
        log = store.get_log(session=s, name="crash")
        size = store.self_check(session=s, log=log)  # the tree verifies after the crash
        assert size >= len(acked)
        for i, text in acked.items():
            assert store.get_entry(session=s, log=log, index=i) == text.encode()

    # Restart: a new integrator carries on from what the crash left.
    integ = Integrator(engine, keys=LogKeys(key_dir), batch_size=100, batch_ms=0)
    (b,) = integ.append("crash", [PendingEntry(b"after restart")])
    assert b.first == size
    with Session(engine) as s:
        assert store.self_check(session=s, log=store.get_log(session=s, name="crash")) == size + 1
