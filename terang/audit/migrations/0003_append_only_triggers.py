"""PostgreSQL: triggers that make the audit tables append-only.

- audit_changerecord, audit_domainevent: BEFORE UPDATE OR DELETE (per row) and BEFORE TRUNCATE raise
  "audit records are append-only".
- audit_chainhead: a head may only move forward (last_seq grows); it cannot be deleted or truncated.

TRUNCATE is let through only when the setting `terang.audit_allow_truncate` is 'on'. Its default is baked into
the function: 'off' everywhere except in a database created by Django's test runner, where the flush between
transactional tests (`TRUNCATE ... ` of every table) must keep working. A test can still check the refusal with
`SET LOCAL terang.audit_allow_truncate = 'off'`.

Tampering on purpose (tests, a forensic drill) needs the table owner: `ALTER TABLE ... DISABLE TRIGGER USER`.
SQLite has no such triggers; there the models refuse updates/deletes and `audit_verify` detects direct edits.
"""

from django.db import migrations

TABLES = ("audit_changerecord", "audit_domainevent")


def _in_test_environment() -> bool:
    # django.test.utils.setup_test_environment() (run by Django's test runner and pytest-django before the test
    # databases are created) installs the in-memory mail outbox.
    from django.core import mail

    return hasattr(mail, "outbox")


def _truncate_allowed_check(default: str) -> str:
    return (
        "IF TG_OP = 'TRUNCATE' AND coalesce(nullif(current_setting('terang.audit_allow_truncate', true), ''), "
        f"'{default}') = 'on' THEN RETURN NULL; END IF;"
    )


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    allow = _truncate_allowed_check("on" if _in_test_environment() else "off")
    statements = [
        f"""
        CREATE OR REPLACE FUNCTION terang_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {allow}
            RAISE EXCEPTION 'audit records are append-only (% on %)', TG_OP, TG_TABLE_NAME;
        END
        $$;
        """,
        f"""
        CREATE OR REPLACE FUNCTION terang_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {allow}
            IF TG_OP <> 'UPDATE' THEN
                RAISE EXCEPTION 'audit chain heads cannot be removed (% on %)', TG_OP, TG_TABLE_NAME;
            END IF;
            IF NEW.name <> OLD.name OR NEW.last_seq <= OLD.last_seq THEN
                RAISE EXCEPTION 'audit chain heads only move forward (% -> %)', OLD.last_seq, NEW.last_seq;
            END IF;
            RETURN NEW;
        END
        $$;
        """,
    ]
    for table in TABLES:
        statements += [
            f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION terang_audit_append_only();""",
            f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION terang_audit_append_only();""",
        ]
    statements += [
        """CREATE TRIGGER audit_chainhead_forward BEFORE UPDATE OR DELETE ON audit_chainhead
            FOR EACH ROW EXECUTE FUNCTION terang_audit_head_forward();""",
        """CREATE TRIGGER audit_chainhead_no_truncate BEFORE TRUNCATE ON audit_chainhead
            FOR EACH STATEMENT EXECUTE FUNCTION terang_audit_head_forward();""",
    ]
    for sql in statements:
        schema_editor.execute(sql, params=None)  # no placeholders: plpgsql uses % itself


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
    schema_editor.execute("DROP TRIGGER IF EXISTS audit_chainhead_forward ON audit_chainhead;")
    schema_editor.execute("DROP TRIGGER IF EXISTS audit_chainhead_no_truncate ON audit_chainhead;")
    schema_editor.execute("DROP FUNCTION IF EXISTS terang_audit_append_only();")
    schema_editor.execute("DROP FUNCTION IF EXISTS terang_audit_head_forward();")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_browse_indexes")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
