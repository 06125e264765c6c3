package dev.earnings.benchmarks;

import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.BatchResult;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.CreatorDashboard;
import dev.earnings.jdbc.DashboardQuery;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.IntegrityReport;
import dev.earnings.jdbc.ReportPeriod;
import dev.earnings.jdbc.UsageRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * What metrics and tracing cost: the same calls through four instances of the library on one
 * database, one without either, one with Micrometer (a {@link SimpleMeterRegistry}), one with
 * OpenTelemetry (the SDK, every span sampled, a batch processor handing spans to an exporter that
 * drops them, so that the export is not measured, only the instrumentation), and one with both.
 *
 * <p>The phases, each run by every instance in turn for {@code --seconds}: synchronous
 * {@code logModelUsage} on {@code --threads} threads and on one thread, {@code logModelUsageBatch}
 * of {@code --batch} uses on {@code --threads} threads, the creator dashboard on one thread, and
 * the instrumentation alone: batches of no uses, which reach no database, in a tight loop.
 * The instances take turns within each round, in an order rotated by one every round, so that a
 * slow moment of the machine or the growth of the shared tables falls on each of them alike; every
 * instance writes to models of its own in the same tables. A first round of
 * {@code --warmup-seconds} a phase is not reported. Throughput is the median of the rounds; the
 * overhead is the median of each round's ratio to the instance without either (paired, so that
 * drift between rounds cancels); p50 is the median of the rounds' p50, p99 that of the calls of
 * every round together. On one thread the calling thread's CPU time and allocated bytes per call
 * are reported as well (medians of the rounds): the caller runs its own write there, so the
 * instrumentation's extra work shows in them without the wait for the database's disk. The
 * dashboards read creators of models of their own, whose {@code --read-uses} uses are written
 * before the first round, so that each call reads as much as the last.
 *
 * <p>At the end each registry's {@code earnings.uses.recorded} and each tracer's count of ended
 * spans are compared with the calls made, so a run in which the instrumentation was not on reports
 * it (and exits with status 2); spans the batch processor dropped are reported apart. Then
 * {@code verifyIntegrity()} runs over every use.
 *
 * <p>Run: {@code java -cp earnings-benchmarks/target/benchmarks.jar dev.earnings.benchmarks.ObservabilityBenchmark}
 * with options {@code --databases=h2,postgresql --threads=8 --seconds=5 --warmup-seconds=2 --rounds=4
 * --batch=500 --models=1000 --read-uses=50000 --setups=none,metrics,tracing,both}. With JDBI's OpenTelemetry plugin
 * ({@code org.jdbi:jdbi3-opentelemetry}) added to the class path, every SQL statement is a span too.
 */
public final class ObservabilityBenchmark {
    /** The options; every benchmark also takes the PostgreSQL ones. */
    static final List<String> OPTIONS = List.of("databases", "threads", "seconds", "warmup-seconds", "rounds", "batch",
            "models", "read-uses", "setups");
    private static final String[] TYPES = {"image_generation", "chat", "other"};
    private static final int CREATORS = 50;
    private static final int USERS = 5000;

