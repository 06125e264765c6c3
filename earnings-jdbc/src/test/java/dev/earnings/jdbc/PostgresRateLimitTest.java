package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Rate limits on PostgreSQL, with buckets shared through the database: the suite's tests, and
 * what only shared buckets do (live in the library's table without user ids, serve several
 * instances at once, fail like the database they live in).
 */
class PostgresRateLimitTest extends RateLimitSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }

    @Override
    RateLimits.Storage storage() {
        return RateLimits.Storage.SHARED;
    }

    List<String> bucketKeys() {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT id FROM " + db.table("earnings_rate_limit_buckets")
                + " ORDER BY id").mapTo(String.class).list());
    }

    @Test
    void sharedBuckets_liveInTheLibrarysTable_keyedByModelIdAndAnHmacOfTheUserId() {
        String user = newUser();
        String model = newModel();
        try (Earnings limited = limited(RateLimits.builder().perUser(5, Duration.ofMinutes(1))
                .perModel(50, Duration.ofMinutes(1)))) {
            limited.logModelUsage(use(user, model));
        }
        List<String> keys = bucketKeys();
        assertThat(keys).noneMatch(k -> k.contains(user) || k.contains(user.substring("user-".length())));
        assertThat(keys).anyMatch(k -> k.matches("model:[0-9a-f]{8}:" + model));
        assertThat(keys).anyMatch(k -> k.matches("user:[0-9a-f]{8}:[0-9a-f]{32}"));
    }

    @Test
    void twoInstancesWithPoolsOfTheirOwn_shareOneBucket() throws Exception {
        String user = newUser();
        String model = newModel();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.url);
        config.setUsername(db.user);
        config.setPassword(db.password);
        config.setMaximumPoolSize(8);
        RateLimits.Builder limits = RateLimits.builder().perUser(30, Duration.ofDays(1));
        try (HikariDataSource otherPool = new HikariDataSource(config);
                Earnings first = limited(limits);
                Earnings second = db.builder(otherPool).clock(clock).migrateOnStart(false)
                        .rateLimits(limits.storage(RateLimits.Storage.SHARED).build()).build()) {
            Run run = sixteenThreads(10, (t, i) -> (t % 2 == 0 ? first : second).logModelUsage(use(user, model)));
            assertThat(run.recorded()).isEqualTo(30);
            assertThat(run.refused()).hasSize(130);
        }
        assertThat(rowsOfUser(user)).isEqualTo(30);
    }

    @Test
    void otherRates_startFromBucketsOfTheirOwn() {
        String user = newUser();
        String model = newModel();
        try (Earnings limited = limited(RateLimits.builder().perUser(1, Duration.ofHours(1)))) {
            limited.logModelUsage(use(user, model));
            refusedNext(limited, user, model);
        }
        // A deployment with new rates does not inherit a bucket made for the old ones.
        try (Earnings limited = limited(RateLimits.builder().perUser(2, Duration.ofHours(1)))) {
            limited.logModelUsage(use(user, model));
            limited.logModelUsage(use(user, model));
            refusedNext(limited, user, model);
        }
    }

    @Test
    void bucketsThatCannotBeReached_failTheCallWithAStorageException_andWriteNothing() {
        String user = newUser();
        String model = newModel();
        try (Earnings limited = limited(RateLimits.builder().perUser(5, Duration.ofHours(1)))) {
            Map<String, Long> before = rowCounts();
            renameTable("earnings_rate_limit_buckets", "earnings_rate_limit_buckets_off");
            try {
                StorageException single = catchThrowableOfType(StorageException.class,
                        () -> limited.logModelUsage(use(user, model, "unreachable-" + model)));
                assertThat(single.isTransient()).isFalse();
                assertThat(single.eventId()).contains("unreachable-" + model);
                assertThat(single.getMessage()).contains("rate limit", "42P01").doesNotContain(user);
                StorageException batch = catchThrowableOfType(StorageException.class,
                        () -> limited.logModelUsageBatch(List.of(use(user, model), use(user, model))));
                assertThat(batch.eventIds()).hasSize(2);
            } finally {
                renameTable("earnings_rate_limit_buckets_off", "earnings_rate_limit_buckets");
            }
            assertThat(rowCounts()).isEqualTo(before);
            // Once the table is back, the use records, with its eventId still free.
            assertThat(limited.logModelUsage(use(user, model, "unreachable-" + model)).replayed()).isFalse();
        }
    }

    @Test
    void transientFailuresOfTheBuckets_areRetriedInTheOnePlaceThatRetries_andTakeNoExtraToken() {
        String user = newUser();
        String model = newModel();
        FaultyDataSource faulty = new FaultyDataSource(db.dataSource);
        AtomicInteger planted = new AtomicInteger();
        faulty.statementFault = (connection, sql) -> {
            if (sql.contains("earnings_rate_limit_buckets") && sql.contains("FOR UPDATE") && planted.getAndIncrement() < 2) {
                throw new SQLException("planted serialization failure", "40001");
            }
        };
        try (Earnings limited = db.builder(faulty.dataSource()).clock(clock).migrateOnStart(false)
                .rateLimits(RateLimits.builder().perUser(2, Duration.ofHours(1)).storage(RateLimits.Storage.SHARED).build())
                .build()) {
            assertThat(limited.logModelUsage(use(user, model)).replayed()).isFalse();
            assertThat(planted.get()).as("bucket reads, the two planted failures among them").isGreaterThan(2);
            assertThat(limited.retries()).isEqualTo(2);
            limited.logModelUsage(use(user, model));
            refusedNext(limited, user, model);
        }
        assertThat(rowsOfUser(user)).isEqualTo(2);
    }

    @Test
    void bucketsPastTheirExpiry_areRemovedByTheNextInstancesFirstWrite_theOthersStay() {
        String model = newModel();
        RateLimits.Builder limits = RateLimits.builder().perUser(3, Duration.ofHours(1));
        String expired = newUser();
        String current = newUser();
        try (Earnings limited = limited(limits)) {
            limited.logModelUsage(use(expired, model));
            limited.logModelUsage(use(current, model));
        }
        List<String> before = bucketKeys();
        // Bucket4j keeps, with each row, when its bucket is full again; make one of them past.
        db.jdbi.useHandle(h -> h.execute("UPDATE " + db.table("earnings_rate_limit_buckets") + " SET expires_at = 0"
                + " WHERE id = (SELECT MIN(id) FROM " + db.table("earnings_rate_limit_buckets") + ")"));
        String gone = before.get(0);
        try (Earnings limited = limited(limits)) {
            limited.logModelUsage(use(newUser(), model));
        }
        assertThat(bucketKeys()).doesNotContain(gone).containsAll(before.subList(1, before.size())).hasSize(before.size());
    }
}
