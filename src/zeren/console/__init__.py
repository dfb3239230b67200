"""The console: server-rendered pages (Jinja2 + htmx, every asset served locally) for
compliance officers, moderators, auditors and regulators; zh-CN first, English second."""
