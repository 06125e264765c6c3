package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.earnings.core.ModelPricing;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The audit log on PostgreSQL, where the database itself keeps it append-only (H2 has no
 * procedural triggers: there only the library's own code, which never updates or deletes an
 * entry, keeps it so).
 */
class PostgresAuditTest extends AuditSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }

    @Test
    void onPostgres_anEntryCannotBeChangedOrRemoved_evenByTheTablesOwner() {
        String creator = "creator-" + UUID.randomUUID();
        newModel(creator, ModelPricing.of("1", "0"));
        String table = db.table("earnings_audit_log");
        long before = entries();
        for (String change : List.of("UPDATE " + table + " SET actor = 'someone-else'", "DELETE FROM " + table,
                "TRUNCATE " + table)) {
            assertThatThrownBy(() -> db.jdbi.useHandle(h -> h.execute(change))).as(change).hasMessageContaining("append-only");
        }
        // The library's own login, in an admin's scope, which sees every entry: refused all the same.
        for (String change : List.of("UPDATE " + table + " SET actor = 'someone-else'", "DELETE FROM " + table)) {
            assertThatThrownBy(() -> org.jdbi.v3.core.Jdbi.create(db.dataSource).useTransaction(h -> {
                h.execute("SELECT set_config('earnings.caller_kind', 'admin', true)");
                h.execute(change);
            })).as(change).hasMessageContaining("append-only");
        }
        assertThat(entries()).isEqualTo(before);
    }
}
