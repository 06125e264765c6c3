package dev.earnings.jdbc;

import dev.earnings.core.EarningsException;
import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.jdbc.internal.EarningsStore;
import dev.earnings.jdbc.internal.EventIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records uses in the background: the caller gets a future at once, and writer threads commit
 * the queued uses in groups, so the database sees one transaction per group instead of one per use.
 *
 * <p>Each model belongs to one of several writer threads (by hash), so a model's uses are written
 * in the order they were submitted while different models are written in parallel. A future
 * completes only once its use is durably committed (or is answered as a replay). It
 * completes exceptionally, never by throwing into the caller's thread, when the use is invalid, when
 * the queue rejects it, or when its group could not be written after the retries; then nothing of
 * that group was written, and the {@link Options#failureListener listener} hears about it.
 * {@link #close()} stops accepting new uses
 * and waits until every accepted one is written or failed.
 *
 * <p>Obtained from {@link Earnings#asyncRecorder(Options)}; thread-safe.
 */
public final class AsyncRecorder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AsyncRecorder.class);

    private final EarningsStore store;
    private final Options options;
    private final List<BlockingQueue<Submitted>> queues = new ArrayList<>();
    private final List<Thread> writers = new ArrayList<>();
    private final int perQueue;
    private final ReentrantReadWriteLock accepting = new ReentrantReadWriteLock();
    private volatile boolean closed;

    /** A queued use, with its eventId fixed at submit so retries of its group never write it twice. */
    private record Submitted(UsageRequest request, String eventId, CompletableFuture<RecordedUse> future) {
    }

    AsyncRecorder(EarningsStore store, Options options) {
        this.store = store;
        this.options = options;
        // One queue and writer per partition; a model always maps to the same partition, so its uses
        // are written in submission order while different models are written in parallel.
        this.perQueue = Math.max(1, options.capacity / options.writers);
        for (int i = 0; i < options.writers; i++) {
            BlockingQueue<Submitted> queue = new ArrayBlockingQueue<>(perQueue);
            Thread writer = new Thread(() -> run(queue), "earnings-async-writer-" + i);
            writer.setDaemon(true);
            queues.add(queue);
            writers.add(writer);
        }
        writers.forEach(Thread::start);
    }

    /**
     * Queues a use.
     *
     * @param request the use
     * @return a future of the recorded use; it fails with the project exception that stopped it
     */
    public CompletableFuture<RecordedUse> submit(UsageRequest request) {
        CompletableFuture<RecordedUse> future = new CompletableFuture<>();
        if (request == null) {
            future.completeExceptionally(new dev.earnings.core.InvalidInputException("request",
                    "request is missing; allowed: a UsageRequest"));
            return future;
        }
        Submitted item = new Submitted(request, request.eventId().orElseGet(() -> EventIds.next()), future);
        BlockingQueue<Submitted> queue = queues.get(Math.floorMod(request.modelId().hashCode(), queues.size()));
        // Held while enqueuing, so close() cannot slip between the check and the enqueue and leave
        // a use in the queue that nobody will write.
        accepting.readLock().lock();
        try {
            if (closed) {
                future.completeExceptionally(new RejectedUseException("the recorder is closed; allowed: submit before close()"));
            } else if (options.blockWhenFull && !writers.contains(Thread.currentThread())) {
                // A future's callback runs on a writer thread; it must never wait for its own queue.
                queue.put(item);
            } else if (!queue.offer(item)) {
                future.completeExceptionally(new RejectedUseException("the queue of " + perQueue
                        + " uses for this model's writer is full; allowed: retry later, or configure"
                        + " the recorder to wait when full"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.completeExceptionally(new RejectedUseException("interrupted while waiting for room in the queue"));
        } finally {
            accepting.readLock().unlock();
        }
        return future;
    }

    /**
     * Queues a use with a library-assigned eventId; bad input fails the future. Its occurredAt is
     * the moment its group is written; build a {@link UsageRequest} with {@code occurredAt} to pin it.
     *
     * @param userId the user
     * @param modelId the model
     * @param tokensConsumed the tokens
     * @param usageType the usage type
     * @param metadata the metadata, or {@code null}
     * @return a future of the recorded use
     */
    public CompletableFuture<RecordedUse> logModelUsage(String userId, String modelId, long tokensConsumed,
            String usageType, Map<String, ?> metadata) {
        try {
            return submit(UsageRequest.builder(userId, modelId).tokensConsumed(tokensConsumed).usageType(usageType)
                    .metadata(metadata).build());
        } catch (EarningsException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Uses accepted and not yet written.
     *
     * @return the queue's length
     */
    public int queued() {
        return queues.stream().mapToInt(BlockingQueue::size).sum();
    }

    /**
     * Stops accepting uses and waits until every accepted use is written or failed.
     */
    @Override
    public void close() {
        accepting.writeLock().lock();
        try {
            closed = true;
        } finally {
            accepting.writeLock().unlock();
        }
        boolean interrupted = false;
        for (Thread writer : writers) {
            // A callback running on a writer thread may close the recorder; that thread cannot wait for itself.
            while (writer != Thread.currentThread() && writer.isAlive()) {
                try {
                    writer.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run(BlockingQueue<Submitted> queue) {
        List<Submitted> group = new ArrayList<>(options.maxBatch);
        while (true) {
            try {
                Submitted first = queue.poll(10, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closed && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                group.add(first);
                long deadline = System.nanoTime() + options.flushInterval.toNanos();
                while (group.size() < options.maxBatch) {
                    long left = deadline - System.nanoTime();
                    Submitted next = left > 0 && !closed ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) {
                        break;
                    }
                    group.add(next);
                }
                flush(group);
            } catch (InterruptedException e) {
                // Keep draining: close() relies on every accepted use being answered.
                LOG.debug("async writer interrupted; draining", e);
                if (!group.isEmpty()) {
                    flush(group);
                }
            } catch (RuntimeException | Error e) {
                // Whatever went wrong, every use of the group gets its answer, and the writer lives on.
                fail(group, e);
            } finally {
                group.clear();
            }
        }
    }

    private void flush(List<Submitted> group) {
        List<UsageRequest> requests = new ArrayList<>(group.size());
        String[] eventIds = new String[group.size()];
        for (int i = 0; i < group.size(); i++) {
            requests.add(group.get(i).request);
            eventIds[i] = group.get(i).eventId;
        }
        RuntimeException last = null;
        for (int attempt = 1; attempt <= options.flushAttempts; attempt++) {
            try {
                // From the second attempt on, the first may have committed before it failed: look
                // the ids up, so those uses are answered as replays instead of written again.
                BatchResult result = store.logUsageBatch(requests, eventIds, attempt > 1);
                for (BatchResult.Item item : result.items()) {
                    CompletableFuture<RecordedUse> future = group.get(item.index()).future;
                    if (item.use().isPresent()) {
                        future.complete(item.use().get());
                    } else {
                        future.completeExceptionally(item.error().get());
                    }
                }
                return;
            } catch (RuntimeException e) {
                last = e;
                LOG.warn("writing {} uses failed on attempt {} of {}: {}", group.size(), attempt, options.flushAttempts,
                        e.getMessage());
                if (attempt < options.flushAttempts) {
                    sleepQuietly(Math.min(1_000L, 50L << attempt));
                }
            }
        }
        fail(group, last);
    }

    private void fail(List<Submitted> group, Throwable cause) {
        EarningsException failure = cause instanceof EarningsException ? (EarningsException) cause
                : new StorageException("writing uses failed: " + cause, cause, false);
        // The listener hears first, so whoever waits on a future sees the failure already reported.
        try {
            options.failureListener.accept(new FlushFailure(group.size(), failure));
        } catch (RuntimeException | Error e) {
            LOG.error("the failure listener threw", e);
        }
        for (Submitted s : group) {
            // Each future carries its own use's eventId, to retry with.
            s.future.completeExceptionally(failure instanceof StorageException
                    ? ((StorageException) failure).withEventId(s.eventId) : failure);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(ThreadLocalRandom.current().nextLong(millis / 2, millis + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A group of uses that could not be written: every one of their futures failed with {@code cause}.
     *
     * @param uses how many uses the group held
     * @param cause why it failed
     */
    public record FlushFailure(int uses, EarningsException cause) {
    }

    /**
     * How the recorder queues and writes.
     *
     * @param capacity the most uses waiting at once, 1 to 1,000,000, shared evenly by the writers (each
     *     writer's queue holds {@code capacity / writers}, at least 1); default 10,000
     * @param maxBatch the most uses per transaction, 1 to 10,000; default 500
     * @param flushInterval the longest a use waits for its group to fill; default 10 ms
     * @param blockWhenFull when the queue is full: wait for room ({@code true}, default) or fail the
     *     use's future with {@link RejectedUseException}
     * @param flushAttempts attempts to write a group before its futures fail, 1 to 10; default 3
     * @param failureListener hears about every group that could not be written; default logs nothing more
     * @param writers writer threads, 1 to 64, each owning the models that hash to it; default 4
     */
    public record Options(int capacity, int maxBatch, Duration flushInterval, boolean blockWhenFull, int flushAttempts,
            Consumer<FlushFailure> failureListener, int writers) {

        /**
         * Checks every setting.
         *
         * @param capacity queue capacity
         * @param maxBatch uses per transaction
         * @param flushInterval longest wait for a group
         * @param blockWhenFull whether to wait when full
         * @param flushAttempts attempts per group
         * @param failureListener the listener
         * @param writers writer threads
         */
        public Options {
            if (capacity < 1 || capacity > 1_000_000) {
                throw new InvalidConfigurationException("capacity", "capacity is " + capacity + "; allowed: 1 to 1000000");
            }
            if (maxBatch < 1 || maxBatch > EarningsStore.MAX_BATCH) {
                throw new InvalidConfigurationException("maxBatch", "maxBatch is " + maxBatch + "; allowed: 1 to "
                        + EarningsStore.MAX_BATCH);
            }
            if (flushInterval == null || flushInterval.isNegative() || flushInterval.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new InvalidConfigurationException("flushInterval", "flushInterval is " + flushInterval
                        + "; allowed: 0 to 10 seconds");
            }
            if (flushAttempts < 1 || flushAttempts > 10) {
                throw new InvalidConfigurationException("flushAttempts", "flushAttempts is " + flushAttempts
                        + "; allowed: 1 to 10");
            }
            if (failureListener == null) {
                throw new InvalidConfigurationException("failureListener", "failureListener is missing; allowed: a"
                        + " listener, for example failure -> { }");
            }
            if (writers < 1 || writers > 64) {
                throw new InvalidConfigurationException("writers", "writers is " + writers + "; allowed: 1 to 64");
            }
        }

        /**
         * The defaults: 10,000 queued, groups of up to 500, 10 ms, wait when full, 3 attempts, 4 writers.
         *
         * @return the defaults
         */
        public static Options defaults() {
            return new Options(10_000, 500, Duration.ofMillis(10), true, 3, failure -> { }, 4);
        }

        /**
         * The same options with another number of writer threads.
         *
         * @param writers 1 to 64
         * @return the options
         */
        public Options writers(int writers) {
            return new Options(capacity, maxBatch, flushInterval, blockWhenFull, flushAttempts, failureListener, writers);
        }

        /**
         * The same options with another queue capacity and full-queue policy.
         *
         * @param capacity the capacity
         * @param blockWhenFull whether to wait for room
         * @return the options
         */
        public Options queue(int capacity, boolean blockWhenFull) {
            return new Options(capacity, maxBatch, flushInterval, blockWhenFull, flushAttempts, failureListener, writers);
        }

        /**
         * The same options with other group limits.
         *
         * @param maxBatch uses per transaction
         * @param flushInterval longest wait for a group to fill
         * @return the options
         */
        public Options groups(int maxBatch, Duration flushInterval) {
            return new Options(capacity, maxBatch, flushInterval, blockWhenFull, flushAttempts, failureListener, writers);
        }

        /**
         * The same options with another failure policy.
         *
         * @param flushAttempts attempts per group
         * @param failureListener the listener
         * @return the options
         */
        public Options onFailure(int flushAttempts, Consumer<FlushFailure> failureListener) {
            return new Options(capacity, maxBatch, flushInterval, blockWhenFull, flushAttempts, failureListener, writers);
        }
    }
}
