"""Notifications to a platform's people: channels (e-mail through the SMTP server in the
settings, signed webhooks) and a record of every message sent. Domains call
``notify.service.notify`` from their jobs (incident escalation, review reminders)."""
