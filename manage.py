#!/usr/bin/env python
import os
import sys

# Commands that read the code, never a secret: they run without the production secrets
# (a checkout, CI, a pre-commit hook), so a throwaway key stands in for SECRET_KEY (and,
# through the test-only prefix, for the SSO key derived from it).
OFFLINE_COMMANDS = {"makemigrations", "spectacular", "showmigrations", "sqlmigrate"}
# Of those, the ones that need no database at all: settings still need a URL, so one
# where nothing listens stands in when DATABASE_URL is unset (makemigrations only
# warns that it could not compare the migration history with a database).
CODE_ONLY_COMMANDS = {"makemigrations", "spectacular"}
CODE_ONLY_DATABASE_URL = "postgres://offline@127.0.0.1:9/digest_platform"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(sys.argv) > 1 and sys.argv[1] in OFFLINE_COMMANDS:
        os.environ.setdefault("SECRET_KEY", "test-only-offline-command-key-never-used-to-sign")
    if len(sys.argv) > 1 and sys.argv[1] in CODE_ONLY_COMMANDS:
        os.environ.setdefault("DATABASE_URL", CODE_ONLY_DATABASE_URL)
    from django.core.management import execute_from_command_line

    from config.env import settings_or_exit

    settings_or_exit("manage.py")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
