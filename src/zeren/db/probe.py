"""``python -m zeren.db.probe URL``: exit 0 when the database at URL answers, 1 otherwise."""

from __future__ import annotations

import sys

from sqlalchemy import create_engine, text


def main(argv: list[str]) -> int:
    url = argv[1]
    try:
        eng = create_engine(url, connect_args={"connect_timeout": 5} if "postgres" in url else {})
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
    except Exception as exc:  # any failure to connect means the leg cannot run
        print(f"cannot reach {url}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
