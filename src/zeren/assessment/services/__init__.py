"""Use cases of the audit engagement, one module per seam: engagements (and who may work on
them), evidence bundles, findings with remediation, the signed audit report."""
