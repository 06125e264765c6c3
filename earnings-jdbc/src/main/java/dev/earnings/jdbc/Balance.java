package dev.earnings.jdbc;

import dev.earnings.core.Money;

/**
 * A creator's balance: {@code available = earned - paidOut - pending}.
 *
 * <p>{@code earned} is precise (12 places); payouts are whole minor units, so {@code available}
 * keeps the sub-cent remainder: nothing is rounded away. {@link #availableMinor()} is what a new
 * payout may take at most.
 *
 * @param creatorId the creator
 * @param earned everything the creator's models earned
 * @param pending payouts reserved but not yet completed
 * @param paidOut payouts completed
 * @param available what is left: earned minus paid out minus pending
 */
public record Balance(String creatorId, Money earned, Money pending, Money paidOut, Money available) {

    /**
     * The largest payout possible now, in whole minor units (rounded down).
     *
     * @return available minor units, 0 or more
     */
    public long availableMinor() {
        return Math.max(0, available.toMinorUnits(java.math.RoundingMode.DOWN));
    }
}
