"""The ``zeren`` command: a thin layer over the same services as the API. Each domain adds
its own command group here."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.table import Table

from zeren.cli_support import cli_actor, console, db, fail, handles_errors
from zeren.config import Settings, get_settings
from zeren.db.migrate import upgrade
from zeren.db.session import engine_for
from zeren.loading import load_attr
from zeren.timepolicy import parse_instant

app = typer.Typer(help="Zeren 责任: carry and prove a platform's duties under the guideline.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
platform_app = typer.Typer(help="Platforms of the group, their figures and tier.",
                           no_args_is_help=True)
guideline_app = typer.Typer(help="Read the guideline as data.", no_args_is_help=True)
posture_app = typer.Typer(help="The compliance posture of a platform.", no_args_is_help=True)
user_app = typer.Typer(help="People who use Zeren.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
exemption_app = typer.Typer(help="Exemptions (变通) under Art 35.", no_args_is_help=True)
org_app = typer.Typer(help="The organisation registry (Art 4, Art 5).", no_args_is_help=True)
app.add_typer(platform_app, name="platform")
app.add_typer(guideline_app, name="guideline")
app.add_typer(posture_app, name="posture")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(exemption_app, name="exemption")
app.add_typer(org_app, name="org")
clock_app = typer.Typer(help="The test clock of a development or test deployment "
                        "(ZEREN_TEST_CLOCK_FILE; refused in production).", no_args_is_help=True)
app.add_typer(clock_app, name="clock")


@app.callback()
def _process_clock() -> None:
    # Every command reads the time as the server and the job runner do: the test clock of
    # the settings when one is set (development and test deployments only).
    from zeren import clock

    clock.use_test_clock(get_settings().test_clock_file)

# Command groups and commands that domain modules contribute: (module, attribute, name).
DOMAIN_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("zeren.jobs.cli", "app", "jobs"),
    ("zeren.ledger.cli", "app", "ledger"),
    ("zeren.lexicon.cli", "app", "lexicon"),
    ("zeren.moderation.cli", "app", "moderation"),
    ("zeren.datagov.cli", "app", "datagov"),
    ("zeren.security.cli", "app", "security"),
    ("zeren.market.cli", "app", "market"),
    ("zeren.assessment.cli", "app", "audit"),
    ("zeren.assessment.cli", "assessment_app", "assessment"),
    ("zeren.assessment.cli", "report_app", "report"),
    ("zeren.merchants.cli", "app", "merchant"),
    ("zeren.merchants.cli", "report_app", "report"),
    ("zeren.governance.cli", "app", "governance"),
    ("zeren.workers.cli", "app", "workers"),
    ("zeren.rules.cli", "app", "rules"),
    ("zeren.reviews.cli", "app", "reviews"),
    ("zeren.credit.cli", "app", "credit"),
)
DOMAIN_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("zeren.lexicon.cli", "screen_command", "screen"),
    ("zeren.ops.cli", "backup_command", "backup"),
    ("zeren.ops.cli", "restore_command", "restore"),
)


def _mount_domains() -> None:
    # Everything is loaded before anything is added: a bad name leaves the app untouched.
    found = [(name, load_attr(module_name, attr, registry="zeren.cli.DOMAIN_GROUPS"))
             for module_name, attr, name in DOMAIN_GROUPS + DOMAIN_COMMANDS]
    groups: dict[str, typer.Typer] = {}
    for name, obj in found:
        if isinstance(obj, typer.Typer):
            if name in groups:
                # Two domains contribute to one group (zeren report: assessment's
                # transparency report, merchants' tax report): one group, both commands.
                have = groups[name].registered_commands
                have.extend(c for c in obj.registered_commands if c not in have)
                continue
            groups[name] = obj
            app.add_typer(obj, name=name)
        else:
            app.command(name)(obj)


@app.command()
@handles_errors
def init() -> None:
    """Create or upgrade the database named by ZEREN_DATABASE_URL, and write this
    installation's secret key to the data folder (owner-only) unless ZEREN_SECRET_KEY is set."""
    s = get_settings()
    upgrade(s.database_url)
    console.print(f"[green]database ready[/] {s.database_url}")
    _secret_ready(s)


