"""People who use Zeren, their roles and platform scope, tokens, and the one place where
authorisation is decided."""
