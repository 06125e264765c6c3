package dev.earnings.core;

import dev.earnings.core.internal.Checks;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;
import java.util.Objects;

/**
 * An exact amount of money in one currency, held to 12 decimal places.
 *
 * <p>Twelve places is the precision of a single use's earnings (see the contract): sub-cent amounts
 * per use are normal, and aggregates must be exact sums of them, so the type never rounds on its
 * own. Creating a value with more than 12 places is an error rather than a silent rounding; the
 * only way to lose digits is {@link #multipliedBy(BigDecimal, RoundingMode)} or
 * {@link #toMinorUnits(RoundingMode)}, which name their rounding mode.
 *
 * <p>Values are immutable. Two values are {@link #equals(Object) equal} when they have the same
 * currency and the same amount, whatever scale the amount was written with ({@code 0.10} equals
 * {@code 0.1}), because the amount is always stored at scale 12.
 */
public final class Money implements Comparable<Money> {
    /** The number of decimal places every amount is held to. */
    public static final int SCALE = Checks.MAX_SCALE;

    private final Currency currency;
    private final BigDecimal amount;

    private Money(Currency currency, BigDecimal amount) {
        this.currency = currency;
        this.amount = amount;
    }

    /**
     * An exact amount.
     *
     * @param currency the currency
     * @param amount the amount, with at most 12 decimal places
     * @return the value
     * @throws InvalidInputException if the amount has more than 12 decimal places
     */
    public static Money of(Currency currency, BigDecimal amount) {
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(amount, "amount");
        if (Checks.significantScale(amount) > SCALE) {
            throw new InvalidInputException("amount", "amount " + Checks.shown(amount) + " has "
                    + Checks.significantScale(amount) + " decimal places; allowed: at most " + SCALE
                    + " (round it explicitly first)");
        }
        return new Money(currency, amount.setScale(SCALE));
    }

    /**
     * An exact amount, from an ISO 4217 code and a decimal literal; convenient in tests and
     * configuration.
     *
     * @param currencyCode an ISO 4217 code such as {@code USD}
     * @param amount a decimal literal such as {@code 0.015}
     * @return the value
     * @throws InvalidInputException if the code or the literal is not valid
     */
    public static Money of(String currencyCode, String amount) {
        Objects.requireNonNull(amount, "amount");
        BigDecimal parsed;
        try {
            parsed = new BigDecimal(amount.strip());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("amount", "amount '" + amount + "' is not a decimal number; write it like 12.50");
        }
        return of(currency(currencyCode), parsed);
    }

    /**
     * An amount given in the currency's minor units, for example cents for USD.
     *
     * @param currency the currency; it must have minor units defined
     * @param minorUnits the number of minor units
     * @return the value
     */
    public static Money ofMinor(Currency currency, long minorUnits) {
        Objects.requireNonNull(currency, "currency");
        return new Money(currency, BigDecimal.valueOf(minorUnits, minorDigits(currency)).setScale(SCALE));
    }

    /**
     * Zero in a currency.
     *
     * @param currency the currency
     * @return zero
     */
    public static Money zero(Currency currency) {
        return new Money(Objects.requireNonNull(currency, "currency"), BigDecimal.ZERO.setScale(SCALE));
    }

    /**
     * Looks up a currency by its ISO 4217 code with a message that names the problem.
     *
     * @param currencyCode the code, such as {@code USD}
     * @return the currency
     * @throws InvalidInputException if the code is not a known ISO 4217 code
     */
    public static Currency currency(String currencyCode) {
        if (currencyCode == null) {
            throw new InvalidInputException("currency", "currency is required; allowed: an ISO 4217 code such as USD");
        }
        try {
            return Currency.getInstance(currencyCode);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("currency", "currency '" + currencyCode
                    + "' is not an ISO 4217 code; allowed: a code such as USD or EUR");
        }
    }

    /**
     * The currency.
     *
     * @return the currency
     */
    public Currency currency() {
        return currency;
    }

    /**
     * The exact amount.
     *
     * @return the amount, always at scale 12
     */
    public BigDecimal amount() {
        return amount;
    }

    /**
     * The exact sum.
     *
     * @param other an amount in the same currency
     * @return {@code this + other}
     * @throws CurrencyMismatchException if the currencies differ
     */
    public Money plus(Money other) {
        requireSameCurrency(other);
        return new Money(currency, amount.add(other.amount));
    }

    /**
     * The exact difference.
     *
     * @param other an amount in the same currency
     * @return {@code this - other}
     * @throws CurrencyMismatchException if the currencies differ
     */
    public Money minus(Money other) {
        requireSameCurrency(other);
        return new Money(currency, amount.subtract(other.amount));
    }

    /**
     * The product, rounded back to 12 decimal places with the given mode.
     *
     * @param factor the factor, exact
     * @param rounding how to round the 13th and later places away
     * @return {@code this * factor}, rounded
     */
    public Money multipliedBy(BigDecimal factor, RoundingMode rounding) {
        Objects.requireNonNull(factor, "factor");
        Objects.requireNonNull(rounding, "rounding");
        return new Money(currency, amount.multiply(factor).setScale(SCALE, rounding));
    }

    /**
     * The amount in the currency's minor units, for payouts.
     *
     * <p>Payouts move whole minor units; the sub-unit remainder stays in the balance. Use
     * {@link RoundingMode#DOWN} for "what can be paid out" and {@link RoundingMode#UNNECESSARY} to
     * insist that the amount is already whole.
     *
     * @param rounding how to treat a fraction of a minor unit
     * @return the number of minor units
     * @throws ArithmeticException if {@code rounding} is {@code UNNECESSARY} and the amount has a
     *     fraction of a minor unit, or the result does not fit a {@code long}
     */
    public long toMinorUnits(RoundingMode rounding) {
        return amount.setScale(minorDigits(currency), rounding).unscaledValue().longValueExact();
    }

    /**
     * The sign of the amount.
     *
     * @return -1, 0 or 1
     */
    public int signum() {
        return amount.signum();
    }

    /**
     * Whether the amount is zero.
     *
     * @return {@code true} for zero
     */
    public boolean isZero() {
        return amount.signum() == 0;
    }

    /**
     * Compares amounts in the same currency.
     *
     * @param other an amount in the same currency
     * @return negative, zero or positive as this amount is less than, equal to or greater than the other
     * @throws CurrencyMismatchException if the currencies differ
     */
    @Override
    public int compareTo(Money other) {
        requireSameCurrency(other);
        return amount.compareTo(other.amount);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Money && currency.equals(((Money) o).currency) && amount.equals(((Money) o).amount);
    }

    @Override
    public int hashCode() {
        return Objects.hash(currency, amount);
    }

    /**
     * The amount and currency, such as {@code 0.015000000000 USD}; every digit is shown.
     *
     * @return the text form
     */
    @Override
    public String toString() {
        return amount.toPlainString() + " " + currency.getCurrencyCode();
    }

    private void requireSameCurrency(Money other) {
        Objects.requireNonNull(other, "other");
        if (!currency.equals(other.currency)) {
            throw new CurrencyMismatchException(currency, other.currency);
        }
    }

    private static int minorDigits(Currency currency) {
        int digits = currency.getDefaultFractionDigits();
        if (digits < 0) {
            throw new InvalidInputException("currency", "currency " + currency.getCurrencyCode()
                    + " has no minor units; allowed: a currency with minor units such as USD");
        }
        return digits;
    }
}
