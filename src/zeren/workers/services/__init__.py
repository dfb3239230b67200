"""Use cases of the gig-worker register: workers (register), dispatch logs (logs) and the
working-time and pay assessment (assessment)."""
