package dev.earnings.spring;

/** The HTTP suite on H2, in memory: a fresh database for each application. */
class EarningsHttpH2Test extends EarningsHttpSuite {
    @Override
    TestDatabases.Fresh freshDatabase() {
        return TestDatabases.freshH2();
    }
}
