package dev.earnings.jdbc;

/** Exports on PostgreSQL, as the runtime role that row-level security filters. */
class PostgresExportTest extends ExportSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }
}
