package dev.earnings.jdbc;

/** Encryption at rest on H2. */
class H2EncryptionTest extends EncryptionSuite {
    @Override
    TestDatabase openPlainDatabase() {
        return TestDatabase.h2();
    }
}
