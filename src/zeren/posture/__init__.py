"""Compliance posture: per article, whether a platform complies now, from its own data where
data can show it and from dated attestations where it cannot."""
