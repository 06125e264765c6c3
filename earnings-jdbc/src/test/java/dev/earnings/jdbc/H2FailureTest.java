package dev.earnings.jdbc;

/** Failures and their reports on H2. */
class H2FailureTest extends FailureSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }
}
