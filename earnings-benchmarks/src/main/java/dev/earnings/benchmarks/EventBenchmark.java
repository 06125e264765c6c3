package dev.earnings.benchmarks;

import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.EventConsumer;
import dev.earnings.jdbc.UsageRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The events outbox: what writing an event per use costs recording, and how fast consumers hand
 * events over, with one instance and with several.
 *
 * <p>It records {@code --events} uses in batches of 1,000 twice, on models of their own, once
 * without use events and once with them, and reports both rates. Then, for each count in
 * {@code --instances}, it starts that many instances of a new consumer (from the beginning, each in
 * its own thread, batches of {@code --batch}) with a handler that only counts, and reports the time
 * until every event was handed over and the events per second.
 *
 * <p>Run: {@code java -cp earnings-benchmarks/target/benchmarks.jar dev.earnings.benchmarks.EventBenchmark
 * --events=100000 --instances=1,3 --database=postgresql}.
 */
public final class EventBenchmark {
    private EventBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = IngestionBenchmark.Options.parse(args, List.of("events", "instances", "database",
                "batch", "creators"));
        int events = Integer.parseInt(options.getOrDefault("events", "100000"));
        int batch = Integer.parseInt(options.getOrDefault("batch", "100"));
        int creators = Integer.parseInt(options.getOrDefault("creators", "200"));
        String database = options.getOrDefault("database", "postgresql");
        System.out.printf("Events: %,d uses, %d creators, %s, consumer batches of %d, Java %s%n", events, creators, database,
                batch, System.getProperty("java.version"));
        try (IngestionBenchmark.Target target = IngestionBenchmark.open(database, options, "events");
                Earnings plain = target.builder().build();
                Earnings publishing = target.builder().migrateOnStart(false).useRecordedEvents(true).build()) {
            double without = record(plain, "plain", events, creators);
            double with = record(publishing, "events", events, creators);
            System.out.printf("recording in batches of 1,000: %,.0f uses/s without use events, %,.0f uses/s with them"
                    + " (%.2fx)%n", without, with, with / without);
            for (String n : options.getOrDefault("instances", "1,3").split(",")) {
                int instances = Integer.parseInt(n.strip());
                LongAdder handled = new LongAdder();
                List<EventConsumer> running = new ArrayList<>();
                long started = System.nanoTime();
                String name = "bench-" + instances + "-" + System.nanoTime();
                for (int i = 0; i < instances; i++) {
                    running.add(publishing.events().consumer(name, e -> handled.increment())
                            .startFrom(EventConsumer.Start.BEGINNING).batchSize(batch).pollInterval(Duration.ofMillis(5))
                            .start());
                }
                while (publishing.events().status(name).orElseThrow().pending() > 0) {
                    Thread.sleep(20);
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                running.forEach(EventConsumer::close);
                System.out.printf("%d consumer instance(s): %,d events handed over in %.2f s, %,.0f events/s%n", instances,
                        handled.sum(), seconds, handled.sum() / seconds);
                publishing.events().removeConsumer(name);
            }
        }
    }

    /** Records {@code count} uses on models of their own, in batches of 1,000; returns uses per second. */
    private static double record(Earnings earnings, String prefix, int count, int creators) {
        for (int c = 0; c < creators; c++) {
            earnings.models().register(prefix + "-m" + c, prefix + "-c" + c, ModelPricing.of("0.01", "0.0001"));
        }
        long started = System.nanoTime();
        for (int from = 0; from < count; from += 1_000) {
            List<UsageRequest> requests = new ArrayList<>();
            for (int i = from; i < Math.min(count, from + 1_000); i++) {
                requests.add(UsageRequest.builder("u" + i % 5_000, prefix + "-m" + i % creators).tokensConsumed(i % 700)
                        .usageType("chat").build());
            }
            if (earnings.logModelUsageBatch(requests).rejected() > 0) {
                throw new IllegalStateException("a use was rejected");
            }
        }
        return count / ((System.nanoTime() - started) / 1e9);
    }
}
