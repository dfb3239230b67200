"""The guideline as data: every article and item, scope, the tier test of 附则(4) and the
grounds for exemption under Art 35."""
