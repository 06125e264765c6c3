package dev.earnings.jdbc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A separate application instance for the multi-process rate limit test: with its own library
 * instance and pool, and the limit shared through the database, it records uses of one user as
 * fast as it can and prints how many were recorded and how many the limit refused, then exits 0.
 *
 * <p>Arguments: jdbcUrl user password schema modelId userId capacity attempts threads mode goFile.
 * It warms up with a use of a user of its own, prints {@code ready}, and starts when
 * {@code goFile} exists, so that the processes race. Modes: {@code sync} (one use per call),
 * {@code batch} (batches of 10) and {@code async} (the asynchronous recorder).
 */
public final class RateLimitWorker {
    private RateLimitWorker() {
    }

    public static void main(String[] args) throws Exception {
        String modelId = args[4];
        String userId = args[5];
        long capacity = Long.parseLong(args[6]);
        int attempts = Integer.parseInt(args[7]);
        int threads = Integer.parseInt(args[8]);
        String mode = args[9];
        Path go = Path.of(args[10]);
        // A day to refill what the test spends in seconds: no use comes back while it runs.
        RateLimits limits = RateLimits.builder().perUser(capacity, Duration.ofDays(1))
                .storage(RateLimits.Storage.SHARED).build();
        AtomicInteger recorded = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        try (Earnings earnings = Earnings.builder().jdbcUrl(args[0], args[1], args[2]).schema(args[3])
                .maximumPoolSize(threads + 2).migrateOnStart(false).rateLimits(limits).build()) {
            earnings.logModelUsage(use("warm-up-" + userId + "-" + ProcessHandle.current().pid(), modelId));
            System.out.println("ready");
            System.out.flush();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!Files.exists(go)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no start signal within 2 minutes");
                }
                Thread.sleep(1);
            }
            AsyncRecorder recorder = mode.equals("async") ? earnings.asyncRecorder(AsyncRecorder.Options.defaults()) : null;
            List<CompletableFuture<RecordedUse>> pending = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    int step = mode.equals("batch") ? 10 : 1;
                    for (int from = next.getAndAdd(step); from < attempts; from = next.getAndAdd(step)) {
                        if (mode.equals("sync")) {
                            try {
                                earnings.logModelUsage(use(userId, modelId));
                                recorded.incrementAndGet();
                            } catch (RateLimitedException e) {
                                refused.incrementAndGet();
                            }
                        } else if (mode.equals("batch")) {
                            List<UsageRequest> batch = new ArrayList<>();
                            for (int i = from; i < Math.min(attempts, from + step); i++) {
                                batch.add(use(userId, modelId));
                            }
                            for (BatchResult.Item item : earnings.logModelUsageBatch(batch).items()) {
                                count(item.error().isEmpty() ? null : item.error().get(), recorded, refused);
                            }
                        } else {
                            CompletableFuture<RecordedUse> f = recorder.submit(use(userId, modelId));
                            synchronized (pending) {
                                pending.add(f);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();
            for (CompletableFuture<RecordedUse> f : pending) {
                try {
                    f.get(5, TimeUnit.MINUTES);
                    recorded.incrementAndGet();
                } catch (ExecutionException e) {
                    count(e.getCause(), recorded, refused);
                }
            }
            if (recorder != null) {
                recorder.close();
            }
        }
        System.out.println("recorded " + recorded.get() + " refused " + refused.get());
    }

    private static UsageRequest use(String userId, String modelId) {
        return UsageRequest.builder(userId, modelId).tokensConsumed(10).usageType("chat").build();
    }

    /** A use recorded (no error) or refused by the limit; anything else fails the worker. */
    private static void count(Throwable error, AtomicInteger recorded, AtomicInteger refused) {
        if (error == null) {
            recorded.incrementAndGet();
        } else if (error instanceof RateLimitedException) {
            refused.incrementAndGet();
        } else {
            throw new IllegalStateException("a use failed for another reason than the limit", error);
        }
    }
}
