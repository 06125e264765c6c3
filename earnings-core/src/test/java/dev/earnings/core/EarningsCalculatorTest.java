package dev.earnings.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Currency;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EarningsCalculatorTest {
    private static final EarningsCalculator CALC = EarningsCalculator.defaults();
    private static final ModelPricing PRICING = ModelPricing.of("0.01", "0.0001");

    private static EarningsResult rate(long prior, long tokens, String type) {
        return CALC.calculate(PRICING, prior, tokens, type, false);
    }

    @Nested
    class TierBoundaries {
        @ParameterizedTest(name = "ordinal {0} (prior {1}) is tier {2} at {3}x")
        @CsvSource({
            "1,      0,     1, 1.0",
            "100,    99,    1, 1.0",
            "101,    100,   2, 1.2",
            "1000,   999,   2, 1.2",
            "1001,   1000,  3, 1.5",
            "5000,   4999,  3, 1.5",
            "5001,   5000,  4, 2.0",
            "10000,  9999,  4, 2.0",
            "10001,  10000, 5, 2.5",
            "9000000000000000000, 8999999999999999999, 5, 2.5",
        })
        void tierIsFixedByPriorCountedUses(long ordinal, long prior, int index, String multiplier) {
            assertThat(ordinal - 1).isEqualTo(prior);
            EarningsResult result = rate(prior, 0, "image_generation");
            assertThat(result.tier().index()).isEqualTo(index);
            assertThat(result.tier().multiplier()).isEqualByComparingTo(multiplier);
            // 0.01 per use, no tokens, image 1.0: earnings are exactly 0.01 x tier multiplier.
            assertThat(result.earnings().amount())
                    .isEqualTo(new BigDecimal("0.01").multiply(new BigDecimal(multiplier)).setScale(12));
        }

        @Test
        void tierOf_prior100_is1_2x_and_prior99_is1_0x() {
            assertThat(rate(99, 50, "image_generation").earnings()).isEqualTo(Money.of("USD", "0.015"));
            assertThat(rate(100, 50, "image_generation").earnings()).isEqualTo(Money.of("USD", "0.018"));
        }
    }

    @Nested
    class UsageTypeMultipliers {
        @ParameterizedTest(name = "{0} at tier 1 earns {1}")
        @CsvSource({
            "image_generation, 0.015",
            "chat,             0.012",
            "other,            0.009",
        })
        void eachDefaultTypeAppliesItsMultiplier(String type, String expected) {
            EarningsResult result = rate(0, 50, type);
            assertThat(result.usageType().name()).isEqualTo(type);
            assertThat(result.earnings()).isEqualTo(Money.of("USD", expected));
        }

        @Test
        void chatAtTierTwoMultipliesBothMultipliers() {
            // (0.01 + 50 x 0.0001) x 1.2 x 0.8
            assertThat(rate(150, 50, "chat").earnings().amount()).isEqualTo(new BigDecimal("0.014400000000"));
        }

        @Test
        void unknownTypeIsRejectedAndNamesTheAllowedTypes() {
            assertThatThrownBy(() -> rate(0, 1, "video"))
                    .isInstanceOf(UnknownUsageTypeException.class)
                    .hasMessageContaining("usageType 'video'")
                    .hasMessageContaining("image_generation, chat, other")
                    .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("usageType");
        }

        @Test
        void unknownTypeIsRatedAsOtherWhenTheHostOptsIn() {
            EarningsCalculator lenient = EarningsCalculator.builder()
                    .usageTypes(UsageTypes.defaults().toBuilder().mapUnknownToOther(true).build())
                    .build();
            EarningsResult result = lenient.calculate(PRICING, 0, 50, "video", false);
            assertThat(result.usageType().name()).isEqualTo("other");
            assertThat(result.earnings()).isEqualTo(Money.of("USD", "0.009"));
        }

        @Test
        void missingTypeIsRejected() {
            assertThatThrownBy(() -> rate(0, 1, null))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("usageType is required");
        }
    }

    @Nested
    class Amounts {
        @Test
        void zeroTokensEarnTheBaseOnly() {
            EarningsResult result = rate(0, 0, "image_generation");
            assertThat(result.tokenPart().isZero()).isTrue();
            assertThat(result.base()).isEqualTo(Money.of("USD", "0.01"));
            assertThat(result.earnings()).isEqualTo(Money.of("USD", "0.01"));
        }

        @Test
        void zeroPricesEarnZeroWithoutAReason() {
            EarningsResult result = CALC.calculate(ModelPricing.of("0", "0"), 12_345, 1_000, "chat", false);
            assertThat(result.earnings().isZero()).isTrue();
            assertThat(result.earns()).isFalse();
            assertThat(result.reason()).isEmpty();
            assertThat(result.counted()).isTrue();
        }

        @Test
        void maximumTokensAreAcceptedAndOneMoreIsRejected() {
            ModelPricing perToken = ModelPricing.of("0", "0.000000000001");
            EarningsResult atMax = CALC.calculate(perToken, 0, EarningsCalculator.DEFAULT_MAX_TOKENS, "image_generation", false);
            assertThat(atMax.earnings()).isEqualTo(Money.of("USD", "0.001"));

            assertThatThrownBy(() -> CALC.calculate(perToken, 0, EarningsCalculator.DEFAULT_MAX_TOKENS + 1, "chat", false))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage("tokensConsumed is 1000000001; allowed: a whole number from 0 to 1000000000");
        }

        @Test
        void largestPricesAtLargestTokensAndTopTierStayExact() {
            ModelPricing max = ModelPricing.of("999999999.999999999999", "999999999.999999999999");
            EarningsResult result = CALC.calculate(max, 10_000, EarningsCalculator.DEFAULT_MAX_TOKENS, "image_generation", false);
            BigDecimal expected = new BigDecimal("999999999.999999999999")
                    .multiply(BigDecimal.valueOf(1_000_000_001L)).multiply(new BigDecimal("2.5"))
                    .setScale(12, java.math.RoundingMode.HALF_EVEN);
            assertThat(result.earnings().amount()).isEqualTo(expected);
            assertThat(result.earnings().amount().precision()).isLessThanOrEqualTo(38);
        }

        @Test
        void negativeTokensAreRejected() {
            assertThatThrownBy(() -> rate(0, -1, "chat"))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage("tokensConsumed is -1; allowed: a whole number from 0 to 1000000000")
                    .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("tokensConsumed");
        }

        @Test
        void negativePriorUsesAreRejected() {
            assertThatThrownBy(() -> rate(-1, 0, "chat"))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("priorCountedUses is -1");
        }

        @Test
        void configuredMaximumTokensApply() {
            EarningsCalculator small = EarningsCalculator.builder().maxTokens(10).build();
            assertThat(small.calculate(PRICING, 0, 10, "chat", false).tokensConsumed()).isEqualTo(10);
            assertThatThrownBy(() -> small.calculate(PRICING, 0, 11, "chat", false))
                    .hasMessageContaining("from 0 to 10");
        }
    }

    @Nested
    class HalfEvenRounding {
        // 1e-12 per use, no tokens: the unrounded amount is 1e-12 x tier x type, so ties sit at
        // the 13th place and show which way the single rounding goes.
        @ParameterizedTest(name = "{0} per use at prior {1} ({2}) rounds to {3}")
        @CsvSource({
            "0.000000000001, 10000, image_generation, 0.000000000002", // 2.5e-12 -> 2 (even)
            "0.000000000003, 10000, image_generation, 0.000000000008", // 7.5e-12 -> 8 (even)
            "0.000000000001, 1000,  image_generation, 0.000000000002", // 1.5e-12 -> 2 (even)
            "0.000000000005, 1000,  image_generation, 0.000000000008", // 7.5e-12 -> 8 (even)
            "0.000000000005, 0,     other,            0.000000000003", // 3.0e-12 exact
            "0.000000000005, 10000, other,            0.000000000008", // 7.5e-12 -> 8 (even)
            "0.000000000007, 10000, other,            0.000000000010", // 10.5e-12 -> 10 (even)
            "0.000000000001, 10000, chat,             0.000000000002", // 2.0e-12 exact
            "0.000000000001, 100,   other,            0.000000000001", // 0.72e-12 -> 1
            "0.000000000001, 0,     other,            0.000000000001", // 0.6e-12 -> 1
            "0.000000000001, 0,     chat,             0.000000000001", // 0.8e-12 -> 1
        })
        void tiesAtTheTwelfthPlaceRoundToEven(String perUse, long prior, String type, String expected) {
            EarningsResult result = CALC.calculate(ModelPricing.of(perUse, "0"), prior, 0, type, false);
            assertThat(result.earnings().amount()).isEqualTo(new BigDecimal(expected));
        }

        @Test
        void halfIsRoundedDownToZeroWhenZeroIsEven() {
            EarningsCalculator half = EarningsCalculator.builder()
                    .usageTypes(UsageTypes.builder().type("half", "0.5").build())
                    .build();
            // 1e-12 x 1.0 x 0.5 = 0.5e-12 -> 0 (even); 3e-12 x 0.5 = 1.5e-12 -> 2 (even)
            assertThat(half.calculate(ModelPricing.of("0.000000000001", "0"), 0, 0, "half", false).earnings().isZero()).isTrue();
            assertThat(half.calculate(ModelPricing.of("0.000000000003", "0"), 0, 0, "half", false).earnings().amount())
                    .isEqualTo(new BigDecimal("0.000000000002"));
        }
    }

    @Nested
    class WhichUsesEarn {
        @Test
        void notMonetizedUseIsCountedButEarnsNothing() {
            EarningsResult result = CALC.calculate(PRICING.withMonetized(false), 100, 50, "chat", false);
            assertThat(result.earnings().isZero()).isTrue();
            assertThat(result.reason()).contains(NoEarningsReason.NOT_MONETIZED);
            assertThat(result.counted()).isTrue();
            assertThat(result.base()).isEqualTo(Money.of("USD", "0.015"));
            assertThat(result.tier().index()).isEqualTo(2);
        }

        @Test
        void selfUseEarnsNothingAndIsNotCountedByDefault() {
            EarningsResult result = CALC.calculate(PRICING, 100, 50, "chat", true);
            assertThat(result.earnings().isZero()).isTrue();
            assertThat(result.reason()).contains(NoEarningsReason.SELF_USE);
            assertThat(result.counted()).isFalse();
            assertThat(CALC.counts(true)).isFalse();
            assertThat(CALC.counts(false)).isTrue();
        }

        @Test
        void selfUseWinsOverNotMonetized() {
            EarningsResult result = CALC.calculate(PRICING.withMonetized(false), 0, 50, "chat", true);
            assertThat(result.reason()).contains(NoEarningsReason.SELF_USE);
            assertThat(result.counted()).isFalse();
        }

        @Test
        void selfUseCanBeCountedWithoutEarnings() {
            EarningsCalculator calc = EarningsCalculator.builder().selfUsePolicy(SelfUsePolicy.COUNTED_WITHOUT_EARNINGS).build();
            EarningsResult result = calc.calculate(PRICING, 0, 50, "chat", true);
            assertThat(result.reason()).contains(NoEarningsReason.SELF_USE);
            assertThat(result.counted()).isTrue();
            assertThat(calc.counts(true)).isTrue();
        }

        @Test
        void selfUseCanEarnLikeAnyUse() {
            EarningsCalculator calc = EarningsCalculator.builder().selfUsePolicy(SelfUsePolicy.EARNS_LIKE_ANY_USE).build();
            EarningsResult result = calc.calculate(PRICING, 0, 50, "chat", true);
            assertThat(result.reason()).isEmpty();
            assertThat(result.selfUse()).isTrue();
            assertThat(result.earnings()).isEqualTo(Money.of("USD", "0.012"));
        }

        @Test
        void notMonetizedStillAppliesWhenSelfUseEarns() {
            EarningsCalculator calc = EarningsCalculator.builder().selfUsePolicy(SelfUsePolicy.EARNS_LIKE_ANY_USE).build();
            EarningsResult result = calc.calculate(PRICING.withMonetized(false), 0, 50, "chat", true);
            assertThat(result.reason()).contains(NoEarningsReason.NOT_MONETIZED);
        }
    }

    @Nested
    class Explanation {
        @Test
        void explainsEveryFactor() {
            assertThat(rate(100, 50, "image_generation").explain()).isEqualTo(
                    "0.018000000000 USD = (0.01 + 50 tokens x 0.0001) x 1.2 (tier 2, from 100 prior uses)"
                            + " x 1 (image_generation), rounded half-even to 12 places");
        }

        @Test
        void explainsANotMonetizedUse() {
            assertThat(CALC.calculate(PRICING.withMonetized(false), 0, 50, "chat", false).explain()).isEqualTo(
                    "0.000000000000 USD = 0 because the model is not monetized; otherwise (0.01 + 50 tokens x 0.0001)"
                            + " x 1 (tier 1, from 0 prior uses) x 0.8 (chat), rounded half-even to 12 places");
        }

        @Test
        void earnsOnlyAPositiveAmount() {
            assertThat(rate(0, 0, "chat").earns()).isTrue();
            assertThat(CALC.calculate(PRICING.withMonetized(false), 0, 0, "chat", false).earns()).isFalse();
            assertThat(CALC.calculate(ModelPricing.of("0.000000000001", "0"), 0, 0, "chat", false).earns()).isTrue();
        }

        @Test
        void explainsWhyNothingWasEarned() {
            assertThat(CALC.calculate(PRICING, 3, 50, "chat", true).explain())
                    .startsWith("0.000000000000 USD = 0 because the user is the model's creator (self-use); otherwise (0.01")
                    .endsWith("; not counted toward the tier");
        }

        @Test
        void resultRejectsAReasonWithEarnings() {
            EarningsResult ok = rate(0, 0, "chat");
            assertThatThrownBy(() -> new EarningsResult(ok.pricing(), 0, 0, ok.usageType(), ok.tier(), false, true,
                    ok.tokenPart(), ok.base(), ok.earnings(), java.util.Optional.of(NoEarningsReason.NOT_MONETIZED)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class Configuration {
        @Test
        void currencyIsCarriedIntoEveryAmount() {
            EarningsCalculator eur = EarningsCalculator.builder().currency(Currency.getInstance("EUR")).build();
            EarningsResult result = eur.calculate(PRICING, 0, 50, "chat", false);
            assertThat(result.earnings()).isEqualTo(Money.of("EUR", "0.012"));
            assertThat(result.base().currency().getCurrencyCode()).isEqualTo("EUR");
        }

        @Test
        void currencyWithoutMinorUnitsIsRefused() {
            assertThatThrownBy(() -> EarningsCalculator.builder().currency(Currency.getInstance("XAU")))
                    .isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageContaining("XAU has no minor units");
        }

        @Test
        void maxTokensOutsideItsRangeIsRefused() {
            assertThatThrownBy(() -> EarningsCalculator.builder().maxTokens(-1))
                    .isInstanceOf(InvalidConfigurationException.class)
                    .hasMessage("maxTokens is -1; allowed: 0 to 1000000000000");
            assertThatThrownBy(() -> EarningsCalculator.builder().maxTokens(EarningsCalculator.MAX_TOKENS_LIMIT + 1))
                    .isInstanceOf(InvalidConfigurationException.class);
        }

        @Test
        void defaultsAreTheContractsConfiguration() {
            EarningsCalculator defaults = EarningsCalculator.defaults();
            assertThat(defaults.currency()).isEqualTo(Currency.getInstance("USD"));
            assertThat(defaults.tiers()).isEqualTo(UsageTierSchedule.defaults());
            assertThat(defaults.usageTypes()).isEqualTo(UsageTypes.defaults());
            assertThat(defaults.maxTokens()).isEqualTo(1_000_000_000L);
            assertThat(defaults.selfUsePolicy()).isEqualTo(SelfUsePolicy.NOT_COUNTED);
            assertThat(defaults).hasToString("EarningsCalculator[currency=USD, tiers=UsageTierSchedule[0+: 1x, 100+: 1.2x,"
                    + " 1000+: 1.5x, 5000+: 2x, 10000+: 2.5x], usageTypes=UsageTypes[image_generation=1 (at most 100000 tokens), chat=0.8 (at most 2000000 tokens),"
                    + " other=0.6 (at most 1000000 tokens)], maxTokens=1000000000, selfUsePolicy=NOT_COUNTED]");
        }

        @Test
        void builtCalculatorKeepsEverySetting() {
            UsageTierSchedule tiers = UsageTierSchedule.builder().tier(0, "1").tier(3, "3").build();
            UsageTypes types = UsageTypes.builder().type("video", "2").build();
            EarningsCalculator calc = EarningsCalculator.builder()
                    .currency(Currency.getInstance("EUR"))
                    .tiers(tiers)
                    .usageTypes(types)
                    .maxTokens(77)
                    .selfUsePolicy(SelfUsePolicy.EARNS_LIKE_ANY_USE)
                    .build();
            assertThat(calc.currency()).isEqualTo(Currency.getInstance("EUR"));
            assertThat(calc.tiers()).isSameAs(tiers);
            assertThat(calc.usageTypes()).isSameAs(types);
            assertThat(calc.maxTokens()).isEqualTo(77);
            assertThat(calc.selfUsePolicy()).isEqualTo(SelfUsePolicy.EARNS_LIKE_ANY_USE);
            assertThat(calc.counts(true)).isTrue();
            assertThat(calc.calculate(PRICING, 3, 77, "video", true).earnings()).isEqualTo(Money.of("EUR", "0.1062")); // (0.01 + 77 x 0.0001) x 3 x 2
        }

        @Test
        void recordedTokensAreHeldToTheTypesPlausibilityCap_whileTheCalculationRatesAnyCountUpToTheMaximum() {
            UsageType image = CALC.usageTypes().resolve("image_generation");
            assertThat(CALC.requireTokens(100_000, image)).isEqualTo(100_000);
            assertThatThrownBy(() -> CALC.requireTokens(100_001, image))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage("tokensConsumed is 100001 for usage type image_generation; allowed: a whole number from 0 to"
                            + " 100000, the type's plausibility cap");
            assertThat(CALC.requireTokens(2_000_000, CALC.usageTypes().resolve("chat"))).isEqualTo(2_000_000);
            assertThatThrownBy(() -> CALC.requireTokens(2_000_001, CALC.usageTypes().resolve("chat")))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("usage type chat");
            assertThatThrownBy(() -> CALC.requireTokens(-1, image)).isInstanceOf(InvalidInputException.class)
                    .hasMessage("tokensConsumed is -1; allowed: a whole number from 0 to 1000000000");
            // The lower of the maximum and the cap wins.
            EarningsCalculator small = EarningsCalculator.builder().maxTokens(10).build();
            assertThatThrownBy(() -> small.requireTokens(11, image)).isInstanceOf(InvalidInputException.class)
                    .hasMessage("tokensConsumed is 11; allowed: a whole number from 0 to 10");
            // A type without a cap: only the maximum.
            EarningsCalculator audio = EarningsCalculator.builder()
                    .usageTypes(UsageTypes.defaults().toBuilder().type("audio", "0.5").build()).build();
            assertThat(audio.requireTokens(1_000_000_000L, audio.usageTypes().resolve("audio"))).isEqualTo(1_000_000_000L);
            // Rating is not recording: the calculation still rates a count above the cap.
            assertThat(CALC.calculate(PRICING, 0, 1_000_000, "image_generation", false).tokensConsumed()).isEqualTo(1_000_000);
        }

        @Test
        void requireTokensReturnsTheCountItAccepts() {
            assertThat(CALC.requireTokens(0)).isZero();
            assertThat(CALC.requireTokens(42)).isEqualTo(42);
            assertThat(CALC.requireTokens(EarningsCalculator.DEFAULT_MAX_TOKENS)).isEqualTo(1_000_000_000L);
            assertThatThrownBy(() -> CALC.requireTokens(-5))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage("tokensConsumed is -5; allowed: a whole number from 0 to 1000000000");
        }

        @Test
        void currencyWithZeroMinorDigitsIsAllowed() {
            EarningsCalculator yen = EarningsCalculator.builder().currency(Currency.getInstance("JPY")).build();
            assertThat(yen.currency().getCurrencyCode()).isEqualTo("JPY");
            assertThat(yen.calculate(ModelPricing.of("3", "0"), 0, 0, "chat", false).earnings())
                    .isEqualTo(Money.of("JPY", "2.4"));
        }

        @Test
        void maxTokensMayBeZeroOrTheLimit() {
            EarningsCalculator none = EarningsCalculator.builder().maxTokens(0).build();
            assertThat(none.maxTokens()).isZero();
            assertThat(none.requireTokens(0)).isZero();
            assertThatThrownBy(() -> none.requireTokens(1))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage("tokensConsumed is 1; allowed: a whole number from 0 to 0");
            EarningsCalculator most = EarningsCalculator.builder().maxTokens(EarningsCalculator.MAX_TOKENS_LIMIT).build();
            assertThat(most.maxTokens()).isEqualTo(1_000_000_000_000L);
            assertThat(most.requireTokens(1_000_000_000_000L)).isEqualTo(1_000_000_000_000L);
            assertThatThrownBy(() -> EarningsCalculator.builder().maxTokens(EarningsCalculator.MAX_TOKENS_LIMIT + 1))
                    .isInstanceOf(InvalidConfigurationException.class)
                    .hasMessage("maxTokens is 1000000000001; allowed: 0 to 1000000000000");
        }

        @Test
        void customScheduleIsUsed() {
            EarningsCalculator calc = EarningsCalculator.builder()
                    .tiers(UsageTierSchedule.builder().tier(0, "1").tier(3, "3").build())
                    .build();
            assertThat(calc.calculate(PRICING, 2, 0, "image_generation", false).earnings()).isEqualTo(Money.of("USD", "0.01"));
            assertThat(calc.calculate(PRICING, 3, 0, "image_generation", false).earnings()).isEqualTo(Money.of("USD", "0.03"));
        }
    }
}
