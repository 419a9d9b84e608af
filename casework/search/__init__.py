"""The case list: search by number, phone or name, filters, keyset pagination."""
