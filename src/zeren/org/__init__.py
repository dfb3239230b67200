"""The organisation registry: departments, people, their duties and contacts (Art 4, Art 5)."""
