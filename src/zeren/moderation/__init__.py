"""Moderation, reports and complaints (指南 Art 11, 12, 13, 21, 22, 28, 29)."""
