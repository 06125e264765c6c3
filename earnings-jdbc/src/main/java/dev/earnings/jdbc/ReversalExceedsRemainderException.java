package dev.earnings.jdbc;

import dev.earnings.core.EarningsException;
import dev.earnings.core.Money;

/**
 * A reversal asked for more than remains of its use (its earnings minus its earlier reversals);
 * nothing was reversed.
 *
 * <p>What remains is read under the creator's lock, so reversals of one use from many threads or
 * processes can never take more than it earned.
 */
public final class ReversalExceedsRemainderException extends EarningsException {
    private static final long serialVersionUID = 1L;

    private final transient Money remaining;

    /**
     * Creates the exception.
     *
     * @param eventId the use
     * @param requested what was asked for, or {@code null} for all that remains
     * @param remaining what remains of the use
     */
    public ReversalExceedsRemainderException(String eventId, Money requested, Money remaining) {
        super("amount is " + (requested == null ? "all that remains" : requested.amount().stripTrailingZeros().toPlainString())
                + " but use '" + eventId + "' has " + remaining.amount().stripTrailingZeros().toPlainString()
                + " left to reverse; allowed: greater than 0 and at most what remains of the use");
        this.remaining = remaining;
    }

    /**
     * What remained of the use when the reversal was refused.
     *
     * @return the remaining earnings, zero or more
     */
    public Money remaining() {
        return remaining;
    }
}
