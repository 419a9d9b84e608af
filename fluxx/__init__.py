"""App shell of Fluxxfon: settings, database, auth, app factory and CLI."""
