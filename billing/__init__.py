"""Billing: tariff rates, bills and their lines; the floor between reporting (which reads bills) and the
volunteers (whose reported hours the bills are made of) and the families' cases they bill."""
