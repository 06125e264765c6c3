package dev.earnings.jdbc;

import java.util.Optional;

/**
 * The outcome of one payout in a bulk transition: the payout as it now stands, or why it did not move.
 *
 * @param payoutId the payout asked for
 * @param payout the payout after the transition, when it succeeded
 * @param error why it did not move, when it failed
 */
public record PayoutResult(long payoutId, Optional<Payout> payout, Optional<String> error) {

    /**
     * Whether the payout moved.
     *
     * @return {@code true} on success
     */
    public boolean succeeded() {
        return payout.isPresent();
    }
}