    private ObservabilityBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (!run(IngestionBenchmark.Options.parse(args, OPTIONS))) {
            System.out.println("FAILED: see above");
            System.exit(2);
        }
    }

    /**
     * Runs every phase on every database.
     *
     * @return whether every instance's meters and spans counted every call, and {@code verifyIntegrity()} was clean
     */
    static boolean run(Map<String, String> options) throws Exception {
        List<String> databases = Arrays.asList(options.getOrDefault("databases", "h2,postgresql").split(","));
        int threads = Integer.parseInt(options.getOrDefault("threads", "8"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "4"));
        double seconds = Double.parseDouble(options.getOrDefault("seconds", "5"));
        System.out.printf("Observability benchmark: %d client threads, %d rounds of %s s a phase and instance, Java %s,"
                + " %d cores%n", threads, rounds, options.getOrDefault("seconds", "5"), System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        System.out.println("(a warm-up round of every phase and instance runs first and is not reported)");
        System.out.printf("JDBI's OpenTelemetry plugin (a span per statement): %s%n",
                onClassPath("org.jdbi.v3.opentelemetry.JdbiOpenTelemetryPlugin") ? "on the class path" : "absent");
        boolean ok = true;
        for (String database : databases) {
            ok &= run(database, threads, rounds, seconds, options);
        }
        return ok;
    }

    private static boolean onClassPath(String name) {
        try {
            Class.forName(name, false, ObservabilityBenchmark.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ the four instances

    /** An exporter that counts the spans handed to it and keeps none. */
    static final class DroppingExporter implements SpanExporter {
        final LongAdder spans = new LongAdder();

        @Override
        public CompletableResultCode export(Collection<SpanData> batch) {
            spans.add(batch.size());
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }

    /**
     * Counts the spans that end, before the batch processor, which drops spans when its queue is
     * full: so that a span dropped is told apart from a call that made none.
     */
    static final class EndCounter implements SpanProcessor {
        final LongAdder ended = new LongAdder();

        @Override
        public void onStart(Context parentContext, ReadWriteSpan span) {
        }

        @Override
        public boolean isStartRequired() {
            return false;
        }

        @Override
        public void onEnd(ReadableSpan span) {
            ended.increment();
        }

        @Override
        public boolean isEndRequired() {
            return true;
        }
    }

    /** One configuration of the library, its own models, and what it was asked to do. */
    static final class Instance implements AutoCloseable {
        final String name;
        final Earnings earnings;
        final @Nullable MeterRegistry registry;
        final @Nullable OpenTelemetrySdk sdk;
        final @Nullable DroppingExporter exporter;
        final @Nullable EndCounter ends;
        final AtomicLong next = new AtomicLong();
        /** Uses written through this instance, and the calls that should each have made one span. */
        final LongAdder recorded = new LongAdder();
        final LongAdder spanningCalls = new LongAdder();

        Instance(String name, IngestionBenchmark.Target target, boolean migrate) {
            this.name = name;
            boolean metrics = name.equals("metrics") || name.equals("both");
            boolean tracing = name.equals("tracing") || name.equals("both");
            if (!metrics && !tracing && !name.equals("none")) {
                throw new IllegalArgumentException("unknown setup " + name + "; allowed: none, metrics, tracing, both");
            }
            Earnings.Builder builder = target.builder().migrateOnStart(migrate);
            registry = metrics ? new SimpleMeterRegistry() : null;
            if (registry != null) {
                builder.meterRegistry(registry);
            }
            if (tracing) {
                exporter = new DroppingExporter();
                // A queue of 65,536 spans instead of 2,048: calls of microseconds in a tight loop
                // outrun the exporting thread on a busy machine, and a full queue drops spans,
                // which costs less than keeping them. The queue's size does not change what
                // adding a span to it costs.
                ends = new EndCounter();
                sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(ends)
                        .addSpanProcessor(BatchSpanProcessor.builder(exporter).setMaxQueueSize(1 << 16).build()).build())
                        .build();
                builder.openTelemetry(sdk);
            } else {
                exporter = null;
                ends = null;
                sdk = null;
            }
            earnings = builder.build();
        }

        String model(long i, int models) {
            return name + "-m" + (i * 7919) % models;
        }

        UsageRequest request(int models) {
            long i = next.getAndIncrement();
            return UsageRequest.builder("u" + i % USERS, model(i, models)).tokensConsumed((i * 31) % 2000)
                    .usageType(TYPES[(int) (i % 3)]).build();
        }

        /** Whether the meters and spans counted what this instance did; prints what they counted. */
        boolean check() {
            boolean ok = true;
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-8s %,d uses written", name,
                    recorded.sum()));
            if (registry != null) {
                Counter counter = registry.find("earnings.uses.recorded").counter();
                long counted = counter == null ? 0 : (long) counter.count();
                line.append(String.format(Locale.ROOT, "; earnings.uses.recorded %,d", counted));
                ok &= counted == recorded.sum();
            }
            if (sdk != null && exporter != null && ends != null) {
                sdk.getSdkTracerProvider().forceFlush().join(30, TimeUnit.SECONDS);
                // Dashboards and batches make one span a call, as does every synchronous use.
                line.append(String.format(Locale.ROOT, "; spans ended %,d of %,d calls, %,d exported", ends.ended.sum(),
                        spanningCalls.sum(), exporter.spans.sum()));
                if (exporter.spans.sum() < ends.ended.sum()) {
                    line.append(" (the batch processor dropped the rest: its queue was full)");
                }
                ok &= ends.ended.sum() >= spanningCalls.sum();
            }
            System.out.println(line + (ok ? "" : "  MISSING: the instrumentation did not see every call"));
            return ok;
        }

        @Override
        public void close() {
            earnings.close();
            if (sdk != null) {
                sdk.close();
            }
            if (registry != null) {
                registry.close();
            }
        }
    }

    // ------------------------------------------------------------------ phases

    /** One timed call; returns the uses it wrote (0 for a read). */
    private interface Call {
        int run();
    }

    /** Prepares a thread's next call, outside the timing. */
    private interface Calls {
        Call next(Instance instance);
    }

    /**
     * One kind of call.
     *
     * @param latencies whether to keep each call's latency: not for the calls of microseconds,
     *     millions of which would fill the heap, and whose cost per call is the rate's inverse
     */
    private record Phase(String name, int threads, String unit, boolean latencies, Calls calls) {
    }

    /** What one instance measured in one phase of one round. */
    private record Sample(long units, long nanos, long[] latencies, long cpuNanos, long allocatedBytes, long calls) {
        double perSecond() {
            return units * 1e9 / nanos;
        }
    }

    private static boolean run(String database, int threads, int rounds, double seconds, Map<String, String> options)
            throws Exception {
        int batch = Integer.parseInt(options.getOrDefault("batch", "500"));
        int models = Integer.parseInt(options.getOrDefault("models", "1000"));
        // Fewer models than creators would leave creators with nothing to show.
        int creators = Math.min(CREATORS, models);
        double warmupSeconds = Double.parseDouble(options.getOrDefault("warmup-seconds", "2"));
        int readUses = Integer.parseInt(options.getOrDefault("read-uses", "50000"));
        List<String> setups = Arrays.asList(options.getOrDefault("setups", "none,metrics,tracing,both").split(","));
        String label = database.equals("h2") ? "H2 (embedded file)" : "PostgreSQL";
        try (IngestionBenchmark.Target target = IngestionBenchmark.open(database, options, "observe")) {
            List<Instance> instances = new ArrayList<>();
            try {
                for (String setup : setups) {
                    Instance instance = new Instance(setup.strip(), target, instances.isEmpty());
                    instances.add(instance);
                    for (int m = 0; m < models; m++) {
                        instance.earnings.models().register(instance.name + "-m" + m, instance.name + "-c" + m % creators,
                                ModelPricing.of("0.01", "0.0001"));
                    }
                }
                // Every instance reads the same creators' dashboards, over uses written once here:
                // dashboards of the creators being recorded to would cost more each round (their
                // unique users grow), and the instances would read different amounts of data.
                String creatorPrefix = "read-c";
                Earnings loader = instances.get(0).earnings;
                for (int m = 0; m < models; m++) {
                    loader.models().register("read-m" + m, creatorPrefix + m % creators, ModelPricing.of("0.01", "0.0001"));
                }
                for (int from = 0; from < readUses; from += 1_000) {
                    List<UsageRequest> requests = new ArrayList<>();
                    for (int i = from; i < Math.min(readUses, from + 1_000); i++) {
                        requests.add(UsageRequest.builder("u" + i % USERS, "read-m" + (i * 7919L) % models)
                                .tokensConsumed((i * 31L) % 2000).usageType(TYPES[i % 3]).build());
                    }
                    instances.get(0).recorded.add(loader.logModelUsageBatch(requests).recorded());
                    instances.get(0).spanningCalls.increment();
                }
                DashboardQuery query = DashboardQuery.of(ReportPeriod.lastDays(30));
                AtomicLong dashboards = new AtomicLong();
                List<Phase> phases = List.of(
                        new Phase("logModelUsage, " + threads + " threads", threads, "uses/s", true, in -> {
                            UsageRequest request = in.request(models);
                            return () -> {
                                in.earnings.logModelUsage(request);
                                return 1;
                            };
                        }),
                        new Phase("logModelUsage, 1 thread", 1, "uses/s", true, in -> {
                            UsageRequest request = in.request(models);
                            return () -> {
                                in.earnings.logModelUsage(request);
                                return 1;
                            };
                        }),
                        new Phase("logModelUsageBatch of " + batch + ", " + threads + " threads", threads, "uses/s", true, in -> {
                            List<UsageRequest> requests = new ArrayList<>(batch);
                            for (int i = 0; i < batch; i++) {
                                requests.add(in.request(models));
                            }
                            return () -> {
                                BatchResult result = in.earnings.logModelUsageBatch(requests);
                                if (result.recorded() != requests.size()) {
                                    throw new IllegalStateException("batch recorded " + result.recorded() + " of " + batch);
                                }
                                return batch;
                            };
                        }),
                        new Phase("creatorDashboard, last 30 days, 1 thread", 1, "calls/s", true, in -> {
                            String creator = creatorPrefix + dashboards.getAndIncrement() % creators;
                            Caller caller = Caller.creator(creator);
                            return () -> {
                                CreatorDashboard d = in.earnings.analytics().creatorDashboard(caller, creator, query);
                                if (d.uses() == 0) {
                                    throw new IllegalStateException("an empty dashboard measures nothing");
                                }
                                return 1;
                            };
                        }),
                        // A batch of no uses asks nothing of the database: the call's span and
                        // meters are all that happens beyond a few checks, so the differences
                        // between the instances are the instrumentation's own cost.
                        new Phase("instrumentation alone: logModelUsageBatch of no uses, 1 thread", 1, "calls/s", false,
                                in -> () -> {
                                    in.earnings.logModelUsageBatch(List.of());
                                    return 1;
                                }));
                Map<String, List<Sample>> samples = new LinkedHashMap<>();
                for (int round = -1; round < rounds; round++) {
                    boolean warmup = round < 0;
                    for (Phase phase : phases) {
                        for (int turn = 0; turn < instances.size(); turn++) {
                            Instance instance = instances.get((turn + Math.max(0, round)) % instances.size());
                            Sample sample = timed(instance, phase, warmup ? warmupSeconds : seconds);
                            if (!phase.unit.equals("calls/s")) {
                                instance.recorded.add(sample.units);
                            }
                            instance.spanningCalls.add(sample.calls);
                            if (!warmup) {
                                samples.computeIfAbsent(phase.name + "/" + instance.name, k -> new ArrayList<>()).add(sample);
                            }
                        }
                    }
                    System.out.printf("%s: %s done%n", label, warmup ? "warm-up round" : "round " + (round + 1) + " of " + rounds);
                }
                print(label, phases, instances, samples);
                boolean ok = true;
                for (Instance instance : instances) {
                    ok &= instance.check();
                }
                long started = System.nanoTime();
                IntegrityReport integrity = instances.get(0).earnings.verifyIntegrity();
                System.out.printf(Locale.ROOT, "verifyIntegrity(): %,d uses of %,d models in %.0f s, %s%n",
                        integrity.usesChecked(), integrity.modelsChecked(), (System.nanoTime() - started) / 1e9,
                        integrity.isClean() ? "clean" : "DRIFT " + integrity.drifts());
                return ok && integrity.isClean();
            } finally {
                for (Instance instance : instances) {
                    instance.close();
                }
            }
        }
    }

    /** One thread's latencies and count of calls. */
    private record Timed(long[] latencies, long calls) {
    }

    /** Runs a phase's calls on its threads until the time is up; every thread finishes its call under way. */
    private static Sample timed(Instance instance, Phase phase, double seconds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(phase.threads);
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        List<Future<Timed>> futures = new ArrayList<>();
        LongAdder units = new LongAdder();
        long[] cost = new long[2];
        try {
            for (int t = 0; t < phase.threads; t++) {
                futures.add(pool.submit(() -> {
                    long[] latencies = new long[1024];
                    int n = 0;
                    long calls = 0;
                    long cpu = bean.getCurrentThreadCpuTime();
                    long allocated = bean.getCurrentThreadAllocatedBytes();
                    while (System.nanoTime() < deadline) {
                        Call call = phase.calls.next(instance);
                        long started = System.nanoTime();
                        int written = call.run();
                        long took = System.nanoTime() - started;
                        units.add(phase.unit.equals("calls/s") ? 1 : written);
                        if (phase.latencies) {
                            if (n == latencies.length) {
                                latencies = Arrays.copyOf(latencies, n * 2);
                            }
                            latencies[n++] = took;
                        }
                        calls++;
                    }
                    if (phase.threads == 1) {
                        cost[0] = bean.getCurrentThreadCpuTime() - cpu;
                        cost[1] = bean.getCurrentThreadAllocatedBytes() - allocated;
                    }
                    return new Timed(Arrays.copyOf(latencies, n), calls);
                }));
            }
            List<Timed> all = new ArrayList<>();
            for (Future<Timed> f : futures) {
                all.add(f.get());
            }
            long nanos = System.nanoTime() - start;
            long[] latencies = all.stream().flatMapToLong(t -> Arrays.stream(t.latencies)).toArray();
            return new Sample(units.sum(), nanos, latencies, phase.threads == 1 ? cost[0] : -1,
                    phase.threads == 1 ? cost[1] : -1, all.stream().mapToLong(Timed::calls).sum());
        } finally {
            pool.shutdown();
        }
    }

    // ------------------------------------------------------------------ report

    private static void print(String label, List<Phase> phases, List<Instance> instances, Map<String, List<Sample>> samples) {
        String baseline = instances.get(0).name;
        for (Phase phase : phases) {
            System.out.printf("%n%s, %s%n", label, phase.name);
            System.out.printf("%-8s %10s %19s %16s %18s %8s %8s %11s %11s %9s%n", "setup", phase.unit, "range of rounds",
                    "vs " + baseline, "range", "p50 ms", "p99 ms", "calls", "CPU us/call", "KiB/call");
            List<Sample> base = samples.get(phase.name + "/" + baseline);
            for (Instance instance : instances) {
                List<Sample> mine = samples.get(phase.name + "/" + instance.name);
                double[] rates = mine.stream().mapToDouble(Sample::perSecond).sorted().toArray();
                // Paired by round: each round's ratio to the baseline's figure of the same round.
                double[] ratios = new double[mine.size()];
                for (int r = 0; r < mine.size(); r++) {
                    ratios[r] = mine.get(r).perSecond() / base.get(r).perSecond() - 1;
                }
                Arrays.sort(ratios);
                long[] latencies = mine.stream().flatMapToLong(s -> Arrays.stream(s.latencies)).sorted().toArray();
                long calls = mine.stream().mapToLong(Sample::calls).sum();
                // Medians of the rounds, each round weighing the same however many calls it made.
                double p50 = median(mine.stream().mapToDouble(s -> percentile(s.latencies, 0.50)).sorted().toArray());
                double cpu = median(mine.stream().mapToDouble(s -> (double) s.cpuNanos / s.calls).sorted().toArray());
                double allocated = median(mine.stream().mapToDouble(s -> (double) s.allocatedBytes / s.calls).sorted()
                        .toArray());
                boolean own = instance.name.equals(baseline);
                System.out.printf(Locale.ROOT, "%-8s %,10.0f %19s %16s %18s %8s %8s %,11d %11s %9s%n", instance.name,
                        median(rates), String.format(Locale.ROOT, "%,.0f-%,.0f", rates[0], rates[rates.length - 1]),
                        own ? "-" : String.format(Locale.ROOT, "%+.1f%%", median(ratios) * 100),
                        own ? "-" : String.format(Locale.ROOT, "%+.1f%% to %+.1f%%", ratios[0] * 100,
                                ratios[ratios.length - 1] * 100),
                        latencies.length == 0 ? "-" : String.format(Locale.ROOT, "%.2f", p50 / 1e6),
                        latencies.length == 0 ? "-" : String.format(Locale.ROOT, "%.2f", percentile(latencies, 0.99) / 1e6),
                        calls, cpu < 0 ? "-" : String.format(Locale.ROOT, "%.2f", cpu / 1e3),
                        allocated < 0 ? "-" : String.format(Locale.ROOT, "%.2f", allocated / 1024));
            }
        }
        System.out.println();
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** A percentile of latencies, sorted or not; 0 for none. */
    private static long percentile(long[] latencies, double p) {
        if (latencies.length == 0) {
            return 0;
        }
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }
}
