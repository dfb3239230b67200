"""Scheduled jobs: the daily posture evaluation, the lexicon's daily patrol, moderation's SLA
sweeps and anything else a plugin contributes through ``zeren_jobs``. One runner runs what is
due and keeps a record of every run."""
