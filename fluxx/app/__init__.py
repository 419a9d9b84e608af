"""The app layer on top: app factory and router assembly, the `fluxx` CLI, demo data, the model registry.

Importing it connects the layers that need it (`fluxx.app.wiring`).
"""

from fluxx.app import wiring  # noqa: F401