def _secret_ready(s: Settings) -> None:
    from zeren.auth.installation import ensure_secret_file

    if s.secret_key:
        console.print("secret key: taken from ZEREN_SECRET_KEY")
        return
    path, written = ensure_secret_file(s)
    console.print(f"[green]secret key written[/] {path}" if written
                  else f"secret key: kept {path}")


def _refuse_unsafe_secret(s: Settings) -> None:
    from zeren.auth.installation import InsecureSecret, console_secret

    try:
        console_secret(s)
    except InsecureSecret as exc:
        fail(f"refusing to serve: {exc}", {"field": "ZEREN_SECRET_KEY", "env": s.env})


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    jobs: Annotated[bool | None, typer.Option(
        "--jobs/--no-jobs", help="Run scheduled jobs in the server process (default: yes with "
        "one worker, no with more; then run `zeren jobs run --forever` apart).")] = None,
    workers: Annotated[int | None, typer.Option(
        help="API worker processes (default ZEREN_WORKERS, 1).", min=1)] = None,
) -> None:
    """Serve the API and the console (and, with one worker, run the scheduled jobs)."""
    from zeren.ops.logs import uvicorn_log_config

    n = workers or get_settings().workers
    if jobs and n > 1:
        fail("--jobs with several workers would start a job runner in each; run "
             "`zeren jobs run --forever` as its own process", {"field": "jobs"})
    os.environ["ZEREN_RUN_JOBS"] = "true" if (n == 1 if jobs is None else jobs) else "false"
    get_settings.cache_clear()
    s = get_settings()
    _refuse_unsafe_secret(s)
    if n > 1:
        _metrics_dir_for_workers()
    h, p = host or s.host, port or s.port
    console.print(f"Zeren console: [bold]http://{h}:{p}/[/]   API: http://{h}:{p}/api/v1/docs"
                  f"   workers: {n}{'' if s.run_jobs else '   jobs: not in this process'}")
    if n > 1:
        _spawn_light()
    # A worker imports the app before it answers the supervisor's first health check; on a
    # small, busy machine that can take longer than uvicorn's default 5 s.
    uvicorn.run("zeren.app:create_app", factory=True, host=h, port=p, workers=n,
                log_config=uvicorn_log_config(s), access_log=False,
                timeout_worker_healthcheck=60)


def _spawn_light() -> None:
    """Workers are started with multiprocessing's "spawn", which runs the parent's main script
    again in each child: for the `zeren` script that is every command group of the CLI, seconds
    of imports a worker never uses. Without a ``__file__`` on ``__main__`` the child imports
    only what it unpickles (uvicorn and, by name, ``zeren.app``)."""
    import __main__

    if getattr(__main__, "__spec__", None) is None and hasattr(__main__, "__file__"):
        del __main__.__file__


def _metrics_dir_for_workers() -> None:
    """Several workers count requests into files in one folder, so that a scrape of any worker
    adds up all of them (prometheus-client's multiprocess mode). A folder the operator set is
    emptied of the last run's files; otherwise a new one is made."""
    import tempfile

    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="zeren-metrics-")
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for old in Path(folder).glob("*.db"):
        old.unlink()


@app.command()
@handles_errors
def demo(reset: Annotated[bool, typer.Option(help="Start from an empty database.")] = False
         ) -> None:
    """Load the demo group (one super-large and one ordinary platform) and print the logins."""
    from zeren.demo import DEMO_USERS, load_demo, load_demo_records

    s = get_settings()
    url = s.database_url
    if reset:
        _reset_demo_database(url, s.data_dir)
    upgrade(url)
    _secret_ready(s)
    with db() as session:
        created = load_demo(session=session, data_dir=s.data_dir)
    if created:
        counts = load_demo_records(engine=engine_for(url), data_dir=s.data_dir)
        console.print(f"[green]demo group loaded[/] {counts}")
    else:
        console.print("demo group already present")
    t = Table(title="Demo logins (console)")
    for col in ("username", "password", "role"):
        t.add_column(col)
    for u in DEMO_USERS:
        t.add_row(u["username"], u["password"], u["role_label"])
    console.print(t)


