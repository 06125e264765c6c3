package dev.earnings.jdbc;

import dev.earnings.core.EarningsException;
import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.internal.Access;
import dev.earnings.jdbc.internal.Ledger;
import dev.earnings.jdbc.internal.Scope;
import dev.earnings.jdbc.internal.Transactor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Paying creators: reserve a payout, then complete, fail or cancel it.
 *
 * <p>Obtained from {@link Earnings#payouts()}. Amounts are whole minor units of the currency; the
 * sub-cent remainder of a balance stays in it. Creating a payout reserves its amount as
 * {@code PENDING} against {@code available = earned - paid out - pending}; concurrent payouts never
 * overdraw. A pending payout moves exactly once; failed and cancelled payouts release their amount.
 * Every change records who, when and why. Managing payouts requires an admin {@link Caller}.
 *
 * <p>A call whose commit is lost in transit is retried and finds its own write: it succeeds with
 * the payout it wrote, it does not report the payout as someone else's.
 */
public final class Payouts {
    private static final int MAX_IDS = 10_000;

    private final Transactor tx;
    private final Ledger ledger;
    private final Access access;

    Payouts(Transactor tx, Ledger ledger, Access access) {
        this.tx = tx;
        this.ledger = ledger;
        this.access = access;
    }

    /**
     * Reserves a payout. The same reference and amount again return the original payout, so a
     * retried request never pays twice.
     *
     * @param caller an admin, recorded as the creator of the payout
     * @param request the creator, the amount in minor units (1 to the available balance), the
     *     reference and an optional note
     * @return the pending payout
     * @throws AccessDeniedException if the caller is not an admin
     * @throws InsufficientFundsException if the amount exceeds the available balance
     * @throws PayoutReferenceConflictException if the reference names a payout of another amount
     * @throws InvalidInputException if the request is missing or names an unknown creator
     * @throws StorageException if the database fails
     */
    public Payout create(Caller caller, PayoutRequest request) {
        Access.requireAdmin(caller);
        if (request == null) {
            throw new InvalidInputException("request", "request is missing; allowed: PayoutRequest.of(creatorId, amountMinor,"
                    + " reference)");
        }
        return ledger.create(Scope.of(caller), caller.id(), request);
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
    public Payout complete(Caller caller, long payoutId, @Nullable String reason) {
        return transition(caller, payoutId, PayoutStatus.COMPLETED, reason);
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
        return transition(caller, payoutId, PayoutStatus.FAILED, reason);
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
    public Payout cancel(Caller caller, long payoutId, @Nullable String reason) {
        return transition(caller, payoutId, PayoutStatus.CANCELLED, reason);
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
    public List<PayoutResult> completeAll(Caller caller, List<Long> payoutIds, @Nullable String reason) {
        return transitionAll(caller, payoutIds, PayoutStatus.COMPLETED, reason);
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
        return transitionAll(caller, payoutIds, PayoutStatus.FAILED, reason);
    }

    /**
     * Pays out every creator whose available balance is at least the request's threshold: each
     * gets one pending payout of their whole available balance in minor units. Running the same
     * batch again creates nothing twice.
     *
     * @param caller an admin
     * @param request the batch reference, the threshold and whether it is a dry run
     * @return one line per creator with an available balance
     * @throws AccessDeniedException if the caller is not an admin
     * @throws InvalidInputException if the request is missing
     */
    public BulkPayoutResult payoutAll(Caller caller, BulkPayoutRequest request) {
        Access.requireAdmin(caller);
        if (request == null) {
            throw new InvalidInputException("request", "request is missing; allowed: BulkPayoutRequest.of(batchReference)");
        }
        return ledger.payoutAll(Scope.of(caller), caller.id(), request);
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
        return tx.inTransaction("reading payout " + payoutId, Scope.of(caller), (h, attempt) -> {
            access.requireKnown(h, caller);
            Optional<Payout> payout = ledger.find(h, payoutId);
            if (caller instanceof Caller.Creator && payout.isPresent() && !payout.get().creatorId().equals(caller.id())) {
                return Optional.empty();
            }
            return payout;
        });
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
        Access.requireAdmin(caller);
        return tx.inTransaction("reading the history of payout " + payoutId, Scope.of(caller), (h, attempt) -> ledger.history(h, payoutId));
    }

    private Payout transition(Caller caller, long payoutId, PayoutStatus to, @Nullable String reason) {
        Access.requireAdmin(caller);
        if (to == PayoutStatus.FAILED && (reason == null || reason.isBlank())) {
            throw new InvalidInputException("reason", "reason is missing; allowed: a reason for a failed payout, 1 to "
                    + PayoutRequest.MAX_TEXT + " characters");
        }
        PayoutRequest.requireText("reason", reason);
        return ledger.transition(Scope.of(caller), caller.id(), payoutId, to, reason);
    }

    private List<PayoutResult> transitionAll(Caller caller, List<Long> payoutIds, PayoutStatus to, @Nullable String reason) {
        Access.requireAdmin(caller);
        if (payoutIds == null || payoutIds.size() > MAX_IDS) {
            throw new InvalidInputException("payoutIds", "payoutIds is " + (payoutIds == null ? "missing" : payoutIds.size()
                    + " ids") + "; allowed: a list of up to " + MAX_IDS + " ids");
        }
        List<PayoutResult> results = new ArrayList<>();
        for (Long id : payoutIds) {
            if (id == null) {
                results.add(new PayoutResult(0, Optional.empty(), Optional.of("payoutId is missing")));
                continue;
            }
            try {
                results.add(new PayoutResult(id, Optional.of(transition(caller, id, to, reason)), Optional.empty()));
            } catch (EarningsException e) {
                results.add(new PayoutResult(id, Optional.empty(), Optional.of(e.getMessage())));
            }
        }
        return results;
    }
}
