-- Every change an administrator makes, through the API or the console (issue 9): who, when, from
-- where, to what, and each field's old and new value (secrets only as "changed"). Rows are only
-- ever inserted; nothing in unid updates or deletes them.
CREATE TABLE admin_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_date BIGINT NOT NULL,
    actor_id TEXT,
    actor_name TEXT,
    ip TEXT,
    face TEXT NOT NULL,
    action TEXT NOT NULL,
    target_id TEXT,
    changes TEXT NOT NULL
);
CREATE INDEX admin_audit_date ON admin_audit (created_date);
CREATE INDEX admin_audit_target ON admin_audit (target_id, created_date);
CREATE INDEX admin_audit_actor ON admin_audit (actor_id, created_date);
