package dev.earnings.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

/** The shared conformance vectors: every implementation of the contract must reproduce them exactly. */
class ConformanceVectorsTest {
    private static final EarningsCalculator CALC = EarningsCalculator.defaults();

    @ParameterizedTest(name = "[{index}] perUse={0} perToken={1} prior={2} tokens={3} {4}")
    @CsvFileSource(resources = "/earnings-vectors.csv", numLinesToSkip = 1)
    void vectorComputesExactly(String perUse, String perToken, long prior, long tokens, String type,
            String expectedTierMultiplier, String expectedEarnings) {
        EarningsResult result = CALC.calculate(ModelPricing.of(perUse, perToken), prior, tokens, type, false);

        assertThat(result.tier().multiplier()).as(result.explain()).isEqualByComparingTo(expectedTierMultiplier);
        // Exact to the last of the 12 places: same digits, same scale.
        assertThat(result.earnings().amount()).as(result.explain()).isEqualTo(new BigDecimal(expectedEarnings));
    }
}
