package dev.earnings.jdbc;

import dev.earnings.core.Money;
import java.math.RoundingMode;

/**
 * A creator's balance: {@code available = earned - held - pending - paidOut}.
 *
 * <p>{@code earned} is precise (12 places) and net of reversals; payouts are whole minor units,
 * so {@code available} keeps the sub-cent remainder: nothing is rounded away.
 * {@link #availableMinor()} is what a new payout may take at most. A reversal after a payout may
 * take {@code available} below zero: the creator then {@linkplain #owed() owes} the platform, and
 * later earnings repay it before anything is available again.
 *
 * @param creatorId the creator
 * @param earned everything the creator's models earned, less every reversal
 * @param held the part of {@code earned} still in its hold: earnings of uses whose UTC day is
 *     less than the deployment's {@code holdDays} full days ago, less their reversals; zero
 *     without holds
 * @param pending payouts reserved but not yet completed
 * @param paidOut payouts completed
 * @param available what is left: earned minus held, pending and paid out; negative while the
 *     creator owes the platform
 */
public record Balance(String creatorId, Money earned, Money held, Money pending, Money paidOut, Money available) {

    /**
     * The largest payout possible now, in whole minor units (rounded down).
     *
     * @return available minor units, 0 or more
     */
    public long availableMinor() {
        return Math.max(0, available.toMinorUnits(RoundingMode.DOWN));
    }

    /**
     * What the creator owes the platform: how far {@code available} is below zero, after
     * reversals of uses already paid out.
     *
     * @return the debt, zero when {@code available} is zero or more
     */
    public Money owed() {
        return available.signum() < 0 ? Money.zero(available.currency()).minus(available) : Money.zero(available.currency());
    }
}
