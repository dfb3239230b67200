"""Use cases of network security, one module per seam: systems, plans and drills
(``systems``); incidents, their clocks and escalation (``incidents``); reports to the
authority (``reports``); personal-data breaches and their notices (``breaches``)."""
