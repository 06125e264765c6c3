package dev.earnings.jdbc;

/** Exports on H2, with user ids stored as tokens and metadata encrypted: pseudonyms come from the tokens. */
class H2EncryptedExportTest extends ExportSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2().encrypted(TestKeys.generate());
    }
}
