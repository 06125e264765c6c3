package dev.earnings.benchmarks;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.AsyncRecorder;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.IntegrityReport;
import dev.earnings.jdbc.UsageRequest;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The asynchronous recorder under sustained load: submitter threads push uses as fast as the
 * recorder takes them for minutes, keeping no reference to the futures, while the heap is sampled.
 * A bounded queue means a bounded heap: the recorder holds at most its capacity of uses, and a
 * full queue makes the submitters wait.
 *
 * <p>Every second it prints the uses committed so far, the rate, the heap in use and the heap
 * that survived the last collection (the live set, which must not grow). At the end it checks that
 * every accepted use completed, that the database holds exactly those uses, and runs
 * {@code verifyIntegrity()}.
 *
 * <p>Run, with a deliberately small heap so that unbounded growth would fail:
 * {@code java -Xmx256m -cp earnings-benchmarks/target/benchmarks.jar dev.earnings.benchmarks.SustainedAsyncBenchmark}
 * with options {@code --seconds=180 --threads=8 --database=postgresql --models=1000}.
 */
public final class SustainedAsyncBenchmark {
    private static final String[] TYPES = {"image_generation", "chat", "other"};

    private SustainedAsyncBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = IngestionBenchmark.Options.parse(args,
                List.of("seconds", "threads", "models", "database"));
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "180"));
        int threads = Integer.parseInt(options.getOrDefault("threads", "8"));
        int models = Integer.parseInt(options.getOrDefault("models", "1000"));
        String database = options.getOrDefault("database", "postgresql");
        watchCollections();
        System.out.printf("Sustained async load: %d s, %d submitter threads, %,d models, %s, max heap %,d MiB, Java %s%n",
                seconds, threads, models, database, Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.version"));
        try (IngestionBenchmark.Target target = IngestionBenchmark.open(database, options, "sustain");
                Earnings earnings = target.builder().build()) {
            for (int m = 0; m < models; m++) {
                earnings.models().register("m" + m, "c" + (m % 50), ModelPricing.of("0.01", "0.0001"));
            }
            LongAdder accepted = new LongAdder();
            LongAdder committed = new LongAdder();
            LongAdder failed = new LongAdder();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong sequence = new AtomicLong();
            long peakUsed = 0;
            long peakLive = 0;
            List<Long> liveByMinute = new ArrayList<>();
            long started = System.nanoTime();
            try (AsyncRecorder recorder = earnings.asyncRecorder(AsyncRecorder.Options.defaults())) {
                List<Thread> submitters = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    Thread submitter = new Thread(() -> {
                        while (!stop.get()) {
                            long i = sequence.getAndIncrement();
                            UsageRequest use = UsageRequest.builder("u" + (i % 20_000), "m" + (i * 7919 % models))
                                    .tokensConsumed(i * 31 % 2000).usageType(TYPES[(int) (i % 3)]).build();
                            recorder.submit(use).whenComplete((r, e) -> (e == null ? committed : failed).increment());
                            accepted.increment();
                        }
                    }, "submitter-" + t);
                    submitter.start();
                    submitters.add(submitter);
                }
                long last = 0;
                for (int s = 1; s <= seconds; s++) {
                    TimeUnit.MILLISECONDS.sleep(1000);
                    long used = usedHeap();
                    long live = liveHeap();
                    peakUsed = Math.max(peakUsed, used);
                    peakLive = Math.max(peakLive, live);
                    long now = committed.sum();
                    if (s % 10 == 0 || s == 1) {
                        System.out.printf(Locale.ROOT, "%4d s  %,12d committed  %,8d/s  heap in use %,5d MiB"
                                + "  live after last GC %,5d MiB%n", s, now, now - last, used >> 20, live >> 20);
                    }
                    last = now;
                    if (s % 60 == 0) {
                        liveByMinute.add(live >> 20);
                    }
                }
                stop.set(true);
                for (Thread submitter : submitters) {
                    submitter.join();
                }
            }
            double elapsed = (System.nanoTime() - started) / 1e9;
            long rows = countRows(target);
            IntegrityReport report = earnings.verifyIntegrity();
            System.out.printf(Locale.ROOT, "%naccepted %,d, committed %,d, failed %,d, rows in the database %,d;"
                    + " %,.0f uses/s over %.0f s%n", accepted.sum(), committed.sum(), failed.sum(), rows,
                    committed.sum() / elapsed, elapsed);
            System.out.printf(Locale.ROOT, "peak heap in use %,d MiB; peak live heap after GC %,d MiB; live heap at each"
                    + " minute %s MiB%n", peakUsed >> 20, peakLive >> 20, liveByMinute);
            System.out.printf("verifyIntegrity(): %,d uses of %,d models, %s%n", report.usesChecked(), report.modelsChecked(),
                    report.isClean() ? "clean" : "DRIFT " + report.drifts());
            if (!report.isClean() || failed.sum() != 0 || committed.sum() != accepted.sum() || rows != committed.sum()) {
                System.out.println("FAILED: a use was lost, failed or written twice, or the figures drifted");
                System.exit(2);
            }
        }
    }

    private static long usedHeap() {
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    /** Heap in use right after the most recent collection: what survived it. */
    private static final AtomicLong AFTER_LAST_GC = new AtomicLong();

    private static void watchCollections() {
        java.util.Set<String> heapPools = new java.util.HashSet<>();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPools.add(pool.getName());
            }
        }
        for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((javax.management.NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
                if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                            (javax.management.openmbean.CompositeData) notification.getUserData());
                    long after = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                            .filter(e -> heapPools.contains(e.getKey())).mapToLong(e -> e.getValue().getUsed()).sum();
                    AFTER_LAST_GC.set(after);
                }
            }, null, null);
        }
    }

    private static long liveHeap() {
        return AFTER_LAST_GC.get();
    }

    private static long countRows(IngestionBenchmark.Target target) throws java.sql.SQLException {
        try (java.sql.Connection c = target.dataSource.getConnection(); java.sql.Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery(target.sql("SELECT COUNT(*) FROM {t}model_usage_logs"))) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
