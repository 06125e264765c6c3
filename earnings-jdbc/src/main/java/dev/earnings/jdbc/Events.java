package dev.earnings.jdbc;

import dev.earnings.jdbc.internal.EventDelivery;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Events out of the library: the changes it makes (a use reversed, a tier reached, a payout created
 * or moved; every use recorded when the host turns that on), each written to an outbox in the
 * change's own transaction and delivered to named {@linkplain EventConsumer consumers}.
 *
 * <p>These are calls of the host's trusted backend, like recording: they name no caller.
 */
public final class Events {
    private final EventDelivery delivery;
    private final Consumer<EventConsumer> onStart;
    private final Consumer<EventConsumer> onClose;

    Events(EventDelivery delivery, Consumer<EventConsumer> onStart, Consumer<EventConsumer> onClose) {
        this.delivery = delivery;
        this.onStart = onStart;
        this.onClose = onClose;
    }

    /**
     * Starts configuring an instance of a named consumer. Instances with the same name, in this
     * process or others, share its cursor and split its work.
     *
     * @param name 1 to 128 of {@code A-Z a-z 0-9 . _ : -}
     * @param handler what is done with each event
     * @return the consumer's builder
     * @throws dev.earnings.core.InvalidConfigurationException if the name or the handler is not allowed
     */
    public EventConsumer.Builder consumer(String name, EventHandler handler) {
        return new EventConsumer.Builder(name, handler, delivery, onStart, onClose);
    }

    /**
     * The events a consumer gave up on, oldest first.
     *
     * @param consumer the consumer's name
     * @return the dead letters; empty for an unknown consumer
     * @throws dev.earnings.core.InvalidInputException if the name is not a consumer's name
     * @throws StorageException if the database failed after the retries
     */
    public List<DeadLetter> deadLetters(String consumer) {
        return delivery.deadLetters(EventConsumer.requireName(consumer));
    }

    /**
     * How far behind a consumer is.
     *
     * @param consumer the consumer's name
     * @return its status, or empty if it never ran
     * @throws StorageException if the database failed after the retries
     */
    public Optional<EventConsumerStatus> status(String consumer) {
        return delivery.status(EventConsumer.requireName(consumer));
    }

    /**
     * Forgets a consumer that will not run again: its cursor and dead letters. Until then its
     * cursor keeps every event after it from being pruned.
     *
     * @param consumer the consumer's name
     * @return whether it existed
     * @throws StorageException if the database failed after the retries
     */
    public boolean removeConsumer(String consumer) {
        return delivery.remove(EventConsumer.requireName(consumer));
    }

    /**
     * Deletes the events older than the retention ({@code Earnings.Builder.eventRetention}) that
     * every consumer has handled and none holds as a dead letter. Running consumers do this every
     * ten minutes; a host without consumers calls it itself.
     *
     * @return how many events were deleted
     * @throws StorageException if the database failed after the retries
     */
    public int prune() {
        return delivery.prune();
    }
}
