"""The dashboard: waiting work at a glance, polled by the browser."""
