package dev.earnings.jdbc;

import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * A test class with one fresh database and one library instance on it, driven by a test clock.
 * Subclasses name the database; the suites above them hold the tests, so every test runs on H2
 * and on PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DatabaseSuite {
    TestDatabase db;
    MutableClock clock;
    Earnings earnings;

    abstract TestDatabase openDatabase();

    /** Where the test clock starts. */
    abstract Instant start();

    @BeforeAll
    void openDatabaseAndLibrary() {
        db = openDatabase();
        clock = new MutableClock(start());
        earnings = db.builder().clock(clock).build();
    }

    @AfterAll
    void closeDatabaseAndLibrary() {
        if (earnings != null) {
            earnings.close();
        }
        if (db != null) {
            db.close();
        }
    }
}
