package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.earnings.core.ModelPricing;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three JVMs run one consumer on one PostgreSQL database while a fourth (the test) writes 10,040
 * events; the JVM handling a batch is killed with {@code kill -9} half-way through it. Every event
 * is handled, none by two processes at once, in order per creator, and the killed process's
 * unfinished batch is handed again by the others.
 */
class MultiProcessEventTest {
    static final int PROCESSES = 3;
    static final int CREATORS = 40;
    static final int USES = 250;

    @Test
    void threeJvms_handEveryEventOver_noneTwiceAtOnce_inOrderPerCreator_andAKilledJvmsBatchIsHandedAgain(
            @TempDir Path logs) throws Exception {
        try (TestDatabase db = TestDatabase.postgres(); Earnings publishing = db.builder().useRecordedEvents(true).build()) {
            String schema = db.schema.orElseThrow();
            db.jdbi.useHandle(h -> {
                h.execute("CREATE TABLE " + schema + ".test_in_flight (event_id VARCHAR(64) PRIMARY KEY, pid BIGINT NOT NULL)");
                h.execute("CREATE TABLE " + schema + ".test_overlaps (event_id VARCHAR(64), pid BIGINT, holder BIGINT)");
                h.execute("CREATE TABLE " + schema + ".test_handled (seq BIGSERIAL PRIMARY KEY, event_id VARCHAR(64),"
                        + " creator_id VARCHAR(512), position BIGINT, pid BIGINT)");
            });
            String prefix = "c" + UUID.randomUUID().toString().substring(0, 8) + "-";
            String consumer = "jvms-" + prefix;
            List<String> models = new ArrayList<>();
            for (int c = 0; c < CREATORS; c++) {
                models.add("model-" + c + "-" + prefix);
                publishing.models().register(models.get(c), prefix + c, ModelPricing.of("0.01", "0"));
            }
            // Registered before the events, from now: the workers share this cursor.
            publishing.events().consumer(consumer, e -> { }).build().close();

            List<Path> outputs = new ArrayList<>();
            for (int w = 0; w < PROCESSES; w++) {
                outputs.add(logs.resolve("consumer-" + w + ".log"));
            }
            List<Process> processes = MultiProcessScheduleTest.startJvms(outputs, EventWorker.class, db.url, db.user,
                    db.password, schema, consumer, prefix, TestDatabase.PG_USER, TestDatabase.PG_PASSWORD, "2");
            long killedPid;
            try {
                for (int from = 0; from < USES; from += 25) {
                    List<UsageRequest> requests = new ArrayList<>();
                    for (String model : models) {
                        for (int i = from; i < from + 25; i++) {
                            requests.add(UsageRequest.builder("user-" + i % 5, model).usageType("image_generation")
                                    .eventId(model + "-" + i).build());
                        }
                    }
                    assertThat(publishing.logModelUsageBatch(requests).rejected()).isZero();
                }
                MultiProcessScheduleTest.awaitUntil("a third handled", 300, () -> handled(db, schema) >= 3_000);
                // The process that handled the latest event is in the middle of a batch: kill it.
                killedPid = db.jdbi.withHandle(h -> h.createQuery("SELECT pid FROM " + schema
                        + ".test_handled ORDER BY seq DESC LIMIT 1").mapTo(Long.class).one());
                Process killed = processes.stream().filter(p -> p.pid() == killedPid).findFirst().orElseThrow();
                killed.destroyForcibly();
                assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
                MultiProcessScheduleTest.awaitUntil("every event handled", 300,
                        () -> distinctHandled(db, schema) == CREATORS * USES + CREATORS
                                && publishing.events().status(consumer).orElseThrow().pending() == 0);
            } finally {
                MultiProcessScheduleTest.stopJvms(processes);
            }

            // None at once, except against the killed process's mark, which it never took away.
            List<Long> holders = db.jdbi.withHandle(h -> h.createQuery("SELECT holder FROM " + schema + ".test_overlaps")
                    .mapTo(Long.class).list());
            assertThat(holders).allSatisfy(holder -> assertThat(holder).isEqualTo(killedPid));
            // Handed again: only what the killed process handled in its unfinished batch.
            Map<String, List<Long>> handledBy = new LinkedHashMap<>();
            Map<String, List<Long>> firstPositions = new LinkedHashMap<>();
            db.jdbi.useHandle(h -> h.createQuery("SELECT event_id, creator_id, position, pid FROM " + schema
                    + ".test_handled ORDER BY seq").map((rs, ctx) -> {
                        List<Long> by = handledBy.computeIfAbsent(rs.getString(1), k -> new ArrayList<>());
                        if (by.isEmpty()) {
                            firstPositions.computeIfAbsent(rs.getString(2), k -> new ArrayList<>()).add(rs.getLong(3));
                        }
                        by.add(rs.getLong(4));
                        return null;
                    }).list());
            List<String> again = handledBy.entrySet().stream().filter(e -> e.getValue().size() > 1).map(Map.Entry::getKey)
                    .collect(Collectors.toList());
            assertThat(again).as("events handed again after the kill").isNotEmpty();
            assertThat(again).allSatisfy(id -> {
                assertThat(handledBy.get(id)).hasSize(2);
                assertThat(handledBy.get(id).get(0)).isEqualTo(killedPid);
                assertThat(handledBy.get(id).get(1)).isNotEqualTo(killedPid);
            });
            assertThat(handledBy.values().stream().flatMap(List::stream).distinct().count()).isEqualTo(PROCESSES);
            // In order per creator: the first handling of each event, in the order the outbox gave positions.
            for (int c = 0; c < CREATORS; c++) {
                String creator = prefix + c;
                List<Long> expected = db.jdbi.withHandle(h -> h.createQuery("SELECT position FROM " + db.table("earnings_events")
                        + " WHERE creator_id = :c ORDER BY position").bind("c", creator).mapTo(Long.class).list());
                assertThat(expected).hasSize(USES + 1);
                assertThat(firstPositions.get(creator)).as("creator %s", creator).isEqualTo(expected);
            }
            assertThat(publishing.verifyIntegrity().isClean()).isTrue();
        }
    }

    static long handled(TestDatabase db, String schema) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + schema + ".test_handled").mapTo(Long.class).one());
    }

    static long distinctHandled(TestDatabase db, String schema) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(DISTINCT event_id) FROM " + schema + ".test_handled")
                .mapTo(Long.class).one());
    }
}
