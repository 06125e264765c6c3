package dev.earnings.jdbc;

import dev.earnings.core.Money;

/**
 * One creator in the admin's creators overview.
 *
 * @param creatorId the creator
 * @param lifetimeEarnings everything earned
 * @param periodEarnings earned in the period
 * @param periodUses uses in the period
 * @param models models registered
 * @param balance earned, pending, paid out and available
 */
public record CreatorOverview(String creatorId, Money lifetimeEarnings, Money periodEarnings, long periodUses, long models,
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
