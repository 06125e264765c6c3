package dev.earnings.jdbc;

/** Batched and asynchronous ingestion on PostgreSQL. */
class PostgresIngestionTest extends IngestionSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }
}
