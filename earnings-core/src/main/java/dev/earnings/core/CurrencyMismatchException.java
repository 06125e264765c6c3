package dev.earnings.core;

import java.util.Currency;

/**
 * Two amounts in different currencies were combined.
 *
 * <p>A deployment has exactly one currency, so this always means a host mixed up values from two
 * configurations; converting silently would be wrong.
 */
public final class CurrencyMismatchException extends EarningsException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param expected the currency of the left-hand amount
     * @param actual the currency of the right-hand amount
     */
    public CurrencyMismatchException(Currency expected, Currency actual) {
        super("amounts must share one currency, but " + expected.getCurrencyCode() + " was combined with "
                + actual.getCurrencyCode());
    }
}
