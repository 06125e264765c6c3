package dev.earnings.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.aead.AeadConfig2026;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import com.google.crypto.tink.prf.PredefinedPrfParameters;
import com.google.crypto.tink.prf.PrfConfig2026;
import dev.earnings.core.EarningsCalculator;
import dev.earnings.core.EarningsResult;
import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.AsyncRecorder;
import dev.earnings.jdbc.BatchResult;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.IntegrityReport;
import dev.earnings.jdbc.RecordedUse;
import dev.earnings.jdbc.UsageRequest;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ingestion throughput, side by side: the same generated uses recorded by each contender, on H2
 * and on PostgreSQL, spread over 1,000 models and all on one model; then {@code verifyIntegrity()}.
 *
 * <p>Contenders: (1) raw batched JDBC inserts of the same rows, the practical ceiling; (2) a naive
 * per-use read-modify-write, one transaction per use, as the system this library replaces did it;
 * (3) {@code logModelUsage}, one transaction per use; (4) {@code logModelUsageBatch}; (5) the
 * {@link AsyncRecorder}. Throughput is uses per second of wall time; latency is per call (per use
 * for 2, 3 and 5, per batch for 1 and 4).
 *
 * <p>Run: {@code java -cp earnings-benchmarks/target/benchmarks.jar dev.earnings.benchmarks.IngestionBenchmark}
 * with options {@code --uses=20000 --threads=8 --databases=h2,postgresql --scenarios=spread,hot
 * --contenders=1,2,3,4,5 --async-writers=4 --async-group=500 --warmup-uses=20000
 * --single-thread-uses=3000 --group-commit-concurrency=2 --metadata=none --encrypted=false} (the raw
 * ceiling always runs; {@code --warmup-uses=0} skips the unreported warm-up round; contender 3 also
 * runs on one thread over the first {@code single-thread-uses} uses, for its latency alone;
 * {@code --metadata=small} gives the library's contenders about 90 bytes of metadata per use, and
 * {@code --encrypted=true} builds the library with encryption at rest, fresh AES256_GCM and
 * HMAC_SHA256_PRF key sets, to measure what tokens and ciphertext cost).
 */
public final class IngestionBenchmark {
    private static final String[] TYPES = {"image_generation", "chat", "other"};
    private static final int BATCH = 500;

    private IngestionBenchmark() {
    }

    /** One use of the workload. */
    record Use(int index, String modelId, String userId, long tokens, String type, String metadataJson) {
    }

    /** What one contender measured. */
    record Measured(String contender, int uses, long nanos, long[] latencies, String note) {
        double perSecond() {
            return uses * 1e9 / nanos;
        }

        String percentile(double p) {
            if (latencies.length == 0) {
                return "-";
            }
            long[] sorted = latencies.clone();
            Arrays.sort(sorted);
            long value = sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
            return String.format(Locale.ROOT, "%.2f", value / 1e6);
        }
    }

    public static void main(String[] args) throws Exception {
        if (!run(Options.parse(args, Options.INGESTION))) {
            System.out.println("FAILED: verifyIntegrity() found drift; see above");
            System.exit(2);
        }
    }

