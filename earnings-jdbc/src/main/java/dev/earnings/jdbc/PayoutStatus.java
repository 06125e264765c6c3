package dev.earnings.jdbc;

/**
 * Where a payout stands. A payout is created {@code PENDING} and moves exactly once, to one of
 * the three others; those are final.
 */
public enum PayoutStatus {
    /** Reserved: counts against the available balance until it moves on. */
    PENDING,
    /** Paid: counts as paid out. */
    COMPLETED,
    /** The transfer failed: the amount is available again. */
    FAILED,
    /** Withdrawn before it was paid: the amount is available again. */
    CANCELLED
}
