"""Every article of the guideline has at least one posture check that reads data (issue 16):
the articles still without one are listed here with who owns them, and the list may only
shrink — an article that gains a check must leave it."""

from __future__ import annotations

from zeren.posture.plugins import all_checks

# Articles no registered check reads yet, and where their data is to come from.
KNOWN_GAPS = {
}


def test_every_article_has_a_data_check_but_the_known_gaps() -> None:
    covered = {c.article for c in all_checks()}
    missing = set(range(1, 36)) - covered
    assert missing <= set(KNOWN_GAPS), f"articles lost their checks: {missing - set(KNOWN_GAPS)}"
    assert not (set(KNOWN_GAPS) & covered), \
        f"now covered, take them off KNOWN_GAPS: {set(KNOWN_GAPS) & covered}"


def test_the_governance_articles_read_data() -> None:
    covered = {c.article for c in all_checks() if c.key.startswith("governance.")}
    assert {3, 5, 9, 16, 32, 34} <= covered