    /**
     * Runs the warm-up round and the measured round.
     *
     * @return whether {@code verifyIntegrity()} was clean after every scenario
     */
    static boolean run(Map<String, String> options) throws Exception {
        int uses = Integer.parseInt(options.getOrDefault("uses", "20000"));
        int threads = Integer.parseInt(options.getOrDefault("threads", "8"));
        List<String> databases = Arrays.asList(options.getOrDefault("databases", "h2,postgresql").split(","));
        System.out.printf("Ingestion benchmark: %,d uses per contender, %d client threads, Java %s, %d cores%n",
                uses, threads, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        System.out.println("(a warm-up round of every contender and scenario runs first and is not reported)");
        System.out.printf("metadata: %s; encryption at rest: %s%n", options.getOrDefault("metadata", "none"),
                Boolean.parseBoolean(options.getOrDefault("encrypted", "false")) ? "on" : "off");
        boolean drift = false;
        String scenarios = options.getOrDefault("scenarios", "spread,hot");
        // A first, unreported round runs every contender on every database, so that each one is
        // measured with compiled code: the first contender of a cold JVM would otherwise run
        // partly interpreted, and on two cores the client's CPU is the database's CPU.
        int warmup = Integer.parseInt(options.getOrDefault("warmup-uses", String.valueOf(uses)));
        for (boolean measured : new boolean[] {false, true}) {
            if (!measured && warmup == 0) {
                continue;
            }
            for (String database : databases) {
                for (boolean hot : new boolean[] {false, true}) {
                    if (scenarios.contains(hot ? "hot" : "spread")) {
                        drift |= run(database, hot, measured ? uses : warmup, threads, options, measured);
                    }
                }
            }
        }
        return !drift;
    }

    static Target open(String database, Map<String, String> options, String purpose) {
        return database.equals("postgresql")
                ? Target.postgres(options.getOrDefault("pg-url", "jdbc:postgresql://127.0.0.1:5432/postgres"),
                        options.getOrDefault("pg-user", "postgres"), options.getOrDefault("pg-password", ""),
                        options.get("pg-runtime-user"), options.getOrDefault("pg-runtime-password", ""), purpose)
                : Target.h2(purpose);
    }

    private static boolean run(String database, boolean hot, int uses, int threads, Map<String, String> options,
            boolean report) throws Exception {
        String scenario = hot ? "all traffic on one model" : "spread over 1,000 models";
        List<Use> workload = new ArrayList<>(uses);
        boolean metadata = options.getOrDefault("metadata", "none").equals("small");
        for (int i = 0; i < uses; i++) {
            workload.add(new Use(i, "m" + (hot ? 0 : (i * 7919) % 1000), "u" + (i % 5000), (i * 31L) % 2000, TYPES[i % 3],
                    metadata ? "{\"caption\":\"a red fox in the snow, watercolor\",\"sampler\":\"euler_a\",\"seed\":" + i
                            + ",\"steps\":30}" : null));
        }
        List<Measured> results = new ArrayList<>();
        boolean drift;
        try (Target target = open(database, options, "ingest")) {
            target.createBenchTables();
            Earnings.Builder builder = target.builder();
            if (options.containsKey("group-commit-concurrency")) {
                builder.groupCommitConcurrency(Integer.parseInt(options.get("group-commit-concurrency")));
            }
            if (Boolean.parseBoolean(options.getOrDefault("encrypted", "false"))) {
                builder.encryption(KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM, AeadConfig2026.get()),
                        KeysetHandle.generateNew(PredefinedPrfParameters.HMAC_SHA256_PRF, PrfConfig2026.get()));
            }
            try (Earnings earnings = builder.build()) {
                String contenders = options.getOrDefault("contenders", "1,2,3,4,5");
                results.add(raw(target, workload, threads, earnings.calculator()));
                results.add(contenders.contains("2") ? naive(target, workload, threads, earnings.calculator())
                        : skipped("2 naive read-modify-write"));
                results.add(contenders.contains("3") ? sync(earnings, register(earnings, workload, "sync"), threads)
                        : skipped("3 logModelUsage"));
                int single = Math.min(workload.size(), Integer.parseInt(options.getOrDefault("single-thread-uses", "3000")));
                results.add(contenders.contains("3") && single > 0
                        ? rename(sync(earnings, register(earnings, workload.subList(0, single), "sync1"), 1),
                                "3 logModelUsage, 1 thread")
                        : skipped("3 logModelUsage, 1 thread"));
                results.add(contenders.contains("4") ? batch(earnings, register(earnings, workload, "batch"), threads)
                        : skipped("4 logModelUsageBatch"));
                AsyncRecorder.Options asyncOptions = AsyncRecorder.Options.builder()
                        .writers(Integer.parseInt(options.getOrDefault("async-writers", "4")))
                        .maxBatch(Integer.parseInt(options.getOrDefault("async-group", "500")))
                        .flushInterval(java.time.Duration.ofMillis(10)).build();
                results.add(contenders.contains("5") ? async(earnings, register(earnings, workload, "async"), threads, asyncOptions)
                        : skipped("5 AsyncRecorder"));
                IntegrityReport integrity = earnings.verifyIntegrity();
                drift = !integrity.isClean();
                if (report || drift) {
                    print(database, scenario + (report ? "" : " (warm-up round)"), results, integrity);
                }
            }
        }
        return drift;
    }

