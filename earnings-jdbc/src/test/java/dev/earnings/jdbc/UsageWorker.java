package dev.earnings.jdbc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A separate application instance for the multi-process test: records its share of uses of one
 * model with its own library instance and connection pool, then exits 0.
 *
 * <p>Arguments: jdbcUrl user password schema modelId worker workers total threads mode. Worker
 * {@code w} of {@code n} records the uses with index {@code i} where {@code i % n == w}, one at a
 * time ({@code sync}), in batches of 40 ({@code batch}) or through the asynchronous recorder
 * ({@code async}).
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
        String mode = args[9];
        String[] types = {"image_generation", "chat", "other"};
        AtomicInteger next = new AtomicInteger(worker);
        try (Earnings earnings = Earnings.builder().jdbcUrl(url, user, password).schema(schema)
                .maximumPoolSize(threads).migrateOnStart(false).build()) {
            AsyncRecorder recorder = mode.equals("async") ? earnings.asyncRecorder(AsyncRecorder.Options.defaults()) : null;
            List<CompletableFuture<RecordedUse>> pending = new CopyOnWriteArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    List<UsageRequest> batch = new ArrayList<>();
                    for (int i = next.getAndAdd(workers); i < total; i = next.getAndAdd(workers)) {
                        UsageRequest request = UsageRequest.builder("user-" + (i % 97), modelId)
                                .tokensConsumed((i * 7919L) % 3001).usageType(types[i % 3])
                                .eventId(modelId + "-" + i).build();
                        if (mode.equals("sync")) {
                            earnings.logModelUsage(request);
                        } else if (mode.equals("async")) {
                            pending.add(recorder.submit(request));
                        } else {
                            batch.add(request);
                            if (batch.size() == 40) {
                                requireAllRecorded(earnings.logModelUsageBatch(batch));
                                batch.clear();
                            }
                        }
                    }
                    if (!batch.isEmpty()) {
                        requireAllRecorded(earnings.logModelUsageBatch(batch));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(10, TimeUnit.MINUTES);
            }
            pool.shutdown();
            if (recorder != null) {
                recorder.close();
                for (CompletableFuture<RecordedUse> f : pending) {
                    f.get();
                }
            }
        }
        System.out.println("worker " + worker + " done");
    }

    private static void requireAllRecorded(BatchResult result) {
        if (result.recorded() != result.items().size()) {
            throw new IllegalStateException("a batch recorded " + result.recorded() + " of " + result.items().size());
        }
    }
}
