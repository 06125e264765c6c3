package dev.earnings.benchmarks;

import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.ExportFormat;
import dev.earnings.jdbc.ExportQuery;
import java.io.OutputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Streaming exports of 1 and 10 million uses, as CSV and as JSON Lines, to a stream that counts
 * the bytes and keeps none: how long an export takes, its rows a second, when its first byte
 * arrives, and the most heap the JVM used meanwhile. Run it with a small heap ({@code -Xmx256m}):
 * an export that held its rows would run out of memory long before 10 million.
 *
 * <p>The rows are DashboardBenchmark's (1,000 models of 200 creators over 365 days), generated in
 * the database. Each size is exported four ways: one creator's uses (1/200 of the rows, read
 * through the creator's index) and the whole platform's, in each format.
 *
 * <p>Run: {@code java -Xmx256m -cp earnings-benchmarks/target/benchmarks.jar
 * dev.earnings.benchmarks.ExportBenchmark} with options {@code --rows=1000000,10000000
 * --databases=postgresql,h2}.
 */
public final class ExportBenchmark {
    static final List<String> OPTIONS = List.of("rows", "databases");
    private static final Instant FROM = Instant.parse("2025-01-01T00:00:00Z");
    private static final Instant TO = Instant.parse("2027-01-01T00:00:00Z");

    private ExportBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = IngestionBenchmark.Options.parse(args, OPTIONS);
        long[] sizes = Arrays.stream(options.getOrDefault("rows", "1000000,10000000").split(","))
                .mapToLong(Long::parseLong).toArray();
        System.out.printf(Locale.ROOT, "Export benchmark: Java %s, %d cores, max heap %d MiB%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20);
        for (String database : options.getOrDefault("databases", "postgresql").split(",")) {
            for (long rows : sizes) {
                run(database, rows, options);
            }
        }
    }

    private static void run(String database, long rows, Map<String, String> options) throws Exception {
        try (IngestionBenchmark.Target target = IngestionBenchmark.open(database, options, "export")) {
            DashboardBenchmark.registerModels(target);
            long started = System.nanoTime();
            DashboardBenchmark.generate(target, rows);
            if (target.postgres) {
                // As autovacuum leaves a table in service: statistics current, the pages written out.
                try (Connection c = target.dataSource.getConnection(); Statement s = c.createStatement()) {
                    s.execute(target.sql("VACUUM ANALYZE {t}model_usage_logs"));
                    s.execute("CHECKPOINT");
                }
            }
            System.out.printf(Locale.ROOT, "%n%s, %,d usage rows generated in %.0f s%n",
                    database.equals("h2") ? "H2 (embedded file)" : "PostgreSQL", rows, (System.nanoTime() - started) / 1e9);
            System.out.printf("%-34s %12s %10s %8s %11s %9s %12s %14s %5s%n", "export", "rows", "MiB", "s", "rows/s",
                    "MiB/s", "first byte s", "peak heap MiB", "GCs");
            try (Earnings earnings = target.builder(Clock.fixed(DashboardBenchmark.NOW, ZoneOffset.UTC))
                    .migrateOnStart(false).build()) {
                long ofCreator = (rows + DashboardBenchmark.CREATORS - 1) / DashboardBenchmark.CREATORS;
                for (ExportFormat format : List.of(ExportFormat.CSV, ExportFormat.JSON_LINES)) {
                    time(earnings, "one creator's uses, " + name(format), Caller.creator("c0"),
                            ExportQuery.creator("c0", FROM, TO), format, ofCreator);
                    time(earnings, "the platform's uses, " + name(format), Caller.admin("bench"),
                            ExportQuery.platform(FROM, TO), format, rows);
                }
            }
        }
    }

    private static String name(ExportFormat format) {
        return format == ExportFormat.CSV ? "CSV" : "JSON Lines";
    }

    private static void time(Earnings earnings, String name, Caller caller, ExportQuery query, ExportFormat format,
            long expected) throws Exception {
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).collect(Collectors.toList());
        System.gc();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        long gcs = collections();
        Counting out = new Counting();
        long started = System.nanoTime();
        long rows = earnings.exports().uses(caller, query, format, out);
        long nanos = System.nanoTime() - started;
        // The sum of every heap pool's peak: an upper bound of the heap in use at any one moment.
        long peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        if (rows != expected) {
            throw new IllegalStateException(name + " wrote " + rows + " rows, not " + expected);
        }
        System.out.printf(Locale.ROOT, "%-34s %,12d %,10.1f %8.1f %,11.0f %9.1f %12.2f %,14.0f %5d%n", name, rows,
                out.bytes / 1048576.0, nanos / 1e9, rows / (nanos / 1e9), out.bytes / 1048576.0 / (nanos / 1e9),
                (out.firstByte - started) / 1e9, peak / 1048576.0, collections() - gcs);
    }

    private static long collections() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionCount)
                .sum();
    }

    /** A host's stream that counts what it is given and keeps none of it. */
    static final class Counting extends OutputStream {
        long bytes;
        long firstByte;

        @Override
        public void write(int b) {
            count(1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count(len);
        }

        private void count(int length) {
            if (bytes == 0) {
                firstByte = System.nanoTime();
            }
            bytes += length;
        }
    }
}
