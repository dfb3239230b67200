"""Pure rules of credit evaluation: the formula's parameters (``data/credit.toml``: default and
range of each; the values in force come from the published credit rule), and the score of one
merchant as a list of components — base, rating, volume, sanctions, orders, refunds and,
where the score is held within its bounds, the bound — that sum to the score exactly (each rounded to 0.01
before summing)."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any


class OutOfFormula(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Param:
    name: str
    default: float
    low: float
    high: float
    means: str


@dataclass(frozen=True)
class CreditData:
    source: str
    params: Mapping[str, Param]


def parse_data(raw: Mapping[str, Any]) -> CreditData:
    src = raw.get("source")
    if not isinstance(src, str) or not src:
        raise ValueError("credit.toml: source is required")
    params = {}
    for name, p in raw.get("parameters", {}).items():
        lo, hi, dv = float(p["min"]), float(p["max"]), float(p["default"])
        if not lo <= dv <= hi:
            raise ValueError(f"credit.toml: {name}.default outside its range")
        params[name] = Param(name, dv, lo, hi, str(p.get("means", "")))
    if not params:
        raise ValueError("credit.toml: no parameters")
    return CreditData(src, params)


@lru_cache(maxsize=1)
def credit_data() -> CreditData:
    text = resources.files("zeren.credit").joinpath("data/credit.toml").read_text("utf-8")
    return parse_data(tomllib.loads(text))


def parameters(published: Mapping[str, float], data: CreditData | None = None
               ) -> dict[str, float]:
    """The formula's parameters: the published ones over the defaults, each in its range."""
    data = data or credit_data()
    out = {n: p.default for n, p in data.params.items()}
    for name, v in published.items():
        p = data.params.get(name)
        if p is None:
            raise OutOfFormula(f"the credit formula has no parameter {name!r}",
                               f"parameters.{name}")
        if not p.low <= float(v) <= p.high:
            raise OutOfFormula(f"{name} must lie between {p.low} and {p.high}",
                               f"parameters.{name}")
        out[name] = float(v)
    if out["floor"] > out["ceiling"]:
        raise OutOfFormula("floor is above ceiling", "parameters.floor")
    return out


@dataclass(frozen=True)
class Inputs:
    reviews: int
    rating_sum: int
    sanctions: int
    orders: int = 0           # completed orders (the ledger's order index)
    paid_cents: int = 0       # what they were paid, in fen
    refunded_cents: int = 0   # refunded on them (refunds are their own records), in fen


def _r(x: float) -> float:
    return round(x + 0.0, 2)


def score(inputs: Inputs, p: Mapping[str, float]) -> tuple[float, list[dict[str, Any]]]:
    """A merchant's score and its components (name, points, what it counts); the points sum
    to the score."""
    comps: list[dict[str, Any]] = [{"name": "base", "points": _r(p["base"]), "input": None}]
    if inputs.reviews:
        avg = inputs.rating_sum / inputs.reviews
        comps.append({"name": "rating", "points": _r(p["rating_weight"] * (avg - 3)),
                      "input": {"average": round(avg, 4), "reviews": inputs.reviews}})
    else:
        comps.append({"name": "rating", "points": 0.0, "input": {"reviews": 0}})
    vol = min(p["volume_cap"], p["volume_weight"] * math.log10(1 + inputs.reviews))
    comps.append({"name": "volume", "points": _r(vol), "input": {"reviews": inputs.reviews}})
    comps.append({"name": "sanctions", "points": _r(-p["sanction_penalty"] * inputs.sanctions),
                  "input": {"measures_in_effect": inputs.sanctions}})
    orders = min(p["orders_cap"], p["orders_weight"] * math.log10(1 + inputs.orders))
    comps.append({"name": "orders", "points": _r(orders), "input": {"orders": inputs.orders}})
    rate = min(1.0, inputs.refunded_cents / inputs.paid_cents) if inputs.paid_cents else 0.0
    comps.append({"name": "refunds", "points": _r(-p["refund_penalty"] * rate),
                  "input": {"refund_rate": round(rate, 4), "paid_cents": inputs.paid_cents,
                            "refunded_cents": inputs.refunded_cents}})
    raw = _r(sum(c["points"] for c in comps))
    bounded = min(max(raw, p["floor"]), p["ceiling"])
    if bounded != raw:
        comps.append({"name": "bound", "points": _r(bounded - raw),
                      "input": {"floor": p["floor"], "ceiling": p["ceiling"]}})
    return _r(sum(c["points"] for c in comps)), comps
