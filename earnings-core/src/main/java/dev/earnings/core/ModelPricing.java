package dev.earnings.core;

import dev.earnings.core.internal.Checks;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * What a model's creator earns per use, before the usage-tier and usage-type multipliers.
 *
 * <p>Prices are amounts in the deployment's currency, exact, with at most 12 decimal places and
 * below {@link #MAX_PRICE}. They are validated here, on creation, so that a bad price is refused
 * when a model is registered rather than when its first use is recorded. Prices are kept in a
 * canonical form (trailing zeros dropped), so {@code 0.010} and {@code 0.01} make equal pricings.
 *
 * @param earningsPerUse the flat amount per use, {@code >= 0}
 * @param earningsPerToken the amount per consumed token, {@code >= 0}
 * @param monetized whether uses earn at all; when off, uses are still recorded and counted toward
 *     the tier but earn nothing ({@link NoEarningsReason#NOT_MONETIZED})
 */
public record ModelPricing(BigDecimal earningsPerUse, BigDecimal earningsPerToken, boolean monetized) {

    /**
     * Prices must be below this amount (one billion). The bound keeps a single use's earnings, at
     * the largest token count and multipliers, inside what the storage layer holds exactly.
     */
    public static final BigDecimal MAX_PRICE = new BigDecimal("1000000000");

    /**
     * Validates and canonicalizes the prices.
     *
     * @param earningsPerUse the flat amount per use
     * @param earningsPerToken the amount per token
     * @param monetized whether uses earn
     * @throws InvalidInputException if a price is missing, negative, too large or too precise
     */
    public ModelPricing {
        earningsPerUse = requirePrice("earningsPerUse", earningsPerUse);
        earningsPerToken = requirePrice("earningsPerToken", earningsPerToken);
    }

    /**
     * A monetized pricing.
     *
     * @param earningsPerUse the flat amount per use
     * @param earningsPerToken the amount per token
     * @return the pricing
     * @throws InvalidInputException if a price is not allowed
     */
    public static ModelPricing of(BigDecimal earningsPerUse, BigDecimal earningsPerToken) {
        return new ModelPricing(earningsPerUse, earningsPerToken, true);
    }

    /**
     * A monetized pricing from decimal literals, such as {@code of("0.01", "0.0001")}.
     *
     * @param earningsPerUse the flat amount per use
     * @param earningsPerToken the amount per token
     * @return the pricing
     * @throws InvalidInputException if a literal is not a decimal number or the price is not allowed
     */
    public static ModelPricing of(String earningsPerUse, String earningsPerToken) {
        return of(parse("earningsPerUse", earningsPerUse), parse("earningsPerToken", earningsPerToken));
    }

    /**
     * The same prices with monetization switched.
     *
     * @param monetized whether uses earn
     * @return the new pricing
     */
    public ModelPricing withMonetized(boolean monetized) {
        return new ModelPricing(earningsPerUse, earningsPerToken, monetized);
    }

    private static BigDecimal parse(String field, String literal) {
        Objects.requireNonNull(literal, field);
        try {
            return new BigDecimal(literal.strip());
        } catch (NumberFormatException e) {
            throw new InvalidInputException(field, field + " '" + literal + "' is not a decimal number; write it like 0.0125");
        }
    }

    private static BigDecimal requirePrice(String field, BigDecimal value) {
        String allowed = "; allowed: a decimal from 0 up to (not including) " + MAX_PRICE.toPlainString()
                + " with at most " + Checks.MAX_SCALE + " decimal places";
        if (value == null) {
            throw new InvalidInputException(field, field + " is required" + allowed);
        }
        if (value.signum() < 0) {
            throw new InvalidInputException(field, field + " is negative (" + Checks.shown(value) + ")" + allowed);
        }
        if (value.compareTo(MAX_PRICE) >= 0) {
            throw new InvalidInputException(field, field + " is too large (" + Checks.shown(value) + ")" + allowed);
        }
        if (Checks.significantScale(value) > Checks.MAX_SCALE) {
            throw new InvalidInputException(field, field + " has " + Checks.significantScale(value)
                    + " decimal places (" + Checks.shown(value) + ")" + allowed);
        }
        return Checks.canonical(value);
    }
}
