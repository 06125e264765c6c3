package dev.earnings.jdbc.webhook;

import dev.earnings.core.EarningsException;
import java.util.Objects;

/**
 * A webhook request failed {@linkplain WebhookVerifier verification}: it is not known to come from
 * the sender holding the shared secret, or not recently, and must not be acted on. A receiver
 * answers it with a 4xx (400 or 401) and handles nothing.
 *
 * <p>The {@link #reason()} says which check failed, for the receiver's logs and metrics. The
 * message names the header and the problem, never a header's value or the body, which the
 * request's sender chose, and never the secret.
 */
public final class WebhookSignatureException extends EarningsException {
    private static final long serialVersionUID = 1L;

    /** Which check a request failed. */
    public enum Reason {
        /** The timestamp or the signature header is absent or blank. */
        MISSING_HEADER,
        /** The timestamp is not decimal Unix seconds, or the signature header holds no {@code v1=} value of 64 hex digits. */
        MALFORMED_HEADER,
        /**
         * No signature matches the timestamp and body under the verifier's secrets: the body, the
         * timestamp or the signature was altered, or the secrets differ.
         */
        SIGNATURE_MISMATCH,
        /** Correctly signed, but longer ago than the tolerance: a replay, or a receiver's clock far ahead. */
        TIMESTAMP_TOO_OLD,
        /** Correctly signed, but further ahead than the tolerance: a sender's clock far ahead. */
        TIMESTAMP_IN_FUTURE,
        /**
         * Correctly signed and recent, but not an event this version of the library reads (only from
         * {@link WebhookVerifier#verifyEvent}): a type added in a later version, for instance.
         */
        UNREADABLE_BODY
    }

    private final Reason reason;

    /**
     * Creates the exception.
     *
     * @param reason which check failed
     * @param message the header or part at fault and the problem
     */
    public WebhookSignatureException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * Which check failed.
     *
     * @return the reason
     */
    public Reason reason() {
        return reason;
    }
}
