"""Admins read the audit log per case and per staff member (the writer is `core.audit`)."""
