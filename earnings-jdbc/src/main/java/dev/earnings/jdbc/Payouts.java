package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.internal.PayoutStore;
import java.util.List;
import java.util.Optional;

/**
 * Paying creators: reserve a payout, then complete, fail or cancel it.
 *
 * <p>Obtained from {@link Earnings#payouts()}. Amounts are whole minor units of the currency; the
 * sub-cent remainder of a balance stays in it. Creating a payout reserves its amount as
 * {@code PENDING} against {@code available = earned - paid out - pending}; concurrent payouts never
 * overdraw. A pending payout moves exactly once; failed and cancelled payouts release their amount.
 * Every change records who, when and why. Managing payouts requires an admin {@link Caller}.
 */
public final class Payouts {
    private final PayoutStore store;

    Payouts(PayoutStore store) {
        this.store = store;
    }

    /**
     * Reserves a payout. The same reference and amount again return the original payout, so a
     * retried request never pays twice.
     *
     * @param caller an admin, recorded as the creator of the payout
     * @param creatorId the creator to pay
     * @param amountMinor the amount in minor units (cents for USD), 1 to the available balance
     * @param reference the host's reference, 1 to 128 characters, unique per creator
     * @param note an optional note, up to 2000 characters
     * @return the pending payout
     * @throws AccessDeniedException if the caller is not an admin
     * @throws InsufficientFundsException if the amount exceeds the available balance
     * @throws PayoutReferenceConflictException if the reference names a payout of another amount
     * @throws InvalidInputException if an argument is not allowed
     * @throws StorageException if the database fails
     */
    public Payout create(Caller caller, String creatorId, long amountMinor, String reference, String note) {
        return store.create(caller, creatorId, amountMinor, reference, note);
    }

    /**
     * Marks a pending payout as paid.
     *
     * @param caller an admin
     * @param payoutId the payout
     * @param reason an optional note, such as the transfer's id
     * @return the completed payout
     * @throws IllegalPayoutTransitionException if the payout is not pending
     * @throws AccessDeniedException if the caller is not an admin
     */
    public Payout complete(Caller caller, long payoutId, String reason) {
        return store.transition(caller, payoutId, PayoutStatus.COMPLETED, reason);
    }

    /**
     * Marks a pending payout as failed, releasing its amount.
     *
     * @param caller an admin
     * @param payoutId the payout
     * @param reason why it failed; required
     * @return the failed payout
     * @throws IllegalPayoutTransitionException if the payout is not pending
     * @throws AccessDeniedException if the caller is not an admin
     */
    public Payout fail(Caller caller, long payoutId, String reason) {
        return store.transition(caller, payoutId, PayoutStatus.FAILED, reason);
    }

    /**
     * Withdraws a pending payout, releasing its amount.
     *
     * @param caller an admin
     * @param payoutId the payout
     * @param reason an optional reason
     * @return the cancelled payout
     * @throws IllegalPayoutTransitionException if the payout is not pending
     * @throws AccessDeniedException if the caller is not an admin
     */
    public Payout cancel(Caller caller, long payoutId, String reason) {
        return store.transition(caller, payoutId, PayoutStatus.CANCELLED, reason);
    }

    /**
     * Completes many payouts, each on its own, and reports each outcome.
     *
     * @param caller an admin
     * @param payoutIds up to 10,000 payouts
     * @param reason an optional note for all
     * @return one result per id, in the order given
     * @throws AccessDeniedException if the caller is not an admin
     */
    public List<PayoutResult> completeAll(Caller caller, List<Long> payoutIds, String reason) {
        return store.transitionAll(caller, payoutIds, PayoutStatus.COMPLETED, reason);
    }

    /**
     * Fails many payouts, each on its own, and reports each outcome.
     *
     * @param caller an admin
     * @param payoutIds up to 10,000 payouts
     * @param reason why they failed; required
     * @return one result per id, in the order given
     * @throws AccessDeniedException if the caller is not an admin
     */
    public List<PayoutResult> failAll(Caller caller, List<Long> payoutIds, String reason) {
        return store.transitionAll(caller, payoutIds, PayoutStatus.FAILED, reason);
    }

    /**
     * Pays out every creator whose available balance is at least {@code thresholdMinor}: each gets
     * one pending payout of their whole available balance in minor units. Running the same batch
     * again creates nothing twice.
     *
     * @param caller an admin
     * @param thresholdMinor the least available balance to pay out, 1 or more
     * @param batchReference 1 to 64 characters naming the batch
     * @param dryRun {@code true} to report what would be paid without writing anything
     * @return one line per creator with an available balance
     * @throws AccessDeniedException if the caller is not an admin
     */
    public BulkPayoutResult payoutAll(Caller caller, long thresholdMinor, String batchReference, boolean dryRun) {
        return store.payoutAll(caller, thresholdMinor, batchReference, dryRun);
    }

    /**
     * Looks a payout up.
     *
     * @param caller an admin, or the payout's creator
     * @param payoutId the payout
     * @return the payout, or empty when it does not exist or belongs to another creator
     * @throws AccessDeniedException if the caller is missing or unknown
     */
    public Optional<Payout> find(Caller caller, long payoutId) {
        return store.find(caller, payoutId);
    }

    /**
     * A payout's history: its creation and its transition, with who, when and why.
     *
     * @param caller an admin
     * @param payoutId the payout
     * @return the events, oldest first
     * @throws AccessDeniedException if the caller is not an admin
     */
    public List<PayoutEvent> history(Caller caller, long payoutId) {
        return store.history(caller, payoutId);
    }
}
