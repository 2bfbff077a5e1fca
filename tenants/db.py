"""Keep PostgreSQL's `app.tenant_id` setting in step with the current tenant.

An execute wrapper runs before every statement on a PostgreSQL connection. When the
setting this transaction carries differs from what the current scope needs, it is set
first with `set_config(..., is_local => true)`: transaction-local, so it cannot leak to
the next user of a pooled server connection. Requests run in one transaction
(ATOMIC_REQUESTS), so that is once per request, not per query. When the setting is the
transaction's first statement, it travels with the BEGIN in one round trip.

Outside a transaction (autocommit: migrations, shells) a local setting would vanish with
the statement, so there the setting is made for the session and re-checked before every
statement.
"""

from __future__ import annotations

import re

from django.db.backends.signals import connection_created
from django.dispatch import receiver
from psycopg.pq import TransactionStatus

from core.internals import begin_with
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
            with connection.wrap_database_errors:
                if not (local and status == TransactionStatus.IDLE and _begin_with(raw, wanted)):
                    with raw.cursor() as cursor:
                        cursor.execute("SELECT set_config(%s, %s, %s)", (SETTING, wanted, local))
            setattr(connection, _APPLIED, wanted if local else None)
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and sql.startswith("ROLLBACK TO SAVEPOINT"):
        # The savepoint may have held a set_config: no longer sure what the setting is.
        setattr(connection, _APPLIED, None)
    return result


# What database_scope_value() gives: a tenant id, '*' or ''. Only such a value is ever
# written into SQL text below.
_SCOPE_VALUE = re.compile(r"\*|[0-9]*")


def _begin_with(raw, wanted: str, also: str = ""):
    """Open the transaction with the setting made in the same round trip
    (core.internals.begin_with). False, having sent nothing, where that cannot be
    done. `also`: SQL text (no parameters) selected next to the setting; its value is
    returned (otherwise True)."""
    if not _SCOPE_VALUE.fullmatch(wanted):
        return False
    selected = f"SELECT set_config('{SETTING}', '{wanted}', true)" + (f", ({also})" if also else "")
    row = begin_with(raw, selected)
    if row is None:
        return False
    return row[1] if also else True


def security_generation(tenant_id: int) -> int | None:
    """The tenant's `security_generation` as this transaction reads it now (None for no
    such tenant), read in the current tenant scope (which must be `tenant_id`'s).

    Where the request's transaction has not started yet, as when an API key remembered
    by this process is checked (tenants.authentication.api_key_authenticate), the value travels
    with the BEGIN and the tenant setting the request sends anyway: no round trip of its
    own. Otherwise it is one more statement."""
    from django.db import connection

    tenant_id = int(tenant_id)
    read = f"SELECT security_generation FROM tenants_tenant WHERE id = {tenant_id}"  # noqa: S608
    if not connection.get_autocommit():
        raw = connection.connection
        wanted = database_scope_value()
        if wanted == str(tenant_id) and raw.info.transaction_status == TransactionStatus.IDLE:
            with connection.wrap_database_errors:
                found = _begin_with(raw, wanted, also=read)
            if found is not False:
                setattr(connection, _APPLIED, wanted)
                return None if found is None else int(found)
    with connection.cursor() as cursor:
        cursor.execute(read)
        row = cursor.fetchone()
    return None if row is None else row[0]


def lock_tenant_row(tenant_id: int) -> None:
    """Lock the tenant's row until this transaction ends.

    The one lock order of the platform's writers: the tenant row, then any other row.
    Triggers move the row's `security_generation` when keys, roles and policies change,
    and the audit chain is appended to under it (audit.services.lock_chain); a writer
    that locked a key, a policy or a digest first and the tenant row second would
    deadlock with one that went the other way. Unsafe API requests take it before their
    view runs (tenants.api_base.TenantScopedViewSet.initial)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM tenants_tenant WHERE id = %s FOR NO KEY UPDATE", [int(tenant_id)]
        )


@receiver(connection_created)
def install_tenant_setting(sender, connection, **kwargs):
    if _apply_tenant_setting not in connection.execute_wrappers:
        connection.execute_wrappers.append(_apply_tenant_setting)
