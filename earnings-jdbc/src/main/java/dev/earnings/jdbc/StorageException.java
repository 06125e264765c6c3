package dev.earnings.jdbc;

import dev.earnings.core.EarningsException;
import dev.earnings.jdbc.internal.Withheld;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The database failed in a way the library could not recover from.
 *
 * <p>Transient failures (serialization failures, deadlocks, lock timeouts, lost connections) are
 * retried inside the library first, within a bounded number of attempts and time; when this is
 * thrown for one of them, {@link #isTransient()} is {@code true} and the host may retry the whole
 * call later. The cause is always attached, with its messages withheld: drivers and JDBI quote row
 * values and statement arguments in theirs, so the chain keeps each exception's type, SQLSTATE,
 * the constraint, table and column a PostgreSQL error names, and stack traces, never a message.
 *
 * <p>When the connection was lost while a transaction was committing, nobody can know whether the
 * commit happened. That is why a failed recording carries its {@link #eventId()} (a batch, its
 * {@link #eventIds()}), even ones the library assigned: retrying with those eventIds records each
 * use if it was lost and returns it (as a replay) if it was not, so it is recorded exactly once.
 */
public final class StorageException extends EarningsException {
    private static final long serialVersionUID = 1L;

    private final boolean transientFailure;
    private final List<String> eventIds;

    /**
     * Creates the exception.
     *
     * @param message what the library was doing
     * @param cause the database's exception; attached with its messages withheld
     * @param transientFailure whether the failure was of a kind that may succeed on retry
     */
    public StorageException(String message, Throwable cause, boolean transientFailure) {
        this(message, cause, transientFailure, List.of());
    }

    private StorageException(String message, Throwable cause, boolean transientFailure, List<String> eventIds) {
        super(message, Withheld.chainOf(cause));
        this.transientFailure = transientFailure;
        this.eventIds = eventIds;
    }

    /**
     * The same failure, tagged with the eventId of the use being recorded.
     *
     * @param eventId the use's eventId
     * @return a new exception with the same message, cause and transience
     */
    public StorageException withEventId(String eventId) {
        return withEventIds(List.of(eventId));
    }

    /**
     * The same failure, tagged with the eventIds of a batch, in the batch's order.
     *
     * @param eventIds one per use of the batch (an entry is {@code null} for a missing request)
     * @return a new exception with the same message, cause and transience
     */
    public StorageException withEventIds(List<String> eventIds) {
        StorageException tagged = new StorageException(getMessage(), getCause(), transientFailure,
                Collections.unmodifiableList(new ArrayList<>(eventIds)));
        tagged.setStackTrace(getStackTrace());
        return tagged;
    }

    /**
     * Whether retrying later may succeed.
     *
     * @return {@code true} when the retries inside the library were exhausted on a transient failure
     */
    public boolean isTransient() {
        return transientFailure;
    }

    /**
     * The eventId of the use that was being recorded, to retry with.
     *
     * @return the eventId, or empty when the failure was not in recording a use
     */
    public Optional<String> eventId() {
        return eventIds.size() == 1 ? Optional.ofNullable(eventIds.get(0)) : Optional.empty();
    }

    /**
     * The eventIds of the uses of a batch that was being recorded, in the batch's order, to retry
     * the batch with; each use is recorded once whether or not the failed attempt committed.
     *
     * @return the eventIds, empty when the failure was not in recording uses
     */
    public List<String> eventIds() {
        return eventIds;
    }
}
