"""Reporting: what the statistics count (the rules and their SQL twins), above the domains it reads."""
