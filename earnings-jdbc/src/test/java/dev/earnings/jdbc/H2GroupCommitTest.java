package dev.earnings.jdbc;

/** Group commit on H2. */
class H2GroupCommitTest extends GroupCommitSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }
}
