package dev.earnings.jdbc;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** The contract's default rules, written out independently of earnings-core, for cross-checks. */
final class Oracle {
    private Oracle() {
    }

    /** The default tier multiplier of the use with ordinal {@code n} (1-based). */
    static BigDecimal tierMultiplier(long n) {
        if (n <= 100) {
            return new BigDecimal("1.0");
        } else if (n <= 1_000) {
            return new BigDecimal("1.2");
        } else if (n <= 5_000) {
            return new BigDecimal("1.5");
        } else if (n <= 10_000) {
            return new BigDecimal("2.0");
        }
        return new BigDecimal("2.5");
    }

    /** The default tier (1-based) of the use with ordinal {@code n}. */
    static int tierIndex(long n) {
        return n <= 100 ? 1 : n <= 1_000 ? 2 : n <= 5_000 ? 3 : n <= 10_000 ? 4 : 5;
    }

    /** The uses before the first use of the tier of the use with ordinal {@code n}. */
    static long tierThreshold(long n) {
        return new long[] {0, 100, 1_000, 5_000, 10_000}[tierIndex(n) - 1];
    }

    static BigDecimal typeMultiplier(String type) {
        switch (type) {
            case "image_generation":
                return BigDecimal.ONE;
            case "chat":
                return new BigDecimal("0.8");
            case "other":
                return new BigDecimal("0.6");
            default:
                throw new IllegalArgumentException(type);
        }
    }

    /** {@code tokens x earningsPerToken}, exact. */
    static BigDecimal tokenPart(String perToken, long tokens) {
        return new BigDecimal(perToken).multiply(BigDecimal.valueOf(tokens));
    }

    /** {@code earningsPerUse + tokens x earningsPerToken}, exact. */
    static BigDecimal base(String perUse, String perToken, long tokens) {
        return new BigDecimal(perUse).add(tokenPart(perToken, tokens));
    }

    /** Precise earnings of a monetized, non-self use with ordinal {@code n}. */
    static BigDecimal earnings(String perUse, String perToken, long tokens, String type, long n) {
        return base(perUse, perToken, tokens).multiply(tierMultiplier(n)).multiply(typeMultiplier(type))
                .setScale(12, RoundingMode.HALF_EVEN);
    }
}
