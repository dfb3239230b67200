"""The ``zeren`` command's entry point. ``zeren screen`` often runs in pipelines over large
files, so it starts without loading every domain's commands (about half of its start-up);
everything else goes to the full command tree in ``zeren.cli``."""

from __future__ import annotations

import sys


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "screen":
        from zeren.lexicon.cli_screen import screen_main

        screen_main(sys.argv[2:])
        return
    from zeren.cli import main as full

    full()
