package dev.earnings.jdbc;

/** Payouts on PostgreSQL. */
class PostgresPayoutTest extends PayoutSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }
}
