"""Running Zeren in production: structured logs, Prometheus metrics, health endpoints,
backup and restore that keep the ledger's promises, the scheduled backup job
(docs/operations.md)."""
