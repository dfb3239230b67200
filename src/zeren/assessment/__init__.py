"""Independent audit (Art 8): engagements, evidence bundles, findings with remediation, the
signed audit report; later the risk register and yearly assessment (Art 6, 7)."""
