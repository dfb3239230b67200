"""Use cases of the market-conduct analytics: storing batches into the datasets
(``ingest``) and running detectors and reading their findings (``runs``)."""

READ = "market.read"
WRITE = "market.write"
RUN = "market.run"
ACT = "market.act"
