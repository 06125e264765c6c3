package dev.earnings.jdbc;

/** The Ingestion suite on H2, with user ids stored as tokens and metadata encrypted. */
class H2EncryptedIngestionTest extends IngestionSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2().encrypted(TestKeys.generate());
    }
}
