package dev.earnings.jdbc;

import dev.earnings.core.EarningsException;

/**
 * A payout was asked to move in a way the rules forbid: only a {@code PENDING} payout moves, and
 * only once. Nothing was changed.
 *
 * <p>Two admins completing and failing the same payout at once get one success and one of these.
 */
public final class IllegalPayoutTransitionException extends EarningsException {
    private static final long serialVersionUID = 1L;

    private final long payoutId;
    private final PayoutStatus from;
    private final PayoutStatus to;

    /**
     * Creates the exception.
     *
     * @param payoutId the payout
     * @param from its status
     * @param to the status asked for
     */
    public IllegalPayoutTransitionException(long payoutId, PayoutStatus from, PayoutStatus to) {
        super("payout " + payoutId + " is " + from + " and cannot become " + to
                + "; allowed: PENDING to COMPLETED, FAILED or CANCELLED, once");
        this.payoutId = payoutId;
        this.from = from;
        this.to = to;
    }

    /**
     * The payout.
     *
     * @return its id
     */
    public long payoutId() {
        return payoutId;
    }

    /**
     * The status it has.
     *
     * @return the current status
     */
    public PayoutStatus from() {
        return from;
    }

    /**
     * The status that was asked for.
     *
     * @return the refused status
     */
    public PayoutStatus to() {
        return to;
    }
}
