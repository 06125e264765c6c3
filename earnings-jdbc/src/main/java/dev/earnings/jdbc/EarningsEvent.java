package dev.earnings.jdbc;

import java.time.Instant;
import java.util.Objects;

/**
 * A change reported out of the library: written to the outbox in the same transaction as the
 * change, so an event exists exactly when its change committed, and delivered to consumers at
 * least once, in order per creator.
 *
 * <p>A consumer that may see an event twice (after a crash, or a retry) recognises it by its
 * {@link #id()}, which never changes.
 *
 * @param id the event's unique id, {@code evt_} and 32 hex digits; the same on every delivery
 * @param type what happened
 * @param creatorId the creator the change concerns
 * @param occurredAt when the change was made
 * @param position the event's place in the delivery order, increasing; events of one creator are
 *     delivered in this order
 * @param payload the event's data as a JSON object; its fields are documented on each {@link EventType}
 */
public record EarningsEvent(String id, EventType type, String creatorId, Instant occurredAt, long position,
        String payload) {
    /**
     * Checks the parts.
     *
     * @param id the event's unique id
     * @param type what happened
     * @param creatorId the creator the change concerns
     * @param occurredAt when the change was made
     * @param position the event's place in the delivery order
     * @param payload the event's data as a JSON object
     * @throws NullPointerException if a part is missing
     */
    public EarningsEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(creatorId, "creatorId");
        Objects.requireNonNull(occurredAt, "occurredAt");
        Objects.requireNonNull(payload, "payload");
    }
}
