"""Django's PostgreSQL backend with a health check that needs no round trip and quicker
readers for JSON and times (base.py)."""
