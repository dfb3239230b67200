"""Moderation's jobs run with the settings they are given (the app's), never the process-wide
ones: the ledger keys of the deliver job land in the app's data folder."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.conftest import World
from zeren.config import Settings
from zeren.db.session import unit_of_work
from zeren.jobs.service import all_jobs, run_job
from zeren.moderation.services import common


def test_the_deliver_job_keeps_ledger_keys_in_the_apps_data_folder(
        engine: Engine, world: World, settings: Settings) -> None:
    with unit_of_work(engine) as s:
        common.to_ledger(session=s, record_class="moderation.measures",
                         record={"platform_id": world.big_id, "i": 1}, subject=None)
    job = next(j for j in all_jobs() if j.name == "moderation.deliver")
    run = run_job(engine=engine, job=job, force=True, settings=settings)
    assert run is not None and run.status == "ok", run and run.error
    assert run.summary["ledger_records"] == 1
    keys = settings.data_dir / "ledger" / "keys"
    assert keys.is_dir() and any(keys.iterdir())
