"""Development and CI tooling (tools/local.py); the application never imports it."""
