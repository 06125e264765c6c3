package dev.earnings.jdbc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A separate application instance for the multi-process test: records its share of uses of one
 * model with its own library instance and connection pool, then exits 0.
 *
 * <p>Arguments: jdbcUrl user password schema modelId worker workers total threads. Worker
 * {@code w} of {@code n} records the uses with index {@code i} where {@code i % n == w}.
 */
public final class UsageWorker {
    private UsageWorker() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1];
        String password = args[2];
        String schema = args[3];
        String modelId = args[4];
        int worker = Integer.parseInt(args[5]);
        int workers = Integer.parseInt(args[6]);
        int total = Integer.parseInt(args[7]);
        int threads = Integer.parseInt(args[8]);
        String[] types = {"image_generation", "chat", "other"};
        AtomicInteger next = new AtomicInteger(worker);
        try (Earnings earnings = Earnings.builder().jdbcUrl(url, user, password).schema(schema)
                .maximumPoolSize(threads).migrateOnStart(false).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = next.getAndAdd(workers); i < total; i = next.getAndAdd(workers)) {
                        earnings.logModelUsage(UsageRequest.builder("user-" + (i % 97), modelId)
                                .tokensConsumed((i * 7919L) % 3001).usageType(types[i % 3])
                                .eventId(modelId + "-" + i).build());
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(10, TimeUnit.MINUTES);
            }
            pool.shutdown();
        }
        System.out.println("worker " + worker + " done");
    }
}
