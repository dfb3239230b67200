"""Latency of ``POST /api/v1/screen`` with one 2 KB document, against a real uvicorn server on
loopback (a fresh SQLite database under bench/out/, the default lexicon stored in it)."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.lexicon.corpus import OUT, build

REQUESTS = 2000
WARMUP = 100


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _prepare(db: Path) -> str:
    from zeren.auth.policy import SYSTEM
    from zeren.auth.service import create_token, create_user
    from zeren.db.migrate import upgrade
    from zeren.db.session import make_engine, unit_of_work
    from zeren.lexicon import service

    if db.exists():
        db.unlink()
    url = f"sqlite:///{db}"
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        service.seed_default(session=s, actor=SYSTEM)
        create_user(session=s, actor=SYSTEM, username="bench", display_name="bench",
                    password=None, roles=[("moderator", None)])
        token: str = create_token(session=s, actor=SYSTEM, username="bench", name="bench",
                                  expires_at=None)[1]
    engine.dispose()
    return token


def measure() -> str:
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "api-bench.db"
    token = _prepare(db)
    doc = build().docs[1]  # a document with no planted hit: the common case
    while len(doc.encode("utf-8")) < 2048:
        doc += doc
    doc = doc.encode("utf-8")[:2048].decode("utf-8", "ignore")
    port = _free_port()
    env = {**os.environ, "ZEREN_DATABASE_URL": f"sqlite:///{db}"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "zeren.app:create_app", "--factory", "--host",
         "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                          timeout=10) as c:
            for _ in range(200):
                try:
                    if c.get("/api/v1/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
            body = {"text": doc, "lexicon": "default"}
            r = c.post("/api/v1/screen", json=body)
            r.raise_for_status()
            for _ in range(WARMUP):
                c.post("/api/v1/screen", json=body)
            lat = []
            for _ in range(REQUESTS):
                t = time.perf_counter()
                r = c.post("/api/v1/screen", json=body)
                lat.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    return f"POST /api/v1/screen failed: {r.status_code} {r.text[:200]}"
        lat.sort()
        p50 = statistics.median(lat)
        p99 = lat[int(len(lat) * 0.99) - 1]
        return (f"POST /api/v1/screen, one {len(doc.encode('utf-8'))}-byte document, "
                f"{REQUESTS} sequential requests on loopback (uvicorn, SQLite, keep-alive): "
                f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {lat[-1]:.2f} ms")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
