package dev.earnings.jdbc;

import dev.earnings.core.EarningsException;
import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.internal.Recording;
import dev.earnings.jdbc.internal.UsageWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records uses in the background: the caller gets a future at once, and writer threads commit
 * the queued uses in groups, so the database sees one transaction per group instead of one per use.
 *
 * <p>Each model belongs to one of several writer threads (by hash), so a model's uses are written
 * in the order they were submitted while different models are written in parallel. A future
 * completes only once its use is durably committed (or is answered as a replay). It completes
 * exceptionally, never by throwing into the caller's thread, when the use is invalid, when the
 * queue rejects it, or when its group could not be written within the library's retries (the
 * same attempts and time budget as every other call; the recorder adds none of its own); then
 * nothing of it was written, and the {@link Options.Builder#failureListener listener} hears about
 * it. A group that fails for good is written again use by use, so one bad use cannot fail the
 * others.
 *
 * <p>{@linkplain Earnings.Builder#rateLimits Rate limits} apply when a use's group is written,
 * not when it is submitted: a use over a limit then fails its future with a
 * {@link RateLimitedException}, like any other rejected use (the listener hears only of groups
 * that could not be written).
 *
 * <p>{@link #close()} stops accepting new uses and waits until every accepted one is written or
 * failed, for at most the {@link Options.Builder#closeTimeout close timeout}; uses still queued
 * then fail with {@link RejectedUseException} (they were not written: submit them again, or
 * record them with their eventIds).
 *
 * <p>Obtained from {@link Earnings#asyncRecorder(Options)}; thread-safe.
 */
public final class AsyncRecorder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AsyncRecorder.class);

    /** How long a submitter waits for room in one turn, before it lets close() in. */
    private static final long ROOM_TURN_MILLIS = 10;

    private final Recording recording;
    private final Options options;
    private final Consumer<AsyncRecorder> onClose;
    private final List<BlockingQueue<Submitted>> queues = new ArrayList<>();
    private final List<Thread> writers = new ArrayList<>();
    private final int perQueue;
    private final ReentrantReadWriteLock accepting = new ReentrantReadWriteLock();
    private volatile boolean closed;
    private volatile boolean abandoned;

    /** A queued use, with its eventId fixed at submit so retries of its group never write it twice. */
    private record Submitted(UsageWriter.Pending pending, CompletableFuture<RecordedUse> future) {
    }

    AsyncRecorder(Recording recording, Options options, Consumer<AsyncRecorder> onClose) {
        this.recording = recording;
        this.options = options;
        this.onClose = onClose;
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
    public CompletableFuture<RecordedUse> submit(@Nullable UsageRequest request) {
        CompletableFuture<RecordedUse> future = new CompletableFuture<>();
        if (request == null) {
            future.completeExceptionally(new InvalidInputException("request", "request is missing; allowed: a UsageRequest"));
            return future;
        }
        Submitted item = new Submitted(recording.pending(request), future);
        BlockingQueue<Submitted> queue = queues.get(Math.floorMod(request.modelId().hashCode(), queues.size()));
        // Room is waited for in short turns, each under the read lock: close() cannot slip between
        // the check and the enqueue and leave a use that nobody will write, and a submitter waiting
        // for room holds close() up for one turn at most, not until the writer frees room.
        boolean wait = options.blockWhenFull && !writers.contains(Thread.currentThread());
        try {
            while (true) {
                accepting.readLock().lock();
                try {
                    if (closed) {
                        future.completeExceptionally(new RejectedUseException("the recorder is closed; allowed: submit"
                                + " before close()"));
                        break;
                    }
                    // A future's callback runs on a writer thread; it must never wait for its own queue.
                    if (wait ? queue.offer(item, ROOM_TURN_MILLIS, TimeUnit.MILLISECONDS) : queue.offer(item)) {
                        break;
                    }
                    if (!wait) {
                        future.completeExceptionally(new RejectedUseException("the queue of " + perQueue
                                + " uses for this model's writer is full; allowed: retry later, or configure"
                                + " the recorder to wait when full"));
                        break;
                    }
                } finally {
                    accepting.readLock().unlock();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.completeExceptionally(new RejectedUseException("interrupted while waiting for room in the queue"));
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
            String usageType, @Nullable Map<String, ?> metadata) {
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
     * Stops accepting uses and waits, for at most the close timeout, until every accepted use is
     * written or failed. Uses still queued after the timeout fail with {@link RejectedUseException}
     * and are not written; a group already in its transaction completes its futures when it ends.
     */
    @Override
    public void close() {
        accepting.writeLock().lock();
        try {
            closed = true;
        } finally {
            accepting.writeLock().unlock();
        }
        long deadline = System.nanoTime() + options.closeTimeout.toNanos();
        boolean interrupted = false;
        for (Thread writer : writers) {
            // A callback running on a writer thread may close the recorder; that thread cannot wait for itself.
            while (writer != Thread.currentThread() && writer.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedJoin(writer, left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (writers.stream().anyMatch(w -> w != Thread.currentThread() && w.isAlive())) {
            abandoned = true;
            for (BlockingQueue<Submitted> queue : queues) {
                List<Submitted> left = new ArrayList<>();
                queue.drainTo(left);
                left.forEach(AsyncRecorder::abandon);
            }
            LOG.warn("the recorder closed after its timeout of {} ms with uses not written; their futures failed",
                    options.closeTimeout.toMillis());
        }
        onClose.accept(this);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void abandon(Submitted s) {
        s.future.completeExceptionally(new RejectedUseException("the recorder closed before use '" + s.pending.eventId()
                + "' was written, and it was not recorded; allowed: record it again with its eventId"));
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
                fail(group, e instanceof EarningsException ? (EarningsException) e
                        : new StorageException("writing uses failed (" + e.getClass().getSimpleName() + ")", e, false));
            } finally {
                group.clear();
            }
        }
    }

    private void flush(List<Submitted> group) {
        if (abandoned) {
            group.forEach(AsyncRecorder::abandon);
            return;
        }
        List<UsageWriter.Pending> uses = new ArrayList<>(group.size());
        group.forEach(s -> uses.add(s.pending));
        recording.metrics().asyncGroup(uses.size());
        List<Recording.Outcome> outcomes = recording.group(uses);
        List<Submitted> failed = new ArrayList<>();
        StorageException failure = null;
        for (int i = 0; i < group.size(); i++) {
            Recording.Outcome outcome = outcomes.get(i);
            if (outcome.failure() != null) {
                failed.add(group.get(i));
                failure = outcome.failure();
            }
        }
        if (failure != null) {
            LOG.warn("writing {} of {} uses failed: {}", failed.size(), group.size(), failure.getMessage());
            fail(failed, failure);
        }
        for (int i = 0; i < group.size(); i++) {
            BatchResult.Item item = outcomes.get(i).item();
            if (item != null) {
                CompletableFuture<RecordedUse> future = group.get(i).future;
                if (item.use().isPresent()) {
                    future.complete(item.use().get());
                } else {
                    future.completeExceptionally(item.error().get());
                }
            }
        }
    }

    private void fail(List<Submitted> group, EarningsException failure) {
        // The listener hears first, so whoever waits on a future sees the failure already reported.
        try {
            options.failureListener.accept(new FlushFailure(group.size(), failure));
        } catch (RuntimeException | Error e) {
            LOG.error("the failure listener threw", e);
        }
        for (Submitted s : group) {
            // Each future carries its own use's eventId, to retry with.
            s.future.completeExceptionally(failure instanceof StorageException
                    ? ((StorageException) failure).withEventId(s.pending.eventId()) : failure);
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
     * How the recorder queues and writes; immutable. Start from {@link #defaults()} or
     * {@link #builder()}.
     */
    public static final class Options {
        private final int capacity;
        private final int maxBatch;
        private final Duration flushInterval;
        private final boolean blockWhenFull;
        private final Consumer<FlushFailure> failureListener;
        private final int writers;
        private final Duration closeTimeout;

        private Options(Builder b) {
            this.capacity = b.capacity;
            this.maxBatch = b.maxBatch;
            this.flushInterval = b.flushInterval;
            this.blockWhenFull = b.blockWhenFull;
            this.failureListener = b.failureListener;
            this.writers = b.writers;
            this.closeTimeout = b.closeTimeout;
        }

        /**
         * The defaults: 10,000 queued, groups of up to 500 within 10 ms, wait when full, 4 writers,
         * 30 seconds to close.
         *
         * @return the defaults
         */
        public static Options defaults() {
            return builder().build();
        }

        /**
         * Starts from the defaults.
         *
         * @return a builder
         */
        public static Builder builder() {
            return new Builder();
        }

        /**
         * A builder holding these options, to change some of them.
         *
         * @return a builder
         */
        public Builder toBuilder() {
            Builder b = new Builder();
            b.capacity = capacity;
            b.maxBatch = maxBatch;
            b.flushInterval = flushInterval;
            b.blockWhenFull = blockWhenFull;
            b.failureListener = failureListener;
            b.writers = writers;
            b.closeTimeout = closeTimeout;
            return b;
        }

        /**
         * The most uses waiting at once.
         *
         * @return the capacity
         */
        public int capacity() {
            return capacity;
        }

        /**
         * The most uses per transaction.
         *
         * @return the group size
         */
        public int maxBatch() {
            return maxBatch;
        }

        /**
         * The longest a use waits for its group to fill.
         *
         * @return the interval
         */
        public Duration flushInterval() {
            return flushInterval;
        }

        /**
         * Whether a full queue makes the submitter wait (or fails the use).
         *
         * @return whether to wait
         */
        public boolean blockWhenFull() {
            return blockWhenFull;
        }

        /**
         * The writer threads.
         *
         * @return how many
         */
        public int writers() {
            return writers;
        }

        /**
         * The longest {@link AsyncRecorder#close()} waits.
         *
         * @return the timeout
         */
        public Duration closeTimeout() {
            return closeTimeout;
        }

        @Override
        public String toString() {
            return "AsyncRecorder.Options[capacity=" + capacity + ", maxBatch=" + maxBatch + ", flushInterval="
                    + flushInterval + ", blockWhenFull=" + blockWhenFull + ", writers=" + writers + ", closeTimeout="
                    + closeTimeout + "]";
        }

        /** Builds {@link Options}; each setter checks its value at once. Not thread-safe. */
        public static final class Builder {
            private int capacity = 10_000;
            private int maxBatch = 500;
            private Duration flushInterval = Duration.ofMillis(10);
            private boolean blockWhenFull = true;
            private Consumer<FlushFailure> failureListener = failure -> { };
            private int writers = 4;
            private Duration closeTimeout = Duration.ofSeconds(30);

            private Builder() {
            }

            /**
             * The most uses waiting at once, shared evenly by the writers (each writer's queue
             * holds {@code capacity / writers}, at least 1).
             *
             * @param capacity 1 to 1,000,000; default 10,000
             * @return this builder
             */
            public Builder capacity(int capacity) {
                if (capacity < 1 || capacity > 1_000_000) {
                    throw new InvalidConfigurationException("capacity", "capacity is " + capacity + "; allowed: 1 to 1000000");
                }
                this.capacity = capacity;
                return this;
            }

            /**
             * What a full queue does to a submitter: wait for room ({@code true}), or fail the
             * use's future with {@link RejectedUseException}.
             *
             * @param blockWhenFull default {@code true}
             * @return this builder
             */
            public Builder blockWhenFull(boolean blockWhenFull) {
                this.blockWhenFull = blockWhenFull;
                return this;
            }

            /**
             * The most uses per transaction.
             *
             * @param maxBatch 1 to 10,000; default 500
             * @return this builder
             */
            public Builder maxBatch(int maxBatch) {
                if (maxBatch < 1 || maxBatch > UsageWriter.MAX_USES) {
                    throw new InvalidConfigurationException("maxBatch", "maxBatch is " + maxBatch + "; allowed: 1 to "
                            + UsageWriter.MAX_USES);
                }
                this.maxBatch = maxBatch;
                return this;
            }

            /**
             * The longest a use waits for its group to fill.
             *
             * @param flushInterval 0 to 10 seconds; default 10 ms
             * @return this builder
             */
            public Builder flushInterval(Duration flushInterval) {
                if (flushInterval == null || flushInterval.isNegative() || flushInterval.compareTo(Duration.ofSeconds(10)) > 0) {
                    throw new InvalidConfigurationException("flushInterval", "flushInterval is " + flushInterval
                            + "; allowed: 0 to 10 seconds");
                }
                this.flushInterval = flushInterval;
                return this;
            }

            /**
             * Hears about every group of uses that could not be written, before their futures fail.
             *
             * @param failureListener the listener; default does nothing (failures are logged)
             * @return this builder
             */
            public Builder failureListener(Consumer<FlushFailure> failureListener) {
                if (failureListener == null) {
                    throw new InvalidConfigurationException("failureListener", "failureListener is missing; allowed: a"
                            + " listener, for example failure -> { }");
                }
                this.failureListener = failureListener;
                return this;
            }

            /**
             * The writer threads, each owning the models that hash to it.
             *
             * @param writers 1 to 64; default 4
             * @return this builder
             */
            public Builder writers(int writers) {
                if (writers < 1 || writers > 64) {
                    throw new InvalidConfigurationException("writers", "writers is " + writers + "; allowed: 1 to 64");
                }
                this.writers = writers;
                return this;
            }

            /**
             * The longest {@link AsyncRecorder#close()} waits for the accepted uses to be written.
             *
             * @param closeTimeout 0 to 1 hour; default 30 seconds
             * @return this builder
             */
            public Builder closeTimeout(Duration closeTimeout) {
                if (closeTimeout == null || closeTimeout.isNegative() || closeTimeout.compareTo(Duration.ofHours(1)) > 0) {
                    throw new InvalidConfigurationException("closeTimeout", "closeTimeout is " + closeTimeout
                            + "; allowed: 0 to 1 hour");
                }
                this.closeTimeout = closeTimeout;
                return this;
            }

            /**
             * Builds the options.
             *
             * @return the options
             */
            public Options build() {
                return new Options(this);
            }
        }
    }

    static Options requireOptions(@Nullable Options options) {
        if (options == null) {
            throw new InvalidConfigurationException("options", "options are missing; allowed: AsyncRecorder.Options.defaults()"
                    + " or AsyncRecorder.Options.builder()...build()");
        }
        return options;
    }
}
