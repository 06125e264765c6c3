package dev.earnings.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seeded randomized properties of the calculation, checked against an oracle written here
 * independently of the production code: it works in integers of 10^-12 units and rounds half-even
 * by hand, and finds tiers by ordinal rather than by prior count.
 *
 * <p>Run with {@code -Dearnings.test.seed=N} to replay a failure; the seed is in every message.
 */
class EarningsPropertyTest {
    private static final int CASES = 20_000;
    private static final BigInteger UNIT = BigInteger.TEN.pow(12);
    private static final List<String> TYPES = List.of("image_generation", "chat", "other");
    private static final EarningsCalculator CALC = EarningsCalculator.defaults();

    private static long seed;

    @BeforeAll
    static void chooseSeed() {
        seed = Long.getLong("earnings.test.seed", System.nanoTime());
        System.out.println("EarningsPropertyTest seed: " + seed + " (replay with -Dearnings.test.seed=" + seed + ")");
    }

    @Test
    void resultAlwaysEqualsTheOracle() {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < CASES; i++) {
            Case c = Case.random(random);
            EarningsResult result = CALC.calculate(c.pricing(), c.prior, c.tokens, c.type, false);
            assertThat(result.earnings().amount())
                    .as("seed %d case %d: %s", seed, i, result.explain())
                    .isEqualTo(oracle(c.perUse, c.perToken, c.prior, c.tokens, c.type));
        }
    }

    @Test
    void earningsNeverDecreaseAsTokensGrow() {
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int i = 0; i < CASES; i++) {
            Case c = Case.random(random);
            long more = c.tokens + random.nextLong(0, 1_000_000);
            if (more > EarningsCalculator.DEFAULT_MAX_TOKENS) {
                continue;
            }
            Money before = CALC.calculate(c.pricing(), c.prior, c.tokens, c.type, false).earnings();
            Money after = CALC.calculate(c.pricing(), c.prior, more, c.type, false).earnings();
            assertThat(after).as("seed %d case %d: %s tokens %d -> %d", seed, i, c, c.tokens, more)
                    .isGreaterThanOrEqualTo(before);
        }
    }

    @Test
    void earningsNeverDecreaseAsPriorUsesGrow() {
        SplittableRandom random = new SplittableRandom(seed ^ 0xB5AD4ECEDA1CE2A9L);
        for (int i = 0; i < CASES; i++) {
            Case c = Case.random(random);
            long more = c.prior + random.nextLong(0, 20_000);
            Money before = CALC.calculate(c.pricing(), c.prior, c.tokens, c.type, false).earnings();
            Money after = CALC.calculate(c.pricing(), more, c.tokens, c.type, false).earnings();
            assertThat(after).as("seed %d case %d: %s prior %d -> %d", seed, i, c, c.prior, more)
                    .isGreaterThanOrEqualTo(before);
        }
    }

    /** Independent computation: integers of 10^-12, tier by ordinal, manual half-even. */
    private static BigDecimal oracle(BigDecimal perUse, BigDecimal perToken, long prior, long tokens, String type) {
        BigInteger perUseUnits = perUse.movePointRight(12).toBigIntegerExact();
        BigInteger perTokenUnits = perToken.movePointRight(12).toBigIntegerExact();
        BigInteger baseUnits = perUseUnits.add(perTokenUnits.multiply(BigInteger.valueOf(tokens)));

        long ordinal = prior + 1;
        int tierTenths; // multiplier x 10
        if (ordinal <= 100) {
            tierTenths = 10;
        } else if (ordinal <= 1_000) {
            tierTenths = 12;
        } else if (ordinal <= 5_000) {
            tierTenths = 15;
        } else if (ordinal <= 10_000) {
            tierTenths = 20;
        } else {
            tierTenths = 25;
        }
        int typeTenths = switch (type) {
            case "image_generation" -> 10;
            case "chat" -> 8;
            case "other" -> 6;
            default -> throw new AssertionError(type);
        };
        // baseUnits x tier/10 x type/10 = baseUnits x tierTenths x typeTenths / 100
        BigInteger numerator = baseUnits.multiply(BigInteger.valueOf((long) tierTenths * typeTenths));
        BigInteger[] qr = numerator.divideAndRemainder(BigInteger.valueOf(100));
        BigInteger quotient = qr[0];
        int twiceRemainder = qr[1].intValueExact() * 2;
        if (twiceRemainder > 100 || (twiceRemainder == 100 && quotient.testBit(0))) {
            quotient = quotient.add(BigInteger.ONE);
        }
        return new BigDecimal(quotient, 12);
    }

    private static final class Case {
        final BigDecimal perUse;
        final BigDecimal perToken;
        final long prior;
        final long tokens;
        final String type;

        private Case(BigDecimal perUse, BigDecimal perToken, long prior, long tokens, String type) {
            this.perUse = perUse;
            this.perToken = perToken;
            this.prior = prior;
            this.tokens = tokens;
            this.type = type;
        }

        static Case random(SplittableRandom random) {
            return new Case(price(random), price(random), prior(random), tokens(random),
                    TYPES.get(random.nextInt(TYPES.size())));
        }

        ModelPricing pricing() {
            return ModelPricing.of(perUse, perToken);
        }

        /** A price with 0 to 12 decimal places and up to 9 integer digits, often tiny. */
        private static BigDecimal price(SplittableRandom random) {
            if (random.nextInt(20) == 0) {
                return BigDecimal.ZERO;
            }
            int scale = random.nextInt(13);
            int digits = 1 + random.nextInt(scale + 9);
            long bound = 1;
            for (int d = 0; d < Math.min(digits, 18); d++) {
                bound *= 10;
            }
            long unscaled = random.nextLong(1, bound + 1);
            BigDecimal value = BigDecimal.valueOf(unscaled, scale);
            return value.compareTo(ModelPricing.MAX_PRICE) >= 0 ? value.remainder(ModelPricing.MAX_PRICE) : value;
        }

        /** Prior uses clustered around the tier boundaries, plus some far beyond them. */
        private static long prior(SplittableRandom random) {
            long[] boundaries = {0, 100, 1_000, 5_000, 10_000};
            return switch (random.nextInt(3)) {
                case 0 -> Math.max(0, boundaries[random.nextInt(boundaries.length)] + random.nextInt(-3, 4));
                case 1 -> random.nextLong(0, 20_000);
                default -> random.nextLong(0, Long.MAX_VALUE / 2);
            };
        }

        private static long tokens(SplittableRandom random) {
            return switch (random.nextInt(4)) {
                case 0 -> 0;
                case 1 -> random.nextLong(0, 10_000);
                case 2 -> random.nextLong(0, EarningsCalculator.DEFAULT_MAX_TOKENS + 1);
                default -> EarningsCalculator.DEFAULT_MAX_TOKENS - random.nextInt(3);
            };
        }

        @Override
        public String toString() {
            return "perUse=" + perUse.toPlainString() + " perToken=" + perToken.toPlainString() + " prior=" + prior
                    + " tokens=" + tokens + " type=" + type;
        }
    }
}
