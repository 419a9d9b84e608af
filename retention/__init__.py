"""Retention: personal data kept no longer than needed (issue 22). The purge anonymises closed cases after
`FLUXX_RETENTION_DAYS`, bill data after the commercial and tax retention period, and deletes old login
failures and sessions, while every figure the statistics count stays as it was. A floor of its own above
reporting (DESIGN.md: retention → reporting → billing)."""
