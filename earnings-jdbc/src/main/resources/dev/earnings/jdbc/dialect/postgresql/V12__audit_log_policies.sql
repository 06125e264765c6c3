-- earnings schema, version 12 on PostgreSQL: the audit log is append-only and for admins.
--
-- Row-level security: an admin and the service read and append; a creator's transaction sees
-- nothing (the log names every creator). A trigger refuses every UPDATE, DELETE and TRUNCATE,
-- whoever runs it, the tables' owner included: an audit row, once committed, stays as written.
ALTER TABLE earnings_audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE earnings_audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY trusted_all ON earnings_audit_log
    USING ((SELECT current_setting('earnings.caller_kind', true)) IN ('admin', 'service'));

CREATE FUNCTION earnings_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'earnings_audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER earnings_audit_log_no_change BEFORE UPDATE OR DELETE ON earnings_audit_log
    FOR EACH ROW EXECUTE FUNCTION earnings_audit_log_append_only();
CREATE TRIGGER earnings_audit_log_no_truncate BEFORE TRUNCATE ON earnings_audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION earnings_audit_log_append_only();
