package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.earnings.core.ModelPricing;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scheduled payouts from three JVMs on one PostgreSQL database, a monthly schedule on a clock the
 * test moves for every process at once (a file holds its offset): the April run is killed with
 * kill -9 half-way (its payouts are slowed so it can be), another JVM completes the same period
 * once the dead one's heartbeat has stopped, and nobody is paid twice in any period; May and June,
 * with new earnings each, are paid once each.
 */
class MultiProcessScheduleTest {
    static final int PROCESSES = 3;
    static final int CREATORS = 12;
    static final String[] MONTHS = {"2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z"};

    @Test
    void threeJvms_payEachPeriodOnce_andARunKilledHalfWayIsCompletedByAnother(@TempDir Path logs) throws Exception {
        try (TestDatabase db = TestDatabase.postgres(); Earnings earnings = db.builder().build()) {
            String name = "p" + UUID.randomUUID().toString().substring(0, 8);
            List<String> models = new ArrayList<>();
            for (int c = 0; c < CREATORS; c++) {
                String model = "model-" + c + "-" + name;
                earnings.models().register(model, "creator-" + c + "-" + name, ModelPricing.of("2", "0"));
                earnings.logModelUsage("user-1", model, 0, "image_generation", null);
                models.add(model);
            }

            Path clock = logs.resolve("clock");
            // An hour before April while the JVMs start (each schedules its first run, April's, on start).
            ScheduleWorker.FileClock.set(clock, Instant.parse("2026-03-31T23:00:00Z"));
            List<Path> outputs = new ArrayList<>();
            for (int w = 0; w < PROCESSES; w++) {
                outputs.add(logs.resolve("scheduler-" + w + ".log"));
            }
            List<Process> processes = startJvms(outputs, ScheduleWorker.class, db.url, db.user, db.password,
                    db.schema.orElseThrow(), name, "0 0 0 1 * *", "200", "1000", "400", "100", clock.toString());
            try {

                // April pays every creator; kill the JVM running it once some are paid.
                ScheduleWorker.FileClock.set(clock, Instant.parse(MONTHS[0]).minusSeconds(2));
                String period = name + ":" + MONTHS[0];
                awaitUntil("April's run half-way", 60, () -> {
                    int paid = payoutsByPeriod(db, name).getOrDefault(period, List.of()).size();
                    return paid >= 3 && paid < CREATORS;
                });
                String runner = db.jdbi.withHandle(h -> h.createQuery("SELECT picked_by FROM "
                        + db.table("earnings_scheduled_tasks") + " WHERE task_name = :t AND picked")
                        .bind("t", "earnings-payouts:" + name).mapTo(String.class).findOne()).orElseThrow();
                long pid = Long.parseLong(runner.substring(0, runner.indexOf('@')));
                Process killed = processes.stream().filter(p -> p.pid() == pid).findFirst().orElseThrow();
                int paidBeforeKill = payoutsByPeriod(db, name).get(period).size();
                killed.destroyForcibly();
                assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(paidBeforeKill).isLessThan(CREATORS);

                awaitUntil("the killed period completed by another JVM", 90,
                        () -> payoutsByPeriod(db, name).getOrDefault(period, List.of()).size() == CREATORS);
                assertThat(payoutsByPeriod(db, name).get(period)).doesNotHaveDuplicates().hasSize(CREATORS);
                String finisher = db.jdbi.withHandle(h -> h.createQuery("SELECT created_by FROM "
                        + db.table("earnings_transactions") + " WHERE reference LIKE :ref ORDER BY id DESC LIMIT 1")
                        .bind("ref", period + ":%").mapTo(String.class).one());
                assertThat(finisher).isEqualTo("schedule:" + name);

                // New earnings, then the end of the month, twice: May and June pay each creator once more,
                // on the surviving JVMs.
                for (int month = 1; month < MONTHS.length; month++) {
                    for (String model : models) {
                        earnings.logModelUsage("user-" + month, model, 0, "image_generation", null);
                    }
                    ScheduleWorker.FileClock.set(clock, Instant.parse(MONTHS[month]).minusSeconds(2));
                    String due = name + ":" + MONTHS[month];
                    awaitUntil(MONTHS[month] + " paid", 90,
                            () -> payoutsByPeriod(db, name).getOrDefault(due, List.of()).size() == CREATORS);
                }
            } finally {
                stopJvms(processes);
            }

            Map<String, List<String>> periods = payoutsByPeriod(db, name);
            assertThat(periods.keySet()).containsExactly(name + ":" + MONTHS[0], name + ":" + MONTHS[1], name + ":" + MONTHS[2]);
            assertThat(periods.values()).allSatisfy(creators -> assertThat(creators).doesNotHaveDuplicates().hasSize(CREATORS));
            for (int c = 0; c < CREATORS; c++) {
                Balance b = earnings.analytics().balance(Caller.admin("check"), "creator-" + c + "-" + name);
                assertThat(b.pending().amount()).as("creator %d paid all they earned, once", c).isEqualByComparingTo("6");
                assertThat(b.availableMinor()).isZero();
            }
            // Each month's run is in the audit log once.
            List<String> runs = earnings.admin().auditLog(Caller.admin("check"), AuditQuery.all()
                    .action(AuditAction.SCHEDULE_RUN).page(0, AuditQuery.MAX_PAGE_SIZE)).items().stream()
                    .map(AuditEntry::targetId).filter(t -> t.startsWith(name + ":")).collect(Collectors.toList());
            assertThat(runs).containsExactlyInAnyOrderElementsOf(periods.keySet());
            assertThat(earnings.verifyIntegrity().isClean()).isTrue();
        }
    }

    /**
     * Starts a worker JVM per output file, on this test's class path, and waits until each says
     * {@code STARTED}; they run until {@link #stopJvms} closes their standard input.
     */
    static List<Process> startJvms(List<Path> outputs, Class<?> main, String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", main.getName()));
        command.addAll(List.of(args));
        List<Process> processes = new ArrayList<>();
        for (Path output : outputs) {
            processes.add(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start());
        }
        try {
            for (Path output : outputs) {
                awaitUntil(output.getFileName() + " started", 60, () -> read(output).contains("STARTED"));
            }
        } catch (Exception | AssertionError e) {
            stopJvms(processes);
            throw e;
        }
        return processes;
    }

    /** Closes the workers' standard input, which stops them, and kills those still running after 30 seconds. */
    static void stopJvms(List<Process> processes) throws Exception {
        for (Process p : processes) {
            p.getOutputStream().close();
        }
        for (Process p : processes) {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** The schedule's payouts, by period (the batch reference before the creator), creators in order. */
    static Map<String, List<String>> payoutsByPeriod(TestDatabase db, String name) {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT reference, creator_id FROM " + db.table("earnings_transactions")
                + " WHERE reference LIKE :ref ORDER BY id").bind("ref", name + ":%")
                .map((rs, ctx) -> List.of(rs.getString(1).substring(0, rs.getString(1).lastIndexOf(":creator-")),
                        rs.getString(2)))
                .list()).stream().collect(Collectors.groupingBy(r -> r.get(0), java.util.LinkedHashMap::new,
                        Collectors.mapping(r -> r.get(1), Collectors.toList())));
    }

    static String read(Path output) {
        try {
            return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    static void awaitUntil(String what, int seconds, Supplier<Boolean> condition) throws InterruptedException {
        Await.until(what, seconds, condition::get);
    }
}
