"""Keep PostgreSQL's `app.tenant_id` setting in step with the current tenant.

An execute wrapper runs before every statement on a PostgreSQL connection. When the
setting this transaction carries differs from what the current scope needs, it is set
first with `set_config(..., is_local => true)`: transaction-local, so it cannot leak to
the next user of a pooled server connection. Requests run in one transaction
(ATOMIC_REQUESTS), so that is one extra round trip per request, not per query.

Outside a transaction (autocommit: migrations, shells) a local setting would vanish with
the statement, so there the setting is made for the session and re-checked before every
statement.
"""

from __future__ import annotations

from django.db.backends.signals import connection_created
from django.dispatch import receiver
from psycopg.pq import TransactionStatus

from config.jsonfields import use_for_json_values
from config.timestamps import use_fast_timestamptz
from tenants.context import database_scope_value
from tenants.rls import SETTING

_APPLIED = "_digest_platform_tenant_setting"


def _apply_tenant_setting(execute, sql, params, many, context):
    connection = context["connection"]
    raw = connection.connection
    status = raw.info.transaction_status
    if status == TransactionStatus.IDLE:
        # No transaction open: whatever a previous transaction set locally is gone.
        setattr(connection, _APPLIED, None)
    if status != TransactionStatus.INERROR:
        wanted = database_scope_value()
        if getattr(connection, _APPLIED, None) != wanted:
            local = not connection.get_autocommit()
            # Django's wrapper: a lost server becomes django.db.OperationalError and the
            # connection is marked unusable, so the next request connects afresh.
            with connection.wrap_database_errors, raw.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, %s, %s)", (SETTING, wanted, local))
            setattr(connection, _APPLIED, wanted if local else None)
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and sql.startswith("ROLLBACK TO SAVEPOINT"):
        # The savepoint may have held a set_config: no longer sure what the setting is.
        setattr(connection, _APPLIED, None)
    return result


@receiver(connection_created)
def install_tenant_setting(sender, connection, **kwargs):
    if connection.vendor != "postgresql":
        return
    use_for_json_values(connection.connection)
    use_fast_timestamptz(connection.connection)
    if _apply_tenant_setting not in connection.execute_wrappers:
        connection.execute_wrappers.append(_apply_tenant_setting)
