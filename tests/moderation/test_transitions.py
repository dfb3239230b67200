"""The IP and complaint state machines as read from data/transitions.toml: no path reaches an
end state without the states the law requires on the way, end states are final, every move
names its parties, and a machine that breaks the rules is refused when loaded."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zeren.moderation import domain as d

MACHINES = [d.IP_MACHINE, d.COMPLAINT_MACHINE]


def walks(m: d.Machine) -> st.SearchStrategy[list[str]]:
    """Paths from the initial state: at each step, one of the allowed next states (choice
    indexes drawn by hypothesis), stopping at an end state."""
    nexts = m.transitions()

    def build(choices: list[int]) -> list[str]:
        path = [m.initial]
        for c in choices:
            options = sorted(nexts[path[-1]])
            if not options:
                break
            path.append(options[c % len(options)])
        return path

    return st.lists(st.integers(0, 10), max_size=12).map(build)


@pytest.mark.parametrize("m", MACHINES, ids=lambda m: m.name)
@given(data=st.data())
def test_no_path_skips_a_required_state(m: d.Machine, data: st.DataObject) -> None:
    path = data.draw(walks(m))
    end = path[-1]
    if end in m.ends:
        missing = m.requires[end] - set(path)
        assert not missing, f"{' → '.join(path)} skips {sorted(missing)}"
    # every step of the walk is an edge with its parties and its source
    for a, b in pairwise(path):
        e = m.edge(a, b)
        assert e is not None and e.by and e.source


@pytest.mark.parametrize("m", MACHINES, ids=lambda m: m.name)
def test_every_state_is_reachable_and_ends_are_final(m: d.Machine) -> None:
    nexts = m.transitions()
    seen, todo = {m.initial}, [m.initial]
    while todo:
        for n in nexts[todo.pop()]:
            if n not in seen:
                seen.add(n)
                todo.append(n)
    assert seen == set(nexts)
    for end in m.ends:
        assert not nexts[end]


def test_who_may_move() -> None:
    ip, c = d.IP_MACHINE, d.COMPLAINT_MACHINE
    assert ip.may("measures_taken", "counter_noticed", d.Party.MERCHANT)
    assert not ip.may("measures_taken", "counter_noticed", d.Party.PLATFORM)
    assert ip.may("counter_noticed", "upheld", d.Party.RIGHTS_HOLDER)
    assert not ip.may("counter_noticed", "upheld", d.Party.PLATFORM)
    assert ip.parties("counter_noticed", "restored") == {d.Party.SYSTEM}
    assert not c.may("awaiting_merchant", "resolved_in_mediation", d.Party.MEDIATOR)
    assert c.may("awaiting_merchant", "mediation", d.Party.SYSTEM)
    assert not c.may("awaiting_merchant", "resolved_by_merchant", d.Party.MEDIATOR)


def _raw() -> dict[str, Any]:
    return d.data("transitions.toml")


def test_a_shortcut_edge_fails_the_law() -> None:
    """What the walk test would catch: an edge that lets the clock restore a listing before
    the merchant declared."""
    raw = _raw()
    raw["ip"]["edge"].append({"from": "measures_taken", "to": "restored", "by": ["system"],
                              "source": "test"})
    m = d.load_machine(raw, name="ip", states=d.IPStatus)
    bad = [m.initial, "measures_taken", "restored"]
    assert m.requires["restored"] - set(bad) == {"counter_noticed"}


@pytest.mark.parametrize("change, message", [
    (lambda r: r["ip"]["edge"].append({"from": "received", "to": "nowhere", "by": ["system"],
                                       "source": "x"}), "unknown state"),
    (lambda r: r["ip"]["edge"][0].update(by=[]), "parties and source"),
    (lambda r: r["ip"]["requires"].pop("restored"), "without requires"),
])
def test_bad_machines_are_refused(change: Any, message: str) -> None:
    raw = _raw()
    change(raw)
    with pytest.raises(ValueError, match=message):
        d.load_machine(raw, name="ip", states=d.IPStatus)


def test_unknown_party_is_refused() -> None:
    raw = _raw()
    raw["ip"]["edge"][0]["by"] = ["anyone"]
    with pytest.raises(ValueError):
        d.load_machine(raw, name="ip", states=d.IPStatus)
