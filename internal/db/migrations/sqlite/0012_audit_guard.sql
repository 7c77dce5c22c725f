-- 0012: the audit log refuses UPDATE and DELETE (SQLite has no TRUNCATE; a
-- DELETE of every row fires the trigger too). The triggers of 0001 did this
-- already; they are remade with the message PostgreSQL gives.
DROP TRIGGER IF EXISTS audit_log_no_update;
DROP TRIGGER IF EXISTS audit_log_no_delete;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END;
