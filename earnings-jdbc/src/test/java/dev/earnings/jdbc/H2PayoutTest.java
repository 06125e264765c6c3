package dev.earnings.jdbc;

/** Payouts on H2. */
class H2PayoutTest extends PayoutSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }
}
