package dev.earnings.jdbc;

import dev.earnings.core.Money;

/**
 * One creator in the admin's creators overview.
 *
 * @param creatorId the creator
 * @param lifetimeEarnings everything earned, less every reversal
 * @param periodEarnings earned in the period, less the reversals made in it
 * @param periodReversed what the reversals made in the period took back
 * @param periodUses uses in the period
 * @param models models registered
 * @param balance earned, held, pending, paid out and available, and what is owed
 */
public record CreatorOverview(String creatorId, Money lifetimeEarnings, Money periodEarnings, Money periodReversed,
        long periodUses, long models,
        Balance balance) {

    /** What the overview can be sorted by. */
    public enum Sort {
        /** Alphabetically by id. */
        CREATOR_ID,
        /** By lifetime earnings. */
        LIFETIME_EARNINGS,
        /** By earnings in the period. */
        PERIOD_EARNINGS,
        /** By uses in the period. */
        PERIOD_USES,
        /** By number of models. */
        MODELS,
        /** By available balance. */
        AVAILABLE_BALANCE
    }
}
