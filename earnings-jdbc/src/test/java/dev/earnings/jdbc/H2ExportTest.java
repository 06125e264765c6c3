package dev.earnings.jdbc;

/** Exports on H2. */
class H2ExportTest extends ExportSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }
}
