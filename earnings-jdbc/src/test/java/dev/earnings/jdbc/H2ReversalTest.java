package dev.earnings.jdbc;

/** Reversals on H2. */
class H2ReversalTest extends ReversalSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }
}
