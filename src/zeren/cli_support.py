"""What every CLI command shares: the unit of work on ``ZEREN_DATABASE_URL``, the acting
operator, rich output, and turning an ``AppError`` into a message and a non-zero exit."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.orm import Session

from zeren.auth.policy import Actor, Grant
from zeren.config import get_settings
from zeren.db.session import engine_for, unit_of_work
from zeren.errors import AppError

console = Console()
# Errors are soft-wrapped: one message is one line whatever the terminal's width (the
# terminal may fold it for display), so scripts and tests can match it.
err_console = Console(stderr=True, soft_wrap=True)

P = ParamSpec("P")
R = TypeVar("R")


def cli_actor() -> Actor:
    """The operator at the terminal: has the database, so acts with full rights, named."""
    try:
        who = getpass.getuser()
    except Exception:
        who = "operator"
    return Actor(user_id=f"cli:{who}", username=f"cli:{who}", grants=(Grant("admin", None),),
                 via="cli")


@contextmanager
def db() -> Iterator[Session]:
    with unit_of_work(engine_for(get_settings().database_url)) as s:
        yield s


def fail(message: str, details: Any = None, code: int = 2) -> None:
    # User text and error codes in brackets must not be read as rich markup.
    err_console.print(f"[bold red]error:[/] {escape(message)}")
    if details:
        err_console.print(escape(json.dumps(details, ensure_ascii=False, default=str)))
    raise typer.Exit(code)


def handles_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Print an ``AppError`` like the API does and exit non-zero."""
    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except AppError as exc:
            fail(f"{exc.message} [{exc.code}]", exc.details)
            raise  # unreachable: fail raises
    return wrapper


def is_tty() -> bool:
    return sys.stdout.isatty()
