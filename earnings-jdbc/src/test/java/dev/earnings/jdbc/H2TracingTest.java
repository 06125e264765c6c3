package dev.earnings.jdbc;

/** The tracing suite on the embedded default database, H2. */
class H2TracingTest extends TracingSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }
}
