"""Pure rules of the market-conduct analytics: the datasets a platform feeds (their columns,
types, keys and the column that dates a row) and the detectors with their parameters, both
read from data (``data/datasets.toml``, ``data/detectors.toml``) and validated when loaded;
what a finding is, its fingerprint and its evidence digest. No I/O beyond reading the
package's own data, no database, no engine."""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib.resources import files
from typing import Any

COLUMN_TYPES = ("string", "int", "float", "bool", "timestamp")
# Beijing has kept UTC+8 without daylight saving since 1991: a fixed offset is exact.
BEIJING_OFFSET = timedelta(hours=8)
DAY_COLUMN = "day"


class SpecError(ValueError):
    """The data files of this package are wrong (a bug in the package, not user input)."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    optional: bool = False
    min: float | None = None
    default: str | None = None


@dataclass(frozen=True)
class Dataset:
    """A dataset the platform feeds, kept as Parquet partitioned by the Beijing day of
    ``time``."""

    name: str
    zh: str
    en: str
    serves: str
    time: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.optional)


@dataclass(frozen=True)
class Param:
    value: float
    source: str


@dataclass(frozen=True)
class Detector:
    """A detector: what it looks for, the article it serves and its parameters, each with
    its source."""

    name: str
    zh: str
    en: str
    article: int
    source: str
    datasets: tuple[str, ...]
    action: str
    params: dict[str, Param] = field(default_factory=dict)

    def p(self, name: str) -> float:
        return self.params[name].value


ACTIONS = ("moderation_case", "compliance_task", "price_fraud_record")


@dataclass(frozen=True)
class Catalogue:
    version: str
    datasets: dict[str, Dataset]
    detectors: dict[str, Detector]
    actions: dict[str, Param] = field(default_factory=dict)
    posture: dict[str, Param] = field(default_factory=dict)


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads(files("zeren.market").joinpath(f"data/{name}").read_text("utf-8"))


def _dataset(name: str, raw: dict[str, Any]) -> Dataset:
    cols = []
    for c in raw["columns"]:
        if c["type"] not in COLUMN_TYPES:
            raise SpecError(f"dataset {name}: column {c['name']} has unknown type {c['type']}")
        cols.append(Column(c["name"], c["type"], bool(c.get("optional", False)), c.get("min"),
                           c.get("default")))
    ds = Dataset(name, raw["zh"], raw["en"], raw.get("serves", ""), raw["time"],
                 tuple(raw["key"]), tuple(cols))
    if len(set(ds.names)) != len(ds.names) or DAY_COLUMN in ds.names:
        raise SpecError(f"dataset {name}: repeated column or the reserved column {DAY_COLUMN}")
    if ds.column(ds.time).type != "timestamp" or ds.column(ds.time).optional:
        raise SpecError(f"dataset {name}: time column {ds.time} must be a required timestamp")
    for k in ds.key:
        if ds.column(k).optional and ds.column(k).default is None:
            raise SpecError(f"dataset {name}: key column {k} may not be optional")
    return ds


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The datasets and detectors, validated."""
    ds_raw = _read("datasets.toml")["datasets"]
    datasets = {n: _dataset(n, r) for n, r in ds_raw.items()}
    det_raw = _read("detectors.toml")
    detectors: dict[str, Detector] = {}
    for n, r in det_raw["detectors"].items():
        params = {k: Param(float(v["value"]), str(v["source"]))
                  for k, v in r.get("params", {}).items()}
        if any(not p.source for p in params.values()):
            raise SpecError(f"detector {n}: every parameter names its source")
        unknown = [d for d in r["datasets"] if d not in datasets]
        if unknown:
            raise SpecError(f"detector {n}: unknown datasets {unknown}")
        if r["action"] not in ACTIONS:
            raise SpecError(f"detector {n}: action {r['action']} is not one of {ACTIONS}")
        detectors[n] = Detector(n, r["zh"], r["en"], int(r["article"]), r["source"],
                                tuple(r["datasets"]), r["action"], params)
    actions = {k: Param(float(v["value"]), str(v["source"]))
               for k, v in det_raw.get("actions", {}).items()}
    posture = {k: Param(float(v["value"]), str(v["source"]))
               for k, v in det_raw.get("posture", {}).items()}
    return Catalogue(str(det_raw["version"]), datasets, detectors, actions, posture)


def beijing_day(t: datetime) -> date:
    """The Beijing calendar day of an aware instant."""
    if t.tzinfo is None:
        raise ValueError("an instant without a time zone has no Beijing day")
    return (t.astimezone(UTC) + BEIJING_OFFSET).date()

# ----------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    """What a detector found about one subject (an item's promotion, a ring, a scheme): a
    score in [0, 1], an explanation in both languages, and the rows that show it."""

    detector: str
    subject_type: str
    subject_id: str
    merchant_id: str | None
    score: float
    explanation_zh: str
    explanation_en: str
    facts: dict[str, Any]
    evidence: list[dict[str, Any]]

    @property
    def fingerprint(self) -> str:
        """Stable across runs: the same subject found again is the same finding."""
        return hashlib.sha256(
            f"{self.detector}\x1f{self.subject_type}\x1f{self.subject_id}".encode()).hexdigest()

    @property
    def evidence_digest(self) -> str:
        return evidence_digest(self.evidence)


def _plain(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        return round(v, 6)
    return v


def plain_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON-safe values (instants in ISO 8601 with their offset)."""
    return {k: _plain(v) for k, v in row.items()}


def evidence_digest(rows: list[dict[str, Any]]) -> str:
    """SHA-256 of the evidence rows in canonical JSON (sorted keys, UTF-8): the value the
    ledger keeps, so the rows can be shown later to be the ones the finding was made on."""
    body = json.dumps([plain_row(r) for r in rows], sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def price_score(claimed: float, reference: float, full_at: float) -> float:
    """Score of a comparison price ``claimed`` against the reference price: the excess as a
    share of the reference, reaching 1.0 at ``full_at``; a reference of zero scores 1.0."""
    if claimed <= reference:
        return 0.0
    if reference <= 0:
        return 1.0
    return round(min(1.0, (claimed - reference) / reference / full_at), 4)
