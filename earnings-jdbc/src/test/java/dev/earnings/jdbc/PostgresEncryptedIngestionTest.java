package dev.earnings.jdbc;

/** The Ingestion suite on PostgreSQL, with user ids stored as tokens and metadata encrypted. */
class PostgresEncryptedIngestionTest extends IngestionSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres().encrypted(TestKeys.generate());
    }
}
