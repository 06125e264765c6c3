package dev.earnings.jdbc;

/** The metrics suite on the embedded default database, H2. */
class H2MetricsTest extends MetricsSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }
}