    private static List<Use> register(Earnings earnings, List<Use> workload, String prefix) {
        List<Use> mine = new ArrayList<>(workload.size());
        for (Use use : workload) {
            mine.add(new Use(use.index, prefix + "-" + use.modelId, use.userId, use.tokens, use.type, use.metadataJson));
        }
        mine.stream().map(Use::modelId).distinct()
                .forEach(m -> earnings.models().register(m, "creator-" + m.hashCode() % 50, ModelPricing.of("0.01", "0.0001")));
        return mine;
    }

    // ------------------------------------------------------------------ contenders

    private interface Share {
        void run(int thread, List<Long> latencies) throws Exception;
    }

    private static Measured parallel(String name, int uses, int threads, Share share, String note) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<List<Long>> latencies = new ArrayList<>();
        List<Future<?>> futures = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            List<Long> mine = new ArrayList<>();
            latencies.add(mine);
            int thread = t;
            futures.add(pool.submit(() -> {
                share.run(thread, mine);
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        long nanos = System.nanoTime() - start;
        pool.shutdown();
        return new Measured(name, uses, nanos, latencies.stream().flatMap(List::stream).mapToLong(Long::longValue).toArray(),
                note);
    }

    private static List<Use> shareOf(List<Use> workload, int thread, int threads) {
        List<Use> share = new ArrayList<>();
        for (int i = thread; i < workload.size(); i += threads) {
            share.add(workload.get(i));
        }
        return share;
    }

    /** (1) The same rows, computed the same way, inserted in JDBC batches: no aggregates, no rollups. */
    /**
     * A version 7 UUID (48 bits of Unix milliseconds, then random bits), as the library assigns
     * when the host gives no eventId; built here because benchmarks use the public API only.
     */
    static String timeOrderedUuid() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        long high = (System.currentTimeMillis() << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long low = 0x8000_0000_0000_0000L | (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL);
        return new UUID(high, low).toString();
    }

    private static Measured raw(Target target, List<Use> workload, int threads, EarningsCalculator calculator)
            throws Exception {
        ModelPricing pricing = ModelPricing.of("0.01", "0.0001");
        Instant now = Instant.now();
        return parallel("1 raw batched insert", workload.size(), threads, (t, latencies) -> {
            try (Connection c = target.dataSource.getConnection();
                    PreparedStatement insert = c.prepareStatement(target.sql(Target.INSERT_ROW.replace("{table}", "bench_raw_usage")))) {
                c.setAutoCommit(false);
                int inBatch = 0;
                long started = System.nanoTime();
                for (Use use : shareOf(workload, t, threads)) {
                    EarningsResult result = calculator.calculate(pricing, use.index, use.tokens, use.type, false);
                    Target.bindRow(insert, use, result, now, use.index + 1L);
                    insert.addBatch();
                    if (++inBatch == BATCH) {
                        insert.executeBatch();
                        c.commit();
                        latencies.add(System.nanoTime() - started);
                        inBatch = 0;
                        started = System.nanoTime();
                    }
                }
                if (inBatch > 0) {
                    insert.executeBatch();
                    c.commit();
                    latencies.add(System.nanoTime() - started);
                }
            }
        }, "ceiling: rows only");
    }

    /**
     * (2) Read the aggregate, compute, insert the row, write the aggregate back, upsert the daily
     * row: one transaction per use, no lock on the read. Under concurrency it loses updates, which
     * the note reports; it is here for its speed.
     */
    private static Measured naive(Target target, List<Use> workload, int threads, EarningsCalculator calculator)
            throws Exception {
        ModelPricing pricing = ModelPricing.of("0.01", "0.0001");
        try (Connection c = target.dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String model : workload.stream().map(Use::modelId).distinct().toArray(String[]::new)) {
                s.addBatch(target.sql("INSERT INTO {t}bench_naive_agg (model_id, counted_uses, lifetime_earnings)"
                        + " VALUES ('" + model + "', 0, 0)"));
            }
            s.executeBatch();
        }
        Measured measured = parallel("2 naive read-modify-write", workload.size(), threads, (t, latencies) -> {
            try (Connection c = target.dataSource.getConnection();
                    PreparedStatement read = c.prepareStatement(target.sql(
                            "SELECT counted_uses, lifetime_earnings FROM {t}bench_naive_agg WHERE model_id = ?"));
                    PreparedStatement insert = c.prepareStatement(target.sql(Target.INSERT_ROW.replace("{table}", "bench_naive_usage")));
                    PreparedStatement write = c.prepareStatement(target.sql(
                            "UPDATE {t}bench_naive_agg SET counted_uses = ?, lifetime_earnings = ? WHERE model_id = ?"));
                    PreparedStatement day = c.prepareStatement(target.sql("UPDATE {t}bench_naive_daily SET uses = uses + 1,"
                            + " earnings = earnings + ? WHERE model_id = ? AND usage_day = ?"));
                    PreparedStatement newDay = c.prepareStatement(target.sql("INSERT INTO {t}bench_naive_daily"
                            + " (model_id, usage_day, uses, earnings) VALUES (?, ?, 1, ?)"))) {
                c.setAutoCommit(false);
                for (Use use : shareOf(workload, t, threads)) {
                    long started = System.nanoTime();
                    for (int attempt = 0; ; attempt++) {
                        try {
                            read.setString(1, use.modelId);
                            long counted;
                            BigDecimal lifetime;
                            try (ResultSet rs = read.executeQuery()) {
                                rs.next();
                                counted = rs.getLong(1);
                                lifetime = rs.getBigDecimal(2);
                            }
                            EarningsResult result = calculator.calculate(pricing, counted, use.tokens, use.type, false);
                            Instant now = Instant.now();
                            Target.bindRow(insert, use, result, now, counted + 1);
                            insert.executeUpdate();
                            write.setLong(1, counted + 1);
                            write.setBigDecimal(2, lifetime.add(result.earnings().amount()));
                            write.setString(3, use.modelId);
                            write.executeUpdate();
                            LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
                            day.setBigDecimal(1, result.earnings().amount());
                            day.setString(2, use.modelId);
                            day.setObject(3, today);
                            if (day.executeUpdate() == 0) {
                                newDay.setString(1, use.modelId);
                                newDay.setObject(2, today);
                                newDay.setBigDecimal(3, result.earnings().amount());
                                newDay.executeUpdate();
                            }
                            c.commit();
                            break;
                        } catch (SQLException e) {
                            // A deadlock or serialization failure between two read-modify-writes:
                            // retry, as the original system's callers had to.
                            c.rollback();
                            if (attempt > 50) {
                                throw e;
                            }
                        }
                    }
                    latencies.add(System.nanoTime() - started);
                }
            }
        }, "");
        long lost;
        try (Connection c = target.dataSource.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(target.sql("SELECT (SELECT COUNT(*) FROM {t}bench_naive_usage)"
                        + " - (SELECT SUM(counted_uses) FROM {t}bench_naive_agg)"))) {
            rs.next();
            lost = rs.getLong(1);
        }
        return new Measured(measured.contender, measured.uses, measured.nanos, measured.latencies,
                "aggregate lost " + lost + " uses");
    }

    /** (3) The library, one transaction per use. */
    private static Measured sync(Earnings earnings, List<Use> workload, int threads) throws Exception {
        return parallel("3 logModelUsage", workload.size(), threads, (t, latencies) -> {
            for (Use use : shareOf(workload, t, threads)) {
                long started = System.nanoTime();
                earnings.logModelUsage(request(use));
                latencies.add(System.nanoTime() - started);
            }
        }, "");
    }

    private static Measured rename(Measured measured, String contender) {
        return new Measured(contender, measured.uses, measured.nanos, measured.latencies, measured.note);
    }

    /** (4) The library's batch call, batches of 500. */
    private static Measured batch(Earnings earnings, List<Use> workload, int threads) throws Exception {
        return parallel("4 logModelUsageBatch", workload.size(), threads, (t, latencies) -> {
            List<Use> share = shareOf(workload, t, threads);
            for (int from = 0; from < share.size(); from += BATCH) {
                List<UsageRequest> requests = new ArrayList<>();
                for (Use use : share.subList(from, Math.min(share.size(), from + BATCH))) {
                    requests.add(request(use));
                }
                long started = System.nanoTime();
                BatchResult result = earnings.logModelUsageBatch(requests);
                latencies.add(System.nanoTime() - started);
                if (result.recorded() != requests.size()) {
                    throw new IllegalStateException("batch recorded " + result.recorded() + " of " + requests.size());
                }
            }
        }, "batches of " + BATCH);
    }

    /** (5) The asynchronous recorder: latency from submit to durable commit. */
    private static Measured async(Earnings earnings, List<Use> workload, int threads, AsyncRecorder.Options options)
            throws Exception {
        AtomicLong peakHeap = new AtomicLong();
        Thread sampler = new Thread(() -> {
            Runtime runtime = Runtime.getRuntime();
            while (!Thread.currentThread().isInterrupted()) {
                peakHeap.accumulateAndGet(runtime.totalMemory() - runtime.freeMemory(), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        long[] latencies = new long[workload.size()];
        long start = System.nanoTime();
        try (AsyncRecorder recorder = earnings.asyncRecorder(options)) {
            List<CompletableFuture<RecordedUse>> futures = new ArrayList<>(workload.size());
            parallel("submit", workload.size(), threads, (t, ignored) -> {
                List<CompletableFuture<RecordedUse>> mine = new ArrayList<>();
                for (Use use : shareOf(workload, t, threads)) {
                    long submitted = System.nanoTime();
                    mine.add(recorder.submit(request(use)).whenComplete((r, e) -> latencies[use.index] = System.nanoTime() - submitted));
                }
                synchronized (futures) {
                    futures.addAll(mine);
                }
            }, "");
            CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.MINUTES);
        }
        long nanos = System.nanoTime() - start;
        sampler.interrupt();
        sampler.join();
        return new Measured("5 AsyncRecorder", workload.size(), nanos, latencies,
                "peak heap " + peakHeap.get() / (1024 * 1024) + " MiB");
    }

    private static Measured skipped(String name) {
        return new Measured(name, 1, Long.MAX_VALUE, new long[0], "not run (--contenders)");
    }

    private static UsageRequest request(Use use) {
        return UsageRequest.builder(use.userId, use.modelId).tokensConsumed(use.tokens).usageType(use.type)
                .metadataJson(use.metadataJson).build();
    }

    private static void print(String database, String scenario, List<Measured> results, IntegrityReport report) {
        Measured ceiling = results.get(0);
        Measured naive = results.get(1);
        System.out.printf("%n%s, %s%n", database.equals("h2") ? "H2 (embedded file)" : "PostgreSQL", scenario);
        System.out.printf("%-28s %10s %9s %9s %9s %9s  %s%n", "contender", "uses/s", "p50 ms", "p99 ms", "x raw", "x naive",
                "note");
        boolean naiveRan = naive.latencies.length > 0;
        for (Measured m : results) {
            System.out.printf(Locale.ROOT, "%-28s %,10.0f %9s %9s %9.2f %9s  %s%n", m.contender, m.perSecond(),
                    m.percentile(0.50), m.percentile(0.99), m.perSecond() / ceiling.perSecond(),
                    naiveRan ? String.format(Locale.ROOT, "%.2f", m.perSecond() / naive.perSecond()) : "-", m.note);
        }
        Measured sync = results.get(2);
        Measured batch = results.get(4);
        if (sync.latencies.length > 0 && batch.latencies.length > 0) {
            System.out.printf(Locale.ROOT, "logModelUsage / logModelUsageBatch: %.2f%n", sync.perSecond() / batch.perSecond());
        }
        System.out.printf("verifyIntegrity(): %,d uses of %,d models, %s%n", report.usesChecked(), report.modelsChecked(),
                report.isClean() ? "clean" : "DRIFT " + report.drifts());
    }

    /** A database for one run: a fresh schema (PostgreSQL) or a fresh file (H2). */
    static final class Target implements AutoCloseable {
        static final String INSERT_ROW = "INSERT INTO {t}{table} (event_id, model_id, creator_id, user_id, tokens_consumed,"
                + " usage_type, requested_usage_type, occurred_at, occurred_at_given, usage_day, recorded_at, use_ordinal,"
                + " prior_counted_uses, self_use, tier_index, tier_threshold, tier_multiplier, type_multiplier,"
                + " pricing_version, token_part, base_amount, earnings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                + " ?, ?, ?, ?, ?, ?, ?)";

        /** The benchmark's own pool, for its tables and direct writes; the library's migrations too. */
        final HikariDataSource dataSource;
        /** The pool the library runs on: a runtime role of its own when one is given, else {@link #dataSource}. */
        final HikariDataSource runtime;
        final String schema;
        final boolean postgres;
        private final java.nio.file.Path directory;

        private Target(HikariDataSource dataSource, HikariDataSource runtime, String schema, boolean postgres,
                java.nio.file.Path directory) {
            this.dataSource = dataSource;
            this.runtime = runtime;
            this.schema = schema;
            this.postgres = postgres;
            this.directory = directory;
        }

        /**
         * A fresh schema. With a runtime user (which must have the README's default privileges from
         * {@code user}) the library runs as it, filtered by row-level security, and migrates as
         * {@code user}; without one it runs as {@code user}, which on a test database is usually
         * a superuser that the policies do not filter.
         */
        static Target postgres(String url, String user, String password, String runtimeUser, String runtimePassword,
                String purpose) {
            String schema = "bench_" + purpose + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
            HikariDataSource owner = pool(url, user, password);
            return new Target(owner, runtimeUser == null ? owner : pool(url, runtimeUser, runtimePassword), schema, true,
                    null);
        }

        private static HikariDataSource pool(String url, String user, String password) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url + (url.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true");
            config.setUsername(user);
            config.setPassword(password);
            config.setMaximumPoolSize(16);
            return new HikariDataSource(config);
        }

        static Target h2(String purpose) {
            try {
                java.nio.file.Path directory = java.nio.file.Files.createTempDirectory("earnings-bench-" + purpose);
                HikariConfig config = new HikariConfig();
                config.setJdbcUrl("jdbc:h2:file:" + directory.resolve("db") + ";LOCK_TIMEOUT=10000;MAX_MEMORY_ROWS=10000");
                config.setUsername("sa");
                config.setPassword("");
                config.setMaximumPoolSize(16);
                HikariDataSource pool = new HikariDataSource(config);
                return new Target(pool, pool, "bench", false, directory);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }

        Earnings.Builder builder() {
            Earnings.Builder builder = Earnings.builder().dataSource(runtime).schema(schema).maximumPoolSize(16);
            // Without a runtime role of its own the library runs as the benchmark's login, knowingly.
            return runtime == dataSource ? builder.requireRowLevelSecurity(false) : builder.migrationDataSource(dataSource);
        }

        Earnings.Builder builder(Clock clock) {
            return builder().clock(clock);
        }

        String sql(String sql) {
            return sql.replace("{t}", "\"" + schema + "\".");
        }

        void createBenchTables() throws SQLException {
            String columns = " (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, event_id VARCHAR(512) NOT NULL UNIQUE,"
                    + " model_id VARCHAR(512) NOT NULL, creator_id VARCHAR(512) NOT NULL, user_id VARCHAR(512) NOT NULL,"
                    + " tokens_consumed BIGINT NOT NULL, usage_type VARCHAR(64) NOT NULL, requested_usage_type VARCHAR(512) NOT NULL,"
                    + " occurred_at TIMESTAMP WITH TIME ZONE NOT NULL, occurred_at_given BOOLEAN NOT NULL, usage_day DATE NOT NULL,"
                    + " recorded_at TIMESTAMP WITH TIME ZONE NOT NULL, use_ordinal BIGINT, prior_counted_uses BIGINT NOT NULL,"
                    + " self_use BOOLEAN NOT NULL, tier_index INTEGER NOT NULL, tier_threshold BIGINT NOT NULL,"
                    + " tier_multiplier NUMERIC(15, 12) NOT NULL, type_multiplier NUMERIC(15, 12) NOT NULL,"
                    + " pricing_version INTEGER NOT NULL, token_part NUMERIC(38, 12) NOT NULL, base_amount NUMERIC(38, 12) NOT NULL,"
                    + " earnings NUMERIC(38, 12) NOT NULL";
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"");
                for (String table : List.of("bench_raw_usage", "bench_naive_usage")) {
                    // The naive path, like the system it imitates, has no constraint that would catch
                    // two uses given the same ordinal; the ceiling has every constraint the library has.
                    s.execute(sql("CREATE TABLE {t}" + table + columns
                            + (table.equals("bench_raw_usage") ? ", UNIQUE (model_id, use_ordinal))" : ")")));
                    s.execute(sql("CREATE INDEX " + table + "_creator ON {t}" + table + " (creator_id, occurred_at, id)"));
                    s.execute(sql("CREATE INDEX " + table + "_model ON {t}" + table + " (model_id, occurred_at, id)"));
                }
                s.execute(sql("CREATE TABLE {t}bench_naive_agg (model_id VARCHAR(512) PRIMARY KEY, counted_uses BIGINT NOT NULL,"
                        + " lifetime_earnings NUMERIC(38, 12) NOT NULL)"));
                s.execute(sql("CREATE TABLE {t}bench_naive_daily (model_id VARCHAR(512) NOT NULL, usage_day DATE NOT NULL,"
                        + " uses BIGINT NOT NULL, earnings NUMERIC(38, 12) NOT NULL, PRIMARY KEY (model_id, usage_day))"));
            }
        }

        static void bindRow(PreparedStatement insert, Use use, EarningsResult result, Instant at, long ordinal)
                throws SQLException {
            OffsetDateTime time = OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
            // The same kind of eventId the library assigns, so the ceiling is the same rows.
            insert.setString(1, timeOrderedUuid());
            insert.setString(2, use.modelId);
            insert.setString(3, "creator-" + use.modelId.hashCode() % 50);
            insert.setString(4, use.userId);
            insert.setLong(5, use.tokens);
            insert.setString(6, use.type);
            insert.setString(7, use.type);
            insert.setObject(8, time);
            insert.setBoolean(9, false);
            insert.setObject(10, time.toLocalDate());
            insert.setObject(11, time);
            insert.setLong(12, ordinal);
            insert.setLong(13, ordinal - 1);
            insert.setBoolean(14, false);
            insert.setInt(15, result.tier().index());
            insert.setLong(16, result.tier().fromPriorUses());
            insert.setBigDecimal(17, result.tier().multiplier());
            insert.setBigDecimal(18, result.usageType().multiplier());
            insert.setInt(19, 1);
            insert.setBigDecimal(20, result.tokenPart().amount());
            insert.setBigDecimal(21, result.base().amount());
            insert.setBigDecimal(22, result.earnings().amount());
        }

        @Override
        public void close() throws SQLException, java.io.IOException {
            try {
                if (postgres) {
                    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                        s.execute("DROP SCHEMA \"" + schema + "\" CASCADE");
                    }
                }
            } finally {
                dataSource.close();
                if (runtime != dataSource) {
                    runtime.close();
                }
                if (directory != null) {
                    try (var files = java.nio.file.Files.walk(directory)) {
                        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
            }
        }
    }

    /** {@code --name=value} options. */
    static final class Options {
        private Options() {
        }

        /** The options of the ingestion part; the suite takes them too. */
        static final List<String> INGESTION = List.of("uses", "threads", "databases", "scenarios", "contenders",
                "async-writers", "async-group", "warmup-uses", "single-thread-uses", "group-commit-concurrency", "metadata",
                "encrypted");
        /** Where PostgreSQL is; every benchmark takes them. */
        static final List<String> POSTGRES = List.of("pg-url", "pg-user", "pg-password", "pg-runtime-user",
                "pg-runtime-password");

        /**
         * Reads {@code --name=value} arguments, refusing any name not in {@code known}, so that a
         * misspelt option stops the run instead of being ignored.
         */
        @SafeVarargs
        static Map<String, String> parse(String[] args, List<String>... known) {
            List<String> names = new ArrayList<>(POSTGRES);
            for (List<String> k : known) {
                names.addAll(k);
            }
            Map<String, String> options = new LinkedHashMap<>();
            for (String arg : args) {
                if (!arg.startsWith("--") || !arg.contains("=")) {
                    throw new IllegalArgumentException("options look like --uses=20000, not " + arg);
                }
                String name = arg.substring(2, arg.indexOf('='));
                if (!names.contains(name)) {
                    throw new IllegalArgumentException("unknown option --" + name + "; allowed: --"
                            + String.join(", --", names));
                }
                options.put(name, arg.substring(arg.indexOf('=') + 1));
            }
            return options;
        }
    }
}
