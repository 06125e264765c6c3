package dev.earnings.jdbc;

/** Batched and asynchronous ingestion on H2. */
class H2IngestionTest extends IngestionSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }
}
