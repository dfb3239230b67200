"""Zeren (责任): the system an internet platform runs to carry its duties under the
互联网平台落实主体责任指南 and to prove them to auditors and regulators."""

__version__ = "0.1.0"
