package dev.earnings.jdbc;

/** Reversals on PostgreSQL. */
class PostgresReversalTest extends ReversalSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }
}
