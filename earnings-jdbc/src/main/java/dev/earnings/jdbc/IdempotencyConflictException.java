package dev.earnings.jdbc;

import dev.earnings.core.EarningsException;

/**
 * An eventId was recorded before with a different payload; nothing was written.
 *
 * <p>An eventId is accepted once, forever. A replay with the same payload returns the original
 * result; a replay that differs means two different uses were given the same id, which the host
 * must resolve: the library cannot know which one is right.
 */
public final class IdempotencyConflictException extends EarningsException {
    private static final long serialVersionUID = 1L;

    private final String eventId;
    private final String field;

    /**
     * Creates the exception.
     *
     * @param eventId the eventId that was reused
     * @param field the first payload field that differs, for example {@code tokensConsumed}
     * @param detail what was recorded and what was sent, when it is safe to show
     */
    public IdempotencyConflictException(String eventId, String field, String detail) {
        super("eventId '" + eventId + "' was already recorded with a different " + field + detail
                + "; an eventId is accepted once, forever: send the same payload to get the original result, or use a new eventId");
        this.eventId = eventId;
        this.field = field;
    }

    /**
     * The reused eventId.
     *
     * @return the eventId
     */
    public String eventId() {
        return eventId;
    }

    /**
     * The first field whose value differs from the recorded use.
     *
     * @return one of {@code modelId}, {@code userId}, {@code tokensConsumed}, {@code usageType},
     *     {@code metadata}, {@code occurredAt}
     */
    public String field() {
        return field;
    }
}
