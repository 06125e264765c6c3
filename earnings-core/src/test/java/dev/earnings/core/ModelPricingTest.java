package dev.earnings.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ModelPricingTest {
    @Test
    void pricesAreCanonicalSoEqualPricesAreEqual() {
        assertThat(ModelPricing.of("0.0100", "0.000100")).isEqualTo(ModelPricing.of("0.01", "0.0001"));
        assertThat(ModelPricing.of("100", "0").earningsPerUse().toPlainString()).isEqualTo("100");
        assertThat(ModelPricing.of("0.01", "0").monetized()).isTrue();
        assertThat(ModelPricing.of("0.01", "0").withMonetized(false).monetized()).isFalse();
    }

    @Test
    void zeroAndTheExtremesAreAllowed() {
        assertThat(ModelPricing.of("0", "0").earningsPerUse()).isEqualByComparingTo("0");
        assertThat(ModelPricing.of("999999999.999999999999", "0.000000000001").earningsPerToken())
                .isEqualTo(new BigDecimal("0.000000000001"));
    }

    @ParameterizedTest(name = "{0}={1} is refused: {2}")
    @CsvSource({
        "earningsPerUse,   -0.01,            earningsPerUse is negative (-0.01)",
        "earningsPerToken, -1,               earningsPerToken is negative (-1)",
        "earningsPerUse,   0.0000000000001,  earningsPerUse has 13 decimal places",
        "earningsPerToken, 1000000000,       earningsPerToken is too large (1000000000)",
        "earningsPerUse,   1e3x,             earningsPerUse '1e3x' is not a decimal number",
    })
    void badPricesAreRefusedNamingTheField(String field, String value, String message) {
        assertThatThrownBy(() -> {
                    if (field.equals("earningsPerUse")) {
                        ModelPricing.of(value, "0");
                    } else {
                        ModelPricing.of("0", value);
                    }
                })
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(message)
                .extracting(e -> ((InvalidInputException) e).field()).isEqualTo(field);
    }

    @Test
    void missingPriceIsRefused() {
        assertThatThrownBy(() -> new ModelPricing(null, BigDecimal.ZERO, true))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("earningsPerUse is required; allowed: a decimal from 0");
    }
}
