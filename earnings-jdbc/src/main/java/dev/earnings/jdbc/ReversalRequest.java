package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.Money;
import dev.earnings.core.internal.Checks;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * A reversal to make: which use, how much of it, under which correction id, and why. Immutable;
 * start from {@link #whole} or {@link #partial}.
 *
 * <pre>{@code
 * ReversalRequest.whole("evt-123", "refund-123", "generation failed, user refunded");
 * ReversalRequest.partial("evt-456", new BigDecimal("0.005"), "dispute-456", "half the tokens were lost");
 * }</pre>
 *
 * @param eventId the reversed use's eventId
 * @param amount how much of the use's earnings to reverse, exact, greater than 0 and at most 12
 *     decimal places; empty for all that remains of it
 * @param correctionId the host's id for this correction, 1 to 128 characters, unique across the
 *     deployment: the same correction id and request again return the original reversal, so a
 *     retried correction never takes twice
 * @param reason why, 1 to {@value PayoutRequest#MAX_TEXT} characters; kept with the reversal and
 *     shown to the creator, so it must not hold anything private
 */
public record ReversalRequest(String eventId, Optional<BigDecimal> amount, String correctionId, String reason) {
    /** The largest amount a use can earn, so the largest a reversal can take: below 10^26. */
    private static final BigDecimal LIMIT = BigDecimal.TEN.pow(26);

    /**
     * Checks every part.
     *
     * @param eventId the use
     * @param amount the amount, or empty for what remains
     * @param correctionId the correction id
     * @param reason why
     */
    public ReversalRequest {
        Checks.requireId("eventId", eventId);
        if (amount == null) {
            throw new InvalidInputException("amount", "amount is missing; allowed: Optional.empty() for what remains of"
                    + " the use, or an amount");
        }
        amount.ifPresent(ReversalRequest::requireAmount);
        amount = amount.map(Checks::canonical);
        Checks.requireId("correctionId", correctionId);
        if (reason == null || reason.isBlank()) {
            throw new InvalidInputException("reason", "reason is " + (reason == null ? "missing" : "blank")
                    + "; allowed: why the use is reversed, 1 to " + PayoutRequest.MAX_TEXT + " characters");
        }
        PayoutRequest.requireText("reason", reason);
    }

    /**
     * Reverses all that remains of a use.
     *
     * @param eventId the use's eventId
     * @param correctionId the correction id, unique across the deployment
     * @param reason why
     * @return the request
     */
    public static ReversalRequest whole(String eventId, String correctionId, String reason) {
        return new ReversalRequest(eventId, Optional.empty(), correctionId, reason);
    }

    /**
     * Reverses part of a use.
     *
     * @param eventId the use's eventId
     * @param amount how much, greater than 0, at most 12 decimal places
     * @param correctionId the correction id, unique across the deployment
     * @param reason why
     * @return the request
     */
    public static ReversalRequest partial(String eventId, BigDecimal amount, String correctionId, String reason) {
        if (amount == null) {
            throw new InvalidInputException("amount", "amount is missing; allowed: a decimal greater than 0");
        }
        return new ReversalRequest(eventId, Optional.of(amount), correctionId, reason);
    }

    private static void requireAmount(BigDecimal amount) {
        if (amount.signum() <= 0 || amount.compareTo(LIMIT) >= 0 || Checks.significantScale(amount) > Money.SCALE) {
            throw new InvalidInputException("amount", "amount is " + Checks.shown(amount) + "; allowed: greater than 0,"
                    + " below 10^26, with at most " + Money.SCALE + " decimal places");
        }
    }
}