def _reset_demo_database(url: str, data_dir: Path) -> None:
    """Start the demo afresh, but only over a database that holds nothing but the demo."""
    from sqlalchemy import inspect, select

    from zeren.demo import PLATFORMS
    from zeren.platforms.models import Platform

    if not url.startswith("sqlite:///"):
        fail("--reset only starts afresh an SQLite demo database; drop a PostgreSQL database "
             "yourself", {"field": "ZEREN_DATABASE_URL"})
    path = Path(url.removeprefix("sqlite:///"))
    if path.exists():
        engine = engine_for(url)
        if inspect(engine).has_table("platforms"):
            with engine.connect() as c:
                codes = set(c.scalars(select(Platform.code)))
            others = codes - {str(p["code"]) for p in PLATFORMS}
            if others:
                fail(f"{path} holds platforms that are not the demo's ({', '.join(sorted(others))}); "
                     "refusing to delete it", {"field": "ZEREN_DATABASE_URL"})
        engine.dispose()
        engine_for.cache_clear()
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    # A new history must not be signed with the old history's log keys (a split view).
    from zeren.ledger.keys import retire_keys

    moved = retire_keys(data_dir)
    if moved is not None:
        console.print(f"ledger keys of the old demo moved to {moved}")


# --- guideline ---------------------------------------------------------------------------
@guideline_app.command("show")
@handles_errors
def guideline_show(number: int, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show one article: text, items, scope, obligations and capabilities."""
    from zeren.guideline.domain import load_guideline

    g = load_guideline()
    art = g.article(number)
    if art is None:
        fail(f"no article {number}; the guideline has articles 1 to 35", {"field": "number"})
        return
    if as_json:
        from zeren.plugins import registered_modules

        st = g.capability_status(registered_modules())
        console.print_json(json.dumps(
            {**art.model_dump(mode="json"),
             "obligations": [o.model_dump(mode="json") for o in g.obligations_of(number)],
             "capability_status": {c: st[c] for c in art.capabilities}},
            ensure_ascii=False))
        return
    console.print(f"[bold]第{art.number}条【{art.title_zh}】[/] {art.title_en}  "
                  f"[dim]scope: {art.scope}[/]")
    console.print(art.text_zh)
    console.print(f"\n[italic]{art.summary_en}[/]")
    if art.items:
        t = Table("item", "text", "summary")
        for i in art.items:
            t.add_row(i.label, i.text_zh, i.summary_en)
        console.print(t)
    ob_table = Table("obligation", "item", "title", "from the text")
    for o in g.obligations_of(number):
        ob_table.add_row(o.key, str(o.item or ""), f"{o.title_zh} / {o.title_en}",
                         "……".join(o.source))
    console.print(ob_table)
    if art.capabilities:
        from zeren.plugins import registered_modules

        status = g.capability_status(registered_modules())
        ready = [c for c in art.capabilities if status[c] == "available"]
        planned = [c for c in art.capabilities if status[c] == "planned"]
        console.print("capabilities carrying it (available): " + (", ".join(ready) or "none"))
        if planned:
            console.print("[dim]planned, not built yet (do not carry it): "
                          + ", ".join(planned) + "[/]")


@guideline_app.command("list")
def guideline_list() -> None:
    """List the 35 articles with their scope."""
    from zeren.guideline.domain import load_guideline

    t = Table("art", "title", "title (en)", "scope", "items")
    for a in load_guideline().articles:
        t.add_row(str(a.number), a.title_zh, a.title_en, a.scope, str(len(a.items)))
    console.print(t)


# --- platforms ---------------------------------------------------------------------------
@platform_app.command("add")
@handles_errors
def platform_add(
    code: str, name: Annotated[str, typer.Option()], legal_entity: Annotated[str, typer.Option()],
    uscc: Annotated[str, typer.Option()], platform_type: Annotated[str, typer.Option()],
    address: str = "", contact_name: str = "", contact_phone: str = "", contact_email: str = "",
    main_business: str = "",
) -> None:
    """Register a platform of the group."""
    from zeren.platforms.service import create_platform

    with db() as s:
        p = create_platform(session=s, actor=cli_actor(), data=dict(
            code=code, name=name, legal_entity=legal_entity, uscc=uscc,
            platform_type=platform_type, address=address, contact_name=contact_name,
            contact_phone=contact_phone, contact_email=contact_email,
            main_business=main_business))
        console.print(f"[green]platform added[/] {p.code} {p.id}")


@platform_app.command("list")
def platform_list() -> None:
    """List the group's platforms with their tier."""
    from zeren.platforms import service

    with db() as s:
        t = Table("code", "name", "tier", "year", "articles", "id")
        for p in service.list_platforms(session=s, actor=cli_actor()):
            ta = service.current_tier(session=s, platform_id=p.id)
            arts = service.applicable(session=s, platform_id=p.id)
            t.add_row(p.code, p.name, ta.tier if ta else "ordinary (not assessed)",
                      str(ta.year) if ta else "—", f"{arts[0]}–{arts[-1]}", p.id)
        console.print(t)


def _print_tier(ta: object) -> None:
    from zeren.platforms.models import TierAssessment

    assert isinstance(ta, TierAssessment)
    t = Table(title=f"附则(4) tier test, {ta.year}: {ta.tier}")
    for col in ("criterion", "figure", "threshold", "result", "rationale"):
        t.add_column(col)
    for c in ta.criteria:
        fig = c["figure"]
        t.add_row(c["zh"], f"{fig:,}" if isinstance(fig, int) and not isinstance(fig, bool)
                  else str(fig), f"≥ {c['threshold']:,}" if c["threshold"] else "—",
                  "[green]met[/]" if c["met"] else "[red]not met[/]", c.get("rationale") or "")
    console.print(t)


@platform_app.command("figures")
@handles_errors
def platform_figures(
    platform: str, year: Annotated[int, typer.Option()],
    users: Annotated[int, typer.Option(help="Annual active users in China.")],
    market_value: Annotated[int, typer.Option(help="Market value or valuation, RMB.")],
    prominent: Annotated[bool, typer.Option("--prominent/--not-prominent")],
    prominent_rationale: Annotated[str, typer.Option()],
    reach: Annotated[bool, typer.Option("--reach/--no-reach",
                                        help="Strong ability to restrict merchants' reach.")],
    reach_rationale: Annotated[str, typer.Option()],
) -> None:
    """Record a year's figures and run the tier test."""
    from zeren.platforms.service import get_platform, record_figures

    with db() as s:
        p = get_platform(session=s, platform_ref=platform)
        _fig, ta = record_figures(session=s, actor=cli_actor(), platform=p, data=dict(
            year=year, annual_active_users=users, market_value_rmb=market_value,
            prominent_main_business=prominent, prominent_main_business_rationale=prominent_rationale,
            strong_reach_restriction=reach, strong_reach_restriction_rationale=reach_rationale))
        _print_tier(ta)


@platform_app.command("classify")
@handles_errors
def platform_classify(platform: str, year: Annotated[int | None, typer.Option()] = None) -> None:
    """Re-run the tier test on the newest figures and show it criterion by criterion."""
    from zeren.platforms.service import classify_platform, get_platform

    with db() as s:
        p = get_platform(session=s, platform_ref=platform)
        _print_tier(classify_platform(session=s, actor=cli_actor(), platform=p, year=year))


# --- posture -----------------------------------------------------------------------------
@posture_app.command("show")
@handles_errors
def posture_show(platform: str, as_json: Annotated[bool, typer.Option("--json")] = False,
                 keep: Annotated[bool, typer.Option(help="Store the evaluation as evidence.")]
                 = False) -> None:
    """Evaluate and show the posture, one row per article."""
    from zeren.platforms.service import get_platform
    from zeren.posture import service
    from zeren.posture.domain import Status

    with db() as s:
        p = get_platform(session=s, platform_ref=platform)
        ev = service.evaluate(session=s, actor=cli_actor(), platform=p, store=keep)
        if as_json:
            console.print_json(json.dumps({"platform": p.code, "tier": ev.tier,
                                           "counts": ev.counts(),
                                           "obligation_counts": ev.obligation_counts(),
                                           "articles": [service.tile_dict(t) for t in ev.tiles]},
                                          ensure_ascii=False, default=str))
            return
        colour = {"met": "green", "at_risk": "yellow", "unmet": "red", "exempted": "magenta",
                  "not_assessed": "cyan", "not_applicable": "dim"}
        t = Table(title=f"{p.name} · {ev.tier} · {ev.evaluated_at:%Y-%m-%d %H:%M} UTC")
        for col in ("art", "title", "status", "reason"):
            t.add_column(col)
        if not ev.tier_known:
            console.print("[yellow]tier unknown: Art 1–9 and 35 are not assessed until the "
                          "platform's figures are recorded and its tier test run[/]")
        for tile in ev.tiles:
            st = tile.status.value
            reason = "; ".join(f"{o.obligation.key} {o.kind}: {o.reason}"
                               for o in tile.obligations if o.status != Status.MET)
            met = [o for o in tile.obligations if o.status == Status.MET]
            if met:
                reason = (f"{len(met)}/{len(tile.obligations)} met; " + reason).rstrip("; ")
            t.add_row(str(tile.article), tile.title_zh, f"[{colour[st]}]{st}[/]", reason)
        console.print(t)
        console.print({"articles": ev.counts(), "obligations": ev.obligation_counts()})


@posture_app.command("evaluate")
@handles_errors
def posture_evaluate(platform: str) -> None:
    """Evaluate and keep every result as an evidence snapshot (for a daily schedule)."""
    from zeren.platforms.service import get_platform
    from zeren.posture import service

    with db() as s:
        p = get_platform(session=s, platform_ref=platform)
        ev = service.evaluate(session=s, actor=cli_actor(), platform=p)
        console.print(f"evaluation {ev.id}: {ev.counts()}")


@posture_app.command("verify-evidence")
@handles_errors
def posture_verify_evidence(
    platform: str,
    evaluation: Annotated[str | None, typer.Option(help="One evaluation id (default: the "
                                                   "newest ones).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """Check stored evaluations against the digests the ledger holds (log ``evidence``):
    exit 1 if a snapshot changed or a logged evaluation is missing."""
    from zeren.platforms.service import get_platform
    from zeren.posture import service

    with db() as s:
        p = get_platform(session=s, platform_ref=platform)
        got = service.verify_evidence(session=s, actor=cli_actor(), platform_id=p.id,
                                      evaluation_id=evaluation, limit=limit)
    t = Table("evaluation", "evaluated at (UTC)", "snapshots", "outcome", "ledger entry",
              "changed")
    colour = {"verified": "green", "pending": "yellow", "changed": "red", "missing": "red"}
    for c in got:
        t.add_row(c.evaluation_id, f"{c.evaluated_at:%Y-%m-%d %H:%M:%S}", str(c.snapshots),
                  f"[{colour[c.outcome]}]{c.outcome}[/]",
                  f"{c.log}#{c.index}" if c.log else "", ", ".join(c.changed[:5]))
    console.print(t)
    if any(c.outcome in ("changed", "missing") for c in got):
        raise typer.Exit(1)


@app.command()
@handles_errors
def attest(
    platform: str,
    obligation: Annotated[str, typer.Option(help="Obligation key, e.g. art14.change_procedure")],
    statement: Annotated[str, typer.Option()],
    valid_until: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    evidence: Annotated[list[Path] | None, typer.Option(help="Evidence file (repeatable).")] = None,
) -> None:
    """Record a dated attestation with evidence files (each kept with its SHA-256)."""
    from zeren.platforms.service import get_platform
    from zeren.posture import service
    from zeren.timepolicy import parse_instant

    files = []
    for f in evidence or []:
        if not f.is_file():
            fail(f"evidence file {f} does not exist", {"field": "evidence"})
        files.append((f.name, f.read_bytes(), "application/octet-stream"))
    with db() as s:
        p = get_platform(session=s, platform_ref=platform)
        att = service.attest(session=s, actor=cli_actor(), platform=p, obligation_key=obligation,
                             statement=statement, valid_from=None,
                             valid_until=parse_instant(valid_until, "valid_until", bare_date="end"),
                             files=files,
                             data_dir=get_settings().data_dir)
        console.print(f"[green]attestation recorded[/] {att.id} until {att.valid_until:%Y-%m-%d}")


# --- users and tokens --------------------------------------------------------------------
@user_app.command("add")
@handles_errors
def user_add(
    username: str,
    role: Annotated[list[str], typer.Option(help="ROLE or ROLE@PLATFORM (repeatable).")],
    display_name: str = "",
    password: Annotated[str | None, typer.Option(help="Console password (omit for API-only).")]
    = None,
) -> None:
    """Add a user with roles, group-wide or scoped to platforms."""
    from zeren.auth.service import create_user
    from zeren.platforms.service import get_platform

    with db() as s:
        roles: list[tuple[str, str | None]] = []
        for r in role:
            name, _, plat = r.partition("@")
            roles.append((name, get_platform(session=s, platform_ref=plat).id if plat else None))
        u = create_user(session=s, actor=cli_actor(), username=username,
                        display_name=display_name, password=password, roles=roles)
        console.print(f"[green]user added[/] {u.username} {u.id}")


@user_app.command("password")
@handles_errors
def user_password(username: str, password: Annotated[str, typer.Option(
        prompt=True, hide_input=True, confirmation_prompt=True,
        help="The new console password (asked for when not given).")]) -> None:
    """Set a user's console password; every console session of the user ends."""
    from zeren.auth.service import set_password

    with db() as s:
        n = set_password(session=s, actor=cli_actor(), username=username, password=password)
        console.print(f"[green]password set[/] {username}; sessions ended: {n}")


@user_app.command("roles")
@handles_errors
def user_roles(
    username: str,
    role: Annotated[list[str], typer.Option(help="ROLE or ROLE@PLATFORM (repeatable).")],
) -> None:
    """Replace a user's roles; every console session of the user ends."""
    from zeren.auth.service import set_roles
    from zeren.platforms.service import get_platform

    with db() as s:
        roles: list[tuple[str, str | None]] = []
        for r in role:
            name, _, plat = r.partition("@")
            roles.append((name, get_platform(session=s, platform_ref=plat).id if plat else None))
        n = set_roles(session=s, actor=cli_actor(), username=username, roles=roles)
        console.print(f"[green]roles set[/] {username}; sessions ended: {n}")


@user_app.command("sessions")
@handles_errors
def user_sessions(username: str, all_: Annotated[bool, typer.Option(
        "--all", help="Ended sessions too.")] = False) -> None:
    """A user's console sessions, newest first."""
    from datetime import timedelta

    from zeren.auth.service import list_sessions, session_state
    from zeren.timepolicy import format_beijing

    with db() as s:
        idle = timedelta(minutes=get_settings().session_idle_minutes)
        rows = list_sessions(session=s, actor=cli_actor(), username=username, idle=idle,
                             include_ended=all_)
        t = Table(title=f"Console sessions of {username}")
        for col in ("id", "state", "signed in", "last seen", "ended", "client"):
            t.add_column(col)
        for r in rows:
            t.add_row(r.id, session_state(r, idle), format_beijing(r.created_at),
                      format_beijing(r.last_seen_at),
                      f"{format_beijing(r.ended_at)} ({r.end_reason})" if r.ended_at else "",
                      r.client)
        console.print(t)


@user_app.command("end-sessions")
@handles_errors
def user_end_sessions(username: str, session_id: Annotated[str | None, typer.Option(
        "--session", help="End only this session (default: all).")] = None) -> None:
    """End a user's console sessions (all, or one)."""
    from zeren.auth.service import end_session

    with db() as s:
        n = end_session(session=s, actor=cli_actor(), username=username, session_id=session_id)
        console.print(f"[green]sessions ended[/] {n}")


@token_app.command("create")
@handles_errors
def token_create(username: str, name: Annotated[str, typer.Option()] = "cli",
                 expires: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None) -> None:
    """Issue an API token; it is printed once and only its hash is kept."""
    from zeren.auth.service import create_token

    exp = parse_instant(expires, "--expires", bare_date="end") if expires else None
    with db() as s:
        _tok, secret = create_token(session=s, actor=cli_actor(), username=username, name=name,
                                    expires_at=exp)
        console.print(secret)


# --- exemptions --------------------------------------------------------------------------
@exemption_app.command("request")
@handles_errors
def exemption_request(platform: str, article: Annotated[int, typer.Option()],
                      ground: Annotated[str, typer.Option()],
                      justification: Annotated[str, typer.Option()],
                      ends_on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
                      item: Annotated[int | None, typer.Option()] = None) -> None:
    """Request an exemption on one of Art 35's grounds."""
    from zeren.exemptions.service import request_exemption
    from zeren.platforms.service import get_platform

    with db() as s:
        p = get_platform(session=s, platform_ref=platform)
        ex = request_exemption(session=s, actor=cli_actor(), platform=p, data=dict(
            article=article, item=item, ground=ground, justification=justification,
            ends_on=ends_on))
        console.print(f"[green]exemption requested[/] {ex.id}")


@exemption_app.command("decide")
@handles_errors
def exemption_decide(exemption_id: str, action: Annotated[str, typer.Option(
        help="approve | reject | withdraw")], note: str = "") -> None:
    """Approve, reject or withdraw an exemption."""
    from zeren.exemptions.service import decide_exemption

    with db() as s:
        ex = decide_exemption(session=s, actor=cli_actor(), exemption_id=exemption_id,
                              action=action, note=note)
        console.print(f"exemption {ex.id}: {ex.status}")


# --- org ---------------------------------------------------------------------------------
@org_app.command("show")
@handles_errors
def org_show(platform: str) -> None:
    """Departments, people and duties of a platform."""
    from zeren.org import service
    from zeren.platforms.service import get_platform

    with db() as s:
        p = get_platform(session=s, platform_ref=platform)
        t = Table("department", "kind", "mandate")
        for d in service.departments(session=s, platform_id=p.id):
            t.add_row(d.name, d.kind, d.mandate)
        console.print(t)
        t2 = Table("person", "title", "email", "phone", "id")
        for x in service.people(session=s, platform_id=p.id):
            t2.add_row(x.name, x.title, x.email, x.phone, x.id)
        console.print(t2)


_mount_domains()


def _test_clock_path() -> Path:
    path = get_settings().test_clock_file
    if path is None:
        fail("no test clock: set ZEREN_TEST_CLOCK_FILE (and ZEREN_ENV=development)",
             {"field": "ZEREN_TEST_CLOCK_FILE"})
    assert path is not None
    return path


def _show_clock(path: Path) -> None:
    from zeren import clock

    console.print(json.dumps({"now": clock.now().isoformat(), "offset_seconds":
                              clock.read_offset(path).total_seconds(), "file": str(path)}))


@clock_app.command("show")
@handles_errors
def clock_show() -> None:
    """Print the deployment's time and the test clock's offset."""
    _show_clock(_test_clock_path())


@clock_app.command("advance")
@handles_errors
def clock_advance(by: Annotated[str, typer.Argument(help="How far: 15d, 48h, 90m, 30s, 2w.")]
                  ) -> None:
    """Move the deployment's time forward (the server, job runner and CLI read it)."""
    from zeren import clock

    path = _test_clock_path()
    clock.write_offset(path, clock.read_offset(path) + clock.parse_duration(by, "by"))
    _show_clock(path)


@clock_app.command("set")
@handles_errors
def clock_set(at: Annotated[str, typer.Argument(help="The instant, e.g. 2026-12-20T09:00+08:00 "
                                                "(no zone: Beijing time).")]) -> None:
    """Set the deployment's time to an instant (it runs on from there)."""
    from datetime import UTC, datetime

    from zeren import clock

    path = _test_clock_path()
    clock.write_offset(path, parse_instant(at, "at") - datetime.now(UTC))
    _show_clock(path)


@clock_app.command("reset")
@handles_errors
def clock_reset() -> None:
    """Back to the system clock (offset 0)."""
    from datetime import timedelta

    from zeren import clock

    path = _test_clock_path()
    clock.write_offset(path, timedelta(0))
    _show_clock(path)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
