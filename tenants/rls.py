"""PostgreSQL row-level security for tenant-owned tables: the second wall behind the ORM.

The policy compares each row's `tenant_id` with the transaction-local setting
`app.tenant_id`, which `tenants.db` keeps in step with the current tenant. The value
`*` opens every row and is set only inside `platform_scope()`; an unset or empty value
shows no rows at all. FORCE makes the policy apply to the table owner as well; only
superusers and BYPASSRLS roles are exempt, which is why the application runs as a
dedicated role (platform/postgres.md).
"""

from __future__ import annotations

from django.db import migrations

POLICY_NAME = "tenant_isolation"
SETTING = "app.tenant_id"

_VISIBLE = (
    f"(current_setting('{SETTING}', true) = '*' OR tenant_id = "
    f"NULLIF(NULLIF(current_setting('{SETTING}', true), ''), '*')::bigint)"
)


def enable_sql(table: str) -> list[str]:
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS {POLICY_NAME} ON "{table}"',
        f'CREATE POLICY {POLICY_NAME} ON "{table}" USING {_VISIBLE} WITH CHECK {_VISIBLE}',
    ]


def disable_sql(table: str) -> list[str]:
    return [
        f'DROP POLICY IF EXISTS {POLICY_NAME} ON "{table}"',
        f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY',
    ]


class EnableRowLevelSecurity(migrations.operations.base.Operation):
    """Migration operation: turn on the tenant policy for one model's table."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str):
        self.model_name = model_name

    def state_forwards(self, app_label, state):
        pass

    def _table(self, app_label, state) -> str:
        return state.apps.get_model(app_label, self.model_name)._meta.db_table

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for statement in enable_sql(self._table(app_label, to_state)):
            schema_editor.execute(statement)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for statement in disable_sql(self._table(app_label, from_state)):
            schema_editor.execute(statement)

    def describe(self):
        return f"Enable row-level security on {self.model_name}"

    def deconstruct(self):
        return (self.__class__.__qualname__, [], {"model_name": self.model_name})

    @property
    def migration_name_fragment(self):
        return f"rls_{self.model_name.lower()}"


def enable_through_parent_sql(table: str, fk_column: str, parent_table: str) -> list[str]:
    """RLS for a table without its own tenant column (a join or grant table): a row is
    visible when the row it points to is, so the parent's tenant policy decides."""
    # Identifiers come from migration code, never from input.
    check = f'(EXISTS (SELECT 1 FROM "{parent_table}" p WHERE p.id = "{table}"."{fk_column}"))'  # noqa: S608
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS {POLICY_NAME} ON "{table}"',
        f'CREATE POLICY {POLICY_NAME} ON "{table}" USING {check} WITH CHECK {check}',
    ]


# The name the migrations use for their SQL.
RunPostgresSQL = migrations.RunSQL
