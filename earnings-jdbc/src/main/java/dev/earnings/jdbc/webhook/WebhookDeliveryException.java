package dev.earnings.jdbc.webhook;

import dev.earnings.core.EarningsException;
import dev.earnings.jdbc.EventType;
import java.util.Objects;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * One attempt to deliver a webhook failed: the receiver answered other than 2xx, did not answer
 * in time, or could not be reached. Thrown by {@link WebhookSender#handle}, so that the consumer
 * running the sender tries the event again later, with back-off, and finally sets it aside as a
 * dead letter.
 *
 * <p>The message names the event, its type, the endpoint's scheme, host and port (never its path
 * or query, which may hold a token) and what went wrong; the signing secret appears nowhere. When
 * no answer came, the cause is the HTTP client's failure.
 */
public final class WebhookDeliveryException extends EarningsException {
    private static final long serialVersionUID = 1L;

    private final String eventId;
    private final EventType type;
    private final int status;

    /**
     * Creates the exception.
     *
     * @param message what was attempted and what went wrong
     * @param eventId the event's id
     * @param type the event's type
     * @param status the receiver's HTTP status, or -1 when no answer came
     * @param cause the HTTP client's failure when no answer came, otherwise {@code null}
     */
    public WebhookDeliveryException(String message, String eventId, EventType type, int status,
            @Nullable Throwable cause) {
        super(message, cause);
        this.eventId = Objects.requireNonNull(eventId, "eventId");
        this.type = Objects.requireNonNull(type, "type");
        this.status = status;
    }

    /**
     * The event that was not delivered.
     *
     * @return its id, the one every attempt sends
     */
    public String eventId() {
        return eventId;
    }

    /**
     * The type of the event that was not delivered.
     *
     * @return the type
     */
    public EventType type() {
        return type;
    }

    /**
     * The receiver's answer, when one came: a 4xx says the receiver refused the request (a wrong
     * secret, a clock far off), a 5xx that it failed to handle it.
     *
     * @return the HTTP status, or empty after a timeout or a failure to connect
     */
    public OptionalInt status() {
        return status < 0 ? OptionalInt.empty() : OptionalInt.of(status);
    }
}
