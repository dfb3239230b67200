"""Moderation's use cases, one module per seam. Each use case takes typed inputs, decides the
permission with ``actor.require(permission, platform_id)`` on the record's own platform,
writes, appends the audit event and never commits; routes, console pages, CLI commands and
jobs call them and nothing else writes.

Seams, lowest first (a module imports only those above it in this list):

- ``common``: small shared writes (case history, webhook and ledger outboxes, inboxes)
- ``subjects``: the subjects (accounts, merchants, items) a platform tells us about
- ``statements``: statements of reasons, notices, the content judged
- ``intake``: reports, complaints and authority orders in; receipts out; the public form
- ``screening``: pre-publication verdicts with the review lexicon
- ``cases``: cases, queues, claims, comments, escalation, bulk selection
- ``measures``: applying and ending measures, strikes and the ladder, the change feed
- ``decisions``: deciding a case (one or in bulk)
- ``appeals``, ``ip``, ``complaints``, ``authority``: the other flows
- ``delivery``: webhooks and the ledger, after commit
- ``clocks``: the tick that moves every deadline on
"""
