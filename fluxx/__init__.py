"""The top floor of Fluxxfon: app factory and router assembly, the `fluxx` CLI, demo data, the wiring of the
domains, the migrations and the static files. Nothing imports it but itself (and the tests).
"""
