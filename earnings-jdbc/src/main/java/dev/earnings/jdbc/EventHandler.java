package dev.earnings.jdbc;

/**
 * What a consumer does with each event: send it on, update a read model, notify a creator.
 *
 * <p>Events come at least once: after a crash, or when a batch is handed to another instance, a
 * handler may see an event it already handled, and should recognise it by {@link EarningsEvent#id()}.
 * A handler that throws has the event retried with back-off, and, after the consumer's attempts,
 * moved to the dead letters, from which it can be replayed; the creator's later events wait
 * meanwhile, so their order is kept.
 */
@FunctionalInterface
public interface EventHandler {
    /**
     * Handles one event.
     *
     * @param event the event
     * @throws Exception if it could not be handled now; the event is tried again
     */
    void handle(EarningsEvent event) throws Exception;
}
