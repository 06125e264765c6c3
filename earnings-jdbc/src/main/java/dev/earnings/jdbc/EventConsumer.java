package dev.earnings.jdbc;

import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.internal.EventDelivery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A named reader of the events outbox: hands every event to its {@link EventHandler} at least once,
 * in order per creator, from a cursor stored in the database.
 *
 * <p>Start one instance of a consumer in each application instance: they share the consumer's
 * cursor and split its work, by lane (a creator's events are all in one of 16 lanes), so that no
 * event is handled by two instances at once and up to 16 instances work in parallel. When an
 * instance dies mid-batch, its batch is handed again, from the stored cursor, to another
 * instance (so a handler must recognise a repeated {@link EarningsEvent#id()}). A lane is an
 * instance's while its database connection lives: an instance checks it before each event, so
 * when the connection is lost mid-batch only the event being handled at that moment may be handed
 * to another instance meanwhile.
 *
 * <p>A handler that throws has the event tried again after a back-off, doubling from the first
 * back-off to the most, while the creator's later events wait; after the last attempt the event
 * is moved to the {@linkplain Events#deadLetters dead letters} and the lane goes on. Dead letters
 * are replayed on request, out of order. An {@link Error} thrown by a handler stops the instance,
 * as a crash would: its batch is handed again.
 *
 * <pre>{@code
 * EventConsumer consumer = earnings.events().consumer("notifications", event -> notify(event))
 *         .startFrom(EventConsumer.Start.BEGINNING)
 *         .start();
 * }</pre>
 */
public final class EventConsumer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventConsumer.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    /** How often a running instance prunes delivered events older than the retention. */
    private static final Duration PRUNE_EVERY = Duration.ofMinutes(10);

    /** Where a consumer that has never run starts. */
    public enum Start {
        /** At the oldest event kept. */
        BEGINNING,
        /** After every event committed when it first starts. */
        NOW
    }

    private final String name;
    private final EventHandler handler;
    private final EventDelivery delivery;
    private final int batchSize;
    private final Duration pollInterval;
    private final Duration closeTimeout;
    private final EventDelivery.Retries retries;
    private final Consumer<EventConsumer> onClose;
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile Thread worker;
    private long nextPrune;

    private EventConsumer(Builder b) {
        this.name = b.name;
        this.handler = b.handler;
        this.delivery = b.delivery;
        this.batchSize = b.batchSize;
        this.pollInterval = b.pollInterval;
        this.closeTimeout = b.closeTimeout;
        this.retries = new EventDelivery.Retries(b.maxAttempts, b.firstBackoff, b.maxBackoff);
        this.onClose = b.onClose;
    }

    /**
     * The consumer's name, which names its stored cursor.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Runs one round in the calling thread: gives committed events their positions, then works
     * through one batch of each lane that has events and that no other instance holds. A running
     * instance does this in its own thread; hosts that drive consumers from a scheduler of their
     * own, and tests, call it directly.
     *
     * @return how many events were handled or moved to the dead letters
     * @throws StorageException if the database failed after the retries
     */
    public int pollOnce() {
        delivery.sequence();
        List<Integer> lanes = new ArrayList<>(delivery.lanesWithWork(name));
        // Instances that find the same lanes start at different ones, and so seldom meet.
        Collections.shuffle(lanes);
        int done = 0;
        for (int lane : lanes) {
            if (stopping) {
                break;
            }
            EventDelivery.Turn turn = delivery.turn(name, lane, batchSize, handler, retries, () -> stopping);
            done += turn.handled() + turn.deadLettered();
        }
        return done;
    }

    /**
     * Hands every dead letter of this consumer to the handler again, oldest event first; each one
     * handled is removed from the dead letters, each that fails again stays, its attempts counted.
     *
     * @return how many were handled and removed
     * @throws StorageException if the database failed after the retries
     */
    public int replayDeadLetters() {
        return delivery.replay(name, handler, null);
    }

    /**
     * Hands one dead letter to the handler again.
     *
     * @param eventId the event's {@link EarningsEvent#id()}
     * @return whether it was handled and removed; {@code false} if it failed again or is not a
     *     dead letter of this consumer
     * @throws StorageException if the database failed after the retries
     */
    public boolean replay(String eventId) {
        Objects.requireNonNull(eventId, "eventId");
        return delivery.replay(name, handler, eventId) > 0;
    }

    /**
     * Whether this instance is polling in its own thread.
     *
     * @return whether it runs
     */
    public boolean isRunning() {
        Thread thread = worker;
        return thread != null && thread.isAlive();
    }

    private EventConsumer startPolling() {
        Thread thread = new Thread(this::run, "earnings-events-" + name);
        thread.setDaemon(true);
        worker = thread;
        thread.start();
        return this;
    }

    private void run() {
        try {
            poll();
        } catch (Error e) {
            // A handler's Error stops the instance as a crash would: its batch was rolled back.
            LOG.error("event consumer '{}': stopped by {}; its batch will be handed again", name, e.toString());
            throw e;
        }
    }

    private void poll() {
        while (!stopping) {
            int done = 0;
            try {
                done = pollOnce();
                if (System.nanoTime() - nextPrune >= 0) {
                    nextPrune = System.nanoTime() + PRUNE_EVERY.toNanos();
                    int pruned = delivery.prune();
                    LOG.debug("event consumer '{}': pruned {} delivered events", name, pruned);
                }
            } catch (RuntimeException e) {
                // The database is down or slow: the stored cursor is where it was; try again later.
                LOG.warn("event consumer '{}': a round failed ({}); trying again in {}", name, e.getMessage(), pollInterval);
            }
            if (done == 0) {
                try {
                    stop.await(pollInterval.toNanos(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /**
     * Stops this instance: the batch under way ends after the event being handled (what was
     * handled is stored), within the close timeout; after it, the thread is interrupted and, if it
     * still runs after the timeout once more, left to end by itself (it is a daemon thread) while
     * this returns: close never waits longer than twice the timeout. The consumer's cursor stays, for its next start; a consumer
     * that will never run again is {@linkplain Events#removeConsumer removed}.
     */
    @Override
    public void close() {
        stopping = true;
        stop.countDown();
        Thread thread = worker;
        if (thread != null && thread != Thread.currentThread()) {
            // join(0) would wait for ever: the shortest wait is a millisecond.
            long millis = Math.max(1, closeTimeout.toMillis());
            try {
                thread.join(millis);
                if (thread.isAlive()) {
                    LOG.warn("event consumer '{}': the handler did not return within {}; interrupting it", name, closeTimeout);
                    thread.interrupt();
                    thread.join(millis);
                    if (thread.isAlive()) {
                        LOG.warn("event consumer '{}': the handler ignores interrupts; its thread is left to end by itself,"
                                + " and its batch will be handed again", name);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        onClose.accept(this);
    }

    /** The name, if it is a consumer's: for the calls that name an existing consumer. */
    static String requireName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidInputException("consumer", "consumer is " + describe(name)
                    + "; allowed: 1 to 128 of A-Z a-z 0-9 . _ : -");
        }
        return name;
    }

    /** A refused name, told by its length only: it may be anything, of any size. */
    private static String describe(String name) {
        return name == null ? "missing" : "not a consumer's name (" + name.length() + " characters)";
    }

    /** Configures a consumer; {@link #start()} starts it, {@link #build()} only registers it. */
    public static final class Builder {
        private final String name;
        private final EventHandler handler;
        private final EventDelivery delivery;
        private final Consumer<EventConsumer> onStart;
        private final Consumer<EventConsumer> onClose;
        private Start start = Start.NOW;
        private int batchSize = 100;
        private Duration pollInterval = Duration.ofSeconds(1);
        private Duration closeTimeout = Duration.ofSeconds(30);
        private int maxAttempts = 8;
        private Duration firstBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofMinutes(10);

        Builder(String name, EventHandler handler, EventDelivery delivery, Consumer<EventConsumer> onStart,
                Consumer<EventConsumer> onClose) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new InvalidConfigurationException("name", "consumer name is " + describe(name)
                        + "; allowed: 1 to 128 of A-Z a-z 0-9 . _ : -");
            }
            if (handler == null) {
                throw new InvalidConfigurationException("handler", "handler is missing; allowed: an EventHandler");
            }
            this.name = name;
            this.handler = handler;
            this.delivery = delivery;
            this.onStart = onStart;
            this.onClose = onClose;
        }

        /**
         * Where the consumer starts the first time it runs (default {@link Start#NOW}); once it
         * has run, its stored cursor decides.
         *
         * @param start where to start
         * @return this builder
         */
        public Builder startFrom(Start start) {
            if (start == null) {
                throw new InvalidConfigurationException("startFrom", "startFrom is missing; allowed: BEGINNING or NOW");
            }
            this.start = start;
            return this;
        }

        /**
         * The most events of a lane handed over in one transaction (default 100): larger batches
         * move the cursor less often, and hand more events again after a crash.
         *
         * @param size 1 to 10,000
         * @return this builder
         */
        public Builder batchSize(int size) {
            if (size < 1 || size > 10_000) {
                throw new InvalidConfigurationException("batchSize", "batchSize is " + size + "; allowed: 1 to 10000");
            }
            this.batchSize = size;
            return this;
        }

        /**
         * How long a running instance waits after a round that found nothing (default 1 second).
         *
         * @param interval 1 ms to 1 hour
         * @return this builder
         */
        public Builder pollInterval(Duration interval) {
            this.pollInterval = within("pollInterval", interval, Duration.ofMillis(1), Duration.ofHours(1));
            return this;
        }

        /**
         * How failing events are retried (default 8 attempts, back-off from 1 second doubling to
         * 10 minutes).
         *
         * @param maxAttempts attempts before an event is moved to the dead letters, 1 to 100
         * @param firstBackoff the wait after the first failure, 0 to 1 day
         * @param maxBackoff the longest wait, from {@code firstBackoff} to 1 day
         * @return this builder
         */
        public Builder retries(int maxAttempts, Duration firstBackoff, Duration maxBackoff) {
            if (maxAttempts < 1 || maxAttempts > 100) {
                throw new InvalidConfigurationException("maxAttempts", "maxAttempts is " + maxAttempts
                        + "; allowed: 1 to 100");
            }
            Duration first = within("firstBackoff", firstBackoff, Duration.ZERO, Duration.ofDays(1));
            Duration most = within("maxBackoff", maxBackoff, first, Duration.ofDays(1));
            this.maxAttempts = maxAttempts;
            this.firstBackoff = first;
            this.maxBackoff = most;
            return this;
        }

        /**
         * How long {@link EventConsumer#close()} waits for the handler to return (default 30 seconds).
         *
         * @param timeout 0 to 1 hour
         * @return this builder
         */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = within("closeTimeout", timeout, Duration.ZERO, Duration.ofHours(1));
            return this;
        }

        /**
         * Registers the consumer (its cursors are created the first time) without starting a
         * thread: for hosts that call {@link EventConsumer#pollOnce()} from a scheduler of their own.
         *
         * @return the consumer, not polling
         * @throws StorageException if the database failed after the retries
         */
        public EventConsumer build() {
            delivery.register(name, start == Start.BEGINNING);
            EventConsumer consumer = new EventConsumer(this);
            onStart.accept(consumer);
            return consumer;
        }

        /**
         * Registers the consumer and starts polling in a thread of its own, until closed.
         *
         * @return the running consumer
         * @throws StorageException if the database failed after the retries
         */
        public EventConsumer start() {
            return build().startPolling();
        }

        private static Duration within(String field, Duration value, Duration least, Duration most) {
            if (value == null || value.compareTo(least) < 0 || value.compareTo(most) > 0) {
                throw new InvalidConfigurationException(field, field + " is " + (value == null ? "missing" : value)
                        + "; allowed: " + least + " to " + most);
            }
            return value;
        }
    }
}
