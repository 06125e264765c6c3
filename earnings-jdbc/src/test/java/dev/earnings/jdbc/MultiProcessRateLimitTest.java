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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two JVMs, each with its own library instance and pool, record uses of one user as fast as they
 * can against one per-user limit shared through PostgreSQL: together they record exactly the
 * limit's capacity, one at a time, in batches and asynchronously.
 */
class MultiProcessRateLimitTest {
    static final int PROCESSES = 2;
    static final int CAPACITY = 200;
    static final int ATTEMPTS = 600;
    private static final Pattern RESULT = Pattern.compile("recorded (\\d+) refused (\\d+)");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sync", "batch", "async"})
    void twoJvms_sharingAPerUserLimit_recordExactlyItsCapacity(String mode, @TempDir Path dir) throws Exception {
        try (TestDatabase db = TestDatabase.postgres();
                Earnings earnings = db.builder().build()) {
            String modelId = "model-" + UUID.randomUUID();
            String userId = "user-" + UUID.randomUUID();
            earnings.models().register(modelId, "creator-multi", ModelPricing.of("0.01", "0"));
            Path go = dir.resolve("go");

            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<Process> processes = new ArrayList<>();
            List<Path> outputs = new ArrayList<>();
            for (int w = 0; w < PROCESSES; w++) {
                Path output = dir.resolve("worker-" + w + ".log");
                outputs.add(output);
                processes.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", RateLimitWorker.class.getName(),
                        db.url, db.user, db.password, db.schema.orElseThrow(), modelId, userId,
                        Integer.toString(CAPACITY), Integer.toString(ATTEMPTS), "4", mode, go.toString())
                        .redirectErrorStream(true).redirectOutput(output.toFile()).start());
            }
            // Both warmed up before either starts, so that they race for the bucket.
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            for (int w = 0; w < PROCESSES; w++) {
                while (!Files.readString(outputs.get(w), StandardCharsets.UTF_8).contains("ready")) {
                    assertThat(processes.get(w).isAlive()).as("worker %d is alive; its output:%n%s", w,
                            Files.readString(outputs.get(w), StandardCharsets.UTF_8)).isTrue();
                    assertThat(System.nanoTime()).as("worker %d ready within 2 minutes", w).isLessThan(deadline);
                    Thread.sleep(10);
                }
            }
            Files.createFile(go);

            int recorded = 0;
            int refused = 0;
            for (int w = 0; w < PROCESSES; w++) {
                Process p = processes.get(w);
                boolean finished = p.waitFor(5, TimeUnit.MINUTES);
                String log = Files.readString(outputs.get(w), StandardCharsets.UTF_8);
                assertThat(finished).as("worker %d finished; its output:%n%s", w, log).isTrue();
                assertThat(p.exitValue()).as("worker %d exit code; its output:%n%s", w, log).isZero();
                Matcher m = RESULT.matcher(log);
                assertThat(m.find()).as("worker %d reports its counts; its output:%n%s", w, log).isTrue();
                int mine = Integer.parseInt(m.group(1));
                assertThat(mine).as("uses worker %d recorded: both raced for the one bucket", w).isPositive();
                recorded += mine;
                refused += Integer.parseInt(m.group(2));
            }
            assertThat(recorded).isEqualTo(CAPACITY);
            assertThat(refused).isEqualTo(PROCESSES * ATTEMPTS - CAPACITY);
            long rows = db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + db.table("model_usage_logs")
                    + " WHERE user_id = ?").bind(0, userId).mapTo(Long.class).one());
            assertThat(rows).isEqualTo(CAPACITY);
            assertThat(earnings.verifyIntegrity().isClean()).isTrue();
        }
    }
}
