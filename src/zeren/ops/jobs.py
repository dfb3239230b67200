"""The scheduled backup (``ops.backup``, daily at 02:30 Beijing time): a backup into
``ZEREN_BACKUP_DIR``, keys encrypted with the passphrase in ``ZEREN_BACKUP_PASSPHRASE_FILE``,
then all but the newest ``ZEREN_BACKUP_KEEP`` backups there are deleted. Without a backup
folder the job records that it did nothing, so a missing set-up shows in ``zeren jobs list``."""

from __future__ import annotations

from datetime import time
from typing import Any

from zeren.hookspecs import hookimpl
from zeren.jobs.domain import DailyAt, Job, JobContext
from zeren.ops.backup import backup_file_name, create_backup, prune, read_passphrase_file


def scheduled_backup(ctx: JobContext) -> dict[str, Any]:
    s = ctx.settings  # the runner's settings, never the process-wide ones
    if s.backup_dir is None:
        return {"skipped": "no backup folder (ZEREN_BACKUP_DIR)"}
    if s.backup_passphrase_file is None:
        raise RuntimeError("ZEREN_BACKUP_DIR is set but ZEREN_BACKUP_PASSPHRASE_FILE is not")
    rep = create_backup(engine=ctx.engine, url=s.database_url, data_dir=s.data_dir,
                        out=s.backup_dir / backup_file_name(ctx.now),
                        passphrase=read_passphrase_file(s.backup_passphrase_file), now=ctx.now)
    gone = prune(s.backup_dir, s.backup_keep)
    return {"file": rep.path.name, "bytes": rep.bytes, "logs": len(rep.logs),
            "deleted": [p.name for p in gone]}


@hookimpl
def zeren_jobs() -> list[Job]:
    return [Job(name="ops.backup", title_zh="定时备份（含账本密钥加密）",
                title_en="Scheduled backup (ledger keys encrypted), with retention",
                schedule=DailyAt(time(2, 30)), run=scheduled_backup, own_transactions=True)]
