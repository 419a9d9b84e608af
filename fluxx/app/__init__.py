"""The app layer on top: app factory and router assembly, the `fluxx` CLI, demo data, the model registry."""
