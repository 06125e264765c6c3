package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.earnings.core.ModelPricing;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three JVMs, each with its own library instance and pool, record 12,000 uses of one model into
 * one PostgreSQL database at once, one at a time, in batches and asynchronously; the ordinals,
 * tiers and sums stay exact.
 */
class MultiProcessPostgresTest {
    static final int PROCESSES = 3;
    static final int TOTAL = 12_000;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sync", "batch", "async"})
    void threeJvms_record12000UsesOfOneModel_exactly(String mode, @TempDir Path logs) throws Exception {
        try (TestDatabase db = TestDatabase.postgres();
                Earnings earnings = db.builder().build()) {
            String modelId = "model-" + UUID.randomUUID();
            earnings.models().register(modelId, "creator-multi", ModelPricing.of("0.01", "0.000013"));

            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<Process> processes = new ArrayList<>();
            List<Path> outputs = new ArrayList<>();
            for (int w = 0; w < PROCESSES; w++) {
                Path output = logs.resolve("worker-" + w + ".log");
                outputs.add(output);
                processes.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", UsageWorker.class.getName(),
                        db.url, db.user, db.password.isEmpty() ? "" : db.password, db.schema.orElseThrow(), modelId,
                        Integer.toString(w), Integer.toString(PROCESSES), Integer.toString(TOTAL), "4", mode)
                        .redirectErrorStream(true).redirectOutput(output.toFile()).start());
            }
            for (int w = 0; w < PROCESSES; w++) {
                Process p = processes.get(w);
                boolean finished = p.waitFor(10, TimeUnit.MINUTES);
                String log = Files.readString(outputs.get(w), StandardCharsets.UTF_8);
                assertThat(finished).as("worker %d finished; its output:%n%s", w, log).isTrue();
                assertThat(p.exitValue()).as("worker %d exit code; its output:%n%s", w, log).isZero();
                assertThat(log).contains("worker " + w + " done");
            }
            UsageRecordingSuite.assertConcurrentRunIsExact(db, earnings, modelId, "0.01", "0.000013", TOTAL, 0);

            // The processes really wrote at the same time: in ordinal order, the writing process
            // (the eventId's index modulo 3) changes again and again. Run one after another, it
            // would change twice; batches and async groups keep up to 40 and 500 uses together.
            List<String> events = db.jdbi.withHandle(h -> h.createQuery("SELECT event_id FROM "
                    + db.table("model_usage_logs") + " WHERE model_id = ? ORDER BY use_ordinal")
                    .bind(0, modelId).mapTo(String.class).list());
            int switches = 0;
            for (int i = 1; i < events.size(); i++) {
                if (writer(events.get(i)) != writer(events.get(i - 1))) {
                    switches++;
                }
            }
            assertThat(switches).as("changes of writing process along the ordinals").isGreaterThan(mode.equals("sync") ? TOTAL / 10 : 10);
        }
    }

    private static int writer(String eventId) {
        return Integer.parseInt(eventId.substring(eventId.lastIndexOf('-') + 1)) % PROCESSES;
    }
}
