package dev.earnings.jdbc;

/** Encryption at rest on PostgreSQL. */
class PostgresEncryptionTest extends EncryptionSuite {
    @Override
    TestDatabase openPlainDatabase() {
        return TestDatabase.postgres();
    }
}
