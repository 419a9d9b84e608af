"""The ground floor every other package stands on: settings, database and transactions, clock, phone numbers,
German formats, staff accounts and login, the audit writer, the worker runner and the web plumbing.

It imports no other package of Fluxxfon (see the import-linter contracts in pyproject.toml).
"""
