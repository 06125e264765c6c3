package dev.earnings.jdbc;

import dev.earnings.core.EarningsException;

/**
 * A payout asked for more than the creator's available balance; nothing was reserved.
 *
 * <p>The available balance is {@code earned - paid out - pending}, in whole minor units rounded
 * down; it is checked under the creator's lock, so concurrent payouts can never overdraw it.
 */
public final class InsufficientFundsException extends EarningsException {
    private static final long serialVersionUID = 1L;

    private final long requestedMinor;
    private final long availableMinor;

    /**
     * Creates the exception.
     *
     * @param creatorId the creator
     * @param requestedMinor the amount asked for, in minor units
     * @param availableMinor the most that could be paid out, in minor units
     */
    public InsufficientFundsException(String creatorId, long requestedMinor, long availableMinor) {
        super("amountMinor is " + requestedMinor + " but creator '" + creatorId + "' has " + availableMinor
                + " available; allowed: 1 to the available balance in minor units");
        this.requestedMinor = requestedMinor;
        this.availableMinor = availableMinor;
    }

    /**
     * The amount asked for.
     *
     * @return minor units
     */
    public long requestedMinor() {
        return requestedMinor;
    }

    /**
     * The most a payout could take when it was refused.
     *
     * @return minor units
     */
    public long availableMinor() {
        return availableMinor;
    }
}
