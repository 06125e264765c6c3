package dev.earnings.jdbc.internal;

import dev.earnings.core.EarningsException;
import dev.earnings.jdbc.BatchResult;
import dev.earnings.jdbc.IdempotencyConflictException;
import dev.earnings.jdbc.PayoutStatus;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The figures the library reports, each from the one place where it is known. This interface names
 * no Micrometer type, so the classes that hold it load without Micrometer on the class path: a host
 * that configures no registry gets {@link #NONE}, and {@link MicrometerMetrics} is loaded only by
 * {@link #micrometer(Object)}, when a registry is given.
 */
public interface Metrics {
    /** Records nothing. */
    Metrics NONE = new Metrics() {
    };

    /**
     * The Micrometer implementation, for a registry the host gave; the only line that loads it.
     *
     * @param registry an {@code io.micrometer.core.instrument.MeterRegistry}
     * @return metrics recorded into it
     */
    static Metrics micrometer(Object registry) {
        return new MicrometerMetrics(registry);
    }

    /**
     * Counts what became of the uses of one write (a batch, or a group of independent calls).
     *
     * @param items the items the write returned
     */
    default void outcomes(Iterable<BatchResult.Item> items) {
        for (BatchResult.Item item : items) {
            if (item.use().isPresent()) {
                if (item.use().get().replayed()) {
                    replayed();
                } else {
                    recorded();
                }
            } else {
                EarningsException error = item.error().orElseThrow();
                if (error instanceof IdempotencyConflictException) {
                    conflicting();
                } else {
                    rejected(reason(error));
                }
            }
        }
    }

    /**
     * A rejection's reason as a tag: its exception type in lower case, {@code invalid_input} for
     * an {@code InvalidInputException}; a bounded set, never a value of the use.
     *
     * @param error the rejection
     * @return the reason
     */
    static String reason(EarningsException error) {
        String name = error.getClass().getSimpleName();
        if (name.endsWith("Exception")) {
            name = name.substring(0, name.length() - "Exception".length());
        }
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    /** A use written by this call. */
    default void recorded() {
    }

    /** A use whose eventId was recorded before with the same payload. */
    default void replayed() {
    }

    /** A use whose eventId was recorded before with another payload. */
    default void conflicting() {
    }

    /**
     * A use refused before or during the write; nothing of it was written.
     *
     * @param reason its reason, from {@link #reason}
     */
    default void rejected(String reason) {
    }

    /**
     * One synchronous call that records a use, from its start to its answer.
     *
     * @param nanos how long it took
     */
    default void recordLatency(long nanos) {
    }

    /**
     * One batch call, from its start to its answer.
     *
     * @param size how many uses it held
     * @param nanos how long it took
     */
    default void batch(int size, long nanos) {
    }

    /** A unit of work run again after a transient failure. */
    default void retry() {
    }

    /** A unit of work that failed for good: a {@code StorageException}. */
    default void storageFailure() {
    }

    /**
     * The uses an asynchronous recorder wrote in one transaction.
     *
     * @param size the group's size
     */
    default void asyncGroup(int size) {
    }

    /**
     * Reports the uses waiting in every asynchronous recorder's queues.
     *
     * @param depth read when the registry asks
     */
    default void asyncQueueDepth(LongSupplier depth) {
    }

    /**
     * A payout that reached a status through this call.
     *
     * @param to the status
     */
    default void payout(PayoutStatus to) {
    }

    /**
     * One dashboard or report of the analytics.
     *
     * @param nanos how long it took
     */
    default void dashboard(long nanos) {
    }

    /**
     * Reports the events a consumer has yet to handle.
     *
     * @param consumer the consumer's name, chosen by the host (a bounded set)
     * @param pending read when the registry asks
     */
    default void consumerLag(String consumer, LongSupplier pending) {
    }

    /**
     * Removes the gauges this instance registered, so that a closed instance is neither kept
     * alive by the registry nor asked for figures it can no longer read.
     */
    default void close() {
    }
}
