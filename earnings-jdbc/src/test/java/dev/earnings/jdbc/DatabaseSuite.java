package dev.earnings.jdbc;

import dev.earnings.core.ModelPricing;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
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
        earnings = configure(db.builder().clock(clock)).build();
    }

    /** What a suite sets on the library besides the database and the clock; nothing by default. */
    Earnings.Builder configure(Earnings.Builder builder) {
        return builder;
    }

    /** A second instance on this database and clock whose commits pass through {@code gate}. */
    Earnings.Builder gated(CommitGate gate) {
        return db.builder(gate.wrap(db.dataSource)).clock(clock).migrateOnStart(false);
    }

    /** Registers a model of its own for one test. */
    String newModel(String creatorId, ModelPricing pricing) {
        String modelId = "model-" + UUID.randomUUID();
        earnings.models().register(modelId, creatorId, pricing);
        return modelId;
    }

    /** Rows in every table of the library, to show that a rejected call wrote nothing. */
    Map<String, Long> rowCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        UsageRecordingSuite.TABLES.forEach(table -> counts.put(table, db.count(table)));
        return counts;
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
