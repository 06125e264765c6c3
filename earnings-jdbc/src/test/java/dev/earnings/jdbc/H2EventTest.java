package dev.earnings.jdbc;

/** The events outbox and its consumers on H2. */
class H2EventTest extends EventSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }
}
