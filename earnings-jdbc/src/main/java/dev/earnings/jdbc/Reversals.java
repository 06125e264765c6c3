package dev.earnings.jdbc;

import dev.earnings.core.EarningsException;
import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.internal.Access;
import dev.earnings.jdbc.internal.Corrections;
import dev.earnings.jdbc.internal.Scope;
import dev.earnings.jdbc.internal.Transactor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Taking back what a use earned: a refunded generation, a use found to be fraud, a chargeback.
 *
 * <p>Obtained from {@link Earnings#reversals()}. A reversal takes part or all of what remains of
 * one use's earnings, never more; it is a row of its own, and the use is never changed: it keeps
 * its ordinal and its rating, no other use is re-rated and no tier moves back. It lowers the
 * model's and the creator's lifetime earnings at once, and the earnings of the UTC day it is made
 * (not the use's day, which may lie in a period already reported or paid). A reversal after a
 * payout may take the creator's available balance below zero: they then owe the platform, and
 * later earnings repay it first.
 *
 * <p>Each reversal has the host's correction id, accepted once, forever: the same request again
 * returns the original reversal (marked {@linkplain Reversal#replayed() replayed}); a different
 * request under the same id is a {@link ReversalConflictException}. Making reversals requires an
 * admin {@link Caller}, recorded as its actor.
 */
public final class Reversals {
    private static final int MAX_REQUESTS = 10_000;

    private final Transactor tx;
    private final Corrections corrections;
    private final Access access;

    Reversals(Transactor tx, Corrections corrections, Access access) {
        this.tx = tx;
        this.corrections = corrections;
        this.access = access;
    }

    /**
     * Reverses part or all of a use.
     *
     * @param caller an admin, recorded as the reversal's actor
     * @param request the use's eventId, the amount (or all that remains), the correction id and
     *     the reason
     * @return the reversal, with what remains of the use after it
     * @throws AccessDeniedException if the caller is not an admin
     * @throws ReversalExceedsRemainderException if the amount is more than remains of the use
     *     (all that remains, when nothing does)
     * @throws ReversalConflictException if the correction id names a different reversal
     * @throws InvalidInputException if the request is missing or its eventId is not a recorded use
     * @throws StorageException if the database fails after the retries
     */
    public Reversal reverse(Caller caller, ReversalRequest request) {
        Access.requireAdmin(caller);
        if (request == null) {
            throw new InvalidInputException("request", "request is missing; allowed: ReversalRequest.whole(eventId,"
                    + " correctionId, reason) or ReversalRequest.partial(...)");
        }
        return corrections.reverse(Scope.of(caller), caller.id(), request);
    }

    /**
     * Makes many reversals, each on its own (one refused or failed does not stop the others), in
     * the order given, so several reversals of one use take from what the earlier ones left.
     *
     * @param caller an admin, recorded as every reversal's actor
     * @param requests up to 10,000 reversals
     * @return one result per request, in order
     * @throws AccessDeniedException if the caller is not an admin
     * @throws InvalidInputException if the list is missing or too long
     */
    public List<ReversalResult> reverseAll(Caller caller, List<ReversalRequest> requests) {
        Access.requireAdmin(caller);
        if (requests == null || requests.size() > MAX_REQUESTS) {
            throw new InvalidInputException("requests", "requests is " + (requests == null ? "missing" : requests.size()
                    + " reversals") + "; allowed: a list of up to " + MAX_REQUESTS + " reversals");
        }
        List<ReversalResult> results = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            ReversalRequest request = requests.get(i);
            Optional<String> correctionId = Optional.ofNullable(request).map(ReversalRequest::correctionId);
            try {
                results.add(new ReversalResult(i, correctionId, Optional.of(reverse(caller, request)), Optional.empty()));
            } catch (EarningsException e) {
                results.add(new ReversalResult(i, correctionId, Optional.empty(), Optional.of(e)));
            }
        }
        return results;
    }

    /**
     * The reversals of a use, oldest first.
     *
     * @param caller an admin, or the use's creator
     * @param eventId the use
     * @return its reversals, each with what remained of the use after it; empty when it has none,
     *     is not recorded, or belongs to another creator
     * @throws AccessDeniedException if the caller is missing or unknown
     */
    public List<Reversal> ofUse(Caller caller, String eventId) {
        dev.earnings.core.internal.Checks.requireId("eventId", eventId);
        return tx.inTransaction("reading the reversals of use '" + eventId + "'", Scope.of(caller), (h, attempt) -> {
            access.requireKnown(h, caller);
            List<Reversal> reversals = corrections.ofUse(h, eventId);
            if (caller instanceof Caller.Creator && reversals.stream().anyMatch(r -> !r.creatorId().equals(caller.id()))) {
                return List.of();
            }
            return reversals;
        });
    }
}
