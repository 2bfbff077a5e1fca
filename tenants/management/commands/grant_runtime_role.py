from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql


class Command(BaseCommand):
    help = (
        "Create the application's runtime role if missing and grant it data "
        "access (not ownership, not BYPASSRLS) on every table, so row-level security applies."
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", default=settings.DATABASE_RUNTIME_ROLE)
        parser.add_argument("--password", help="Set a password and allow the role to log in")

    def handle(self, *args, role, password=None, **options):
        grant_runtime_role(role, password)
        self.stdout.write(self.style.SUCCESS(f"Role {role} can use the tables; RLS applies to it."))


def grant_runtime_role(role: str, password: str | None = None) -> None:
    ident = sql.Identifier(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
        row = cursor.fetchone()
        if row is None:
            cursor.execute(sql.SQL("CREATE ROLE {} NOSUPERUSER NOBYPASSRLS").format(ident))
        elif row[0] or row[1]:
            raise CommandError(f"role {role} is a superuser or bypasses RLS; use another role")
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s",
            [role],
        )
        if cursor.fetchone()[0]:
            raise CommandError(
                f"role {role} owns tables; the runtime role must not be the owner "
                "(run migrations as the owner role, the app as this one)"
            )
        if password:
            cursor.execute(
                sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(ident, sql.Literal(password))
            )
        database = sql.Identifier(connection.settings_dict["NAME"])
        for statement in (
            "GRANT CONNECT ON DATABASE {db} TO {role}",
            "GRANT USAGE ON SCHEMA public TO {role}",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
        ):
            cursor.execute(sql.SQL(statement).format(db=database, role=ident))
        from audit.models import RUNTIME_PRIVILEGES as AUDIT_PRIVILEGES
        from tenants.models import RUNTIME_PRIVILEGES as TENANT_PRIVILEGES

        # The audit tables: only what the append path needs; the data versions: read and
        # delete (revoking a table privilege revokes its column privileges too, so this
        # is idempotent).
        for table, privileges in {**AUDIT_PRIVILEGES, **TENANT_PRIVILEGES}.items():
            name = sql.Identifier(table)
            cursor.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(name, ident))
            for privilege, columns in privileges:
                what = sql.SQL(privilege)
                if columns is not None:
                    listed = sql.SQL(", ").join(map(sql.Identifier, columns))
                    what = sql.SQL("{} ({})").format(what, listed)
                cursor.execute(sql.SQL("GRANT {} ON {} TO {}").format(what, name, ident))
