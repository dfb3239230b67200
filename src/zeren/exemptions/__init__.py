"""Exemptions (变通) under Art 35: requested on one of the article's three grounds, decided by
a compliance officer, shown as exempted and never as met; nothing is deleted."""
