package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;

/**
 * A payout reference was used before for the same creator with another amount; nothing was
 * reserved.
 *
 * <p>A reference makes creation replay-safe: the same reference and amount return the original
 * payout. A different amount under the same reference means two different payouts were given one
 * name, which only the host can resolve.
 */
public final class PayoutReferenceConflictException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param reference the reused reference
     * @param existing the payout created with it
     * @param requestedMinor the amount asked for now
     */
    public PayoutReferenceConflictException(String reference, Payout existing, long requestedMinor) {
        super("reference", "reference '" + reference + "' already names payout " + existing.id() + " of "
                + existing.amountMinor() + " minor units, not " + requestedMinor
                + "; allowed: the same amount to get that payout back, or a new reference");
    }
}
