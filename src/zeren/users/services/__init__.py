"""Use cases of the minors' register: flagged accounts and their sessions and payments."""
