package dev.earnings.jdbc;

/** The audit log on H2. */
class H2AuditTest extends AuditSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }
}
