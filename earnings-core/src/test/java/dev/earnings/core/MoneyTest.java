package dev.earnings.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;
import org.junit.jupiter.api.Test;

class MoneyTest {
    private static final Currency USD = Currency.getInstance("USD");

    @Test
    void amountsAreHeldAtTwelvePlacesSoEqualValuesAreEqual() {
        assertThat(Money.of("USD", "0.10")).isEqualTo(Money.of("USD", "0.1"));
        assertThat(Money.of("USD", "0.10").hashCode()).isEqualTo(Money.of("USD", "0.1").hashCode());
        assertThat(Money.of("USD", "0.1").amount().scale()).isEqualTo(12);
        assertThat(Money.of("USD", "0.1")).isNotEqualTo(Money.of("EUR", "0.1"));
    }

    @Test
    void moreThanTwelvePlacesIsRefusedNotRounded() {
        assertThatThrownBy(() -> Money.of("USD", "0.0000000000001"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("has 13 decimal places; allowed: at most 12");
        // Trailing zeros beyond the 12th place are not precision.
        assertThat(Money.of("USD", "0.1000000000000000").amount()).isEqualTo(new BigDecimal("0.100000000000"));
    }

    @Test
    void arithmeticIsExact() {
        Money a = Money.of("USD", "0.000000000001");
        Money b = Money.of("USD", "12345678901234.5");
        assertThat(a.plus(b).amount()).isEqualTo(new BigDecimal("12345678901234.500000000001"));
        assertThat(a.minus(b).amount()).isEqualTo(new BigDecimal("-12345678901234.499999999999"));
    }

    @Test
    void multiplicationRoundsOnlyAsToldTo() {
        Money m = Money.of("USD", "0.000000000001");
        assertThat(m.multipliedBy(new BigDecimal("2.5"), RoundingMode.HALF_EVEN).amount()).isEqualTo(new BigDecimal("0.000000000002"));
        assertThat(m.multipliedBy(new BigDecimal("2.5"), RoundingMode.HALF_UP).amount()).isEqualTo(new BigDecimal("0.000000000003"));
        assertThatThrownBy(() -> m.multipliedBy(new BigDecimal("2.5"), RoundingMode.UNNECESSARY))
                .isInstanceOf(ArithmeticException.class);
    }

    @Test
    void minorUnitsRoundTrip() {
        assertThat(Money.ofMinor(USD, 1234)).isEqualTo(Money.of("USD", "12.34"));
        assertThat(Money.of("USD", "12.349999999999").toMinorUnits(RoundingMode.DOWN)).isEqualTo(1234);
        assertThat(Money.of("USD", "12.34").toMinorUnits(RoundingMode.UNNECESSARY)).isEqualTo(1234);
        assertThat(Money.ofMinor(Currency.getInstance("JPY"), 5)).isEqualTo(Money.of("JPY", "5"));
        assertThatThrownBy(() -> Money.of("USD", "12.345").toMinorUnits(RoundingMode.UNNECESSARY))
                .isInstanceOf(ArithmeticException.class);
    }

    @Test
    void currenciesAreNeverMixed() {
        assertThatThrownBy(() -> Money.of("USD", "1").plus(Money.of("EUR", "1")))
                .isInstanceOf(CurrencyMismatchException.class)
                .hasMessage("amounts must share one currency, but USD was combined with EUR");
        assertThatThrownBy(() -> Money.of("USD", "1").compareTo(Money.of("EUR", "1")))
                .isInstanceOf(CurrencyMismatchException.class);
        assertThatThrownBy(() -> Money.of("USD", "1").minus(Money.of("EUR", "1")))
                .isInstanceOf(CurrencyMismatchException.class)
                .hasMessage("amounts must share one currency, but USD was combined with EUR");
        assertThatThrownBy(() -> Money.of("EUR", "1").minus(Money.of("USD", "0.5")))
                .isInstanceOf(CurrencyMismatchException.class)
                .hasMessage("amounts must share one currency, but EUR was combined with USD");
    }

    @Test
    void equalityNeedsTheSameAmountAndCurrency() {
        Money one = Money.of("USD", "1");
        assertThat(one).isEqualTo(Money.ofMinor(USD, 100));
        assertThat(one).isNotEqualTo(Money.of("USD", "1.000000000001"));
        assertThat(one).isNotEqualTo(Money.of("USD", "-1"));
        assertThat(one).isNotEqualTo(Money.of("CHF", "1"));
        assertThat(one).isNotEqualTo("1.000000000000 USD");
        assertThat(one).isNotEqualTo(null);
    }

    @Test
    void currenciesWithoutMinorUnitsHaveNoMinorAmounts() {
        Currency gold = Currency.getInstance("XAU");
        assertThatThrownBy(() -> Money.ofMinor(gold, 5))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("currency XAU has no minor units; allowed: a currency with minor units such as USD");
        Money ounce = Money.of(gold, BigDecimal.ONE);
        assertThat(ounce.amount()).isEqualTo(new BigDecimal("1.000000000000"));
        assertThatThrownBy(() -> ounce.toMinorUnits(RoundingMode.DOWN))
                .isInstanceOf(InvalidInputException.class)
                .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("currency");
    }

    @Test
    void currencyCodesAreLookedUpOrRefusedWithAMessage() {
        assertThat(Money.currency("EUR")).isEqualTo(Currency.getInstance("EUR"));
        assertThatThrownBy(() -> Money.currency(null))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("currency is required; allowed: an ISO 4217 code such as USD");
        assertThatThrownBy(() -> Money.currency("usd"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("currency 'usd' is not an ISO 4217 code; allowed: a code such as USD or EUR");
    }

    @Test
    void hashCodeTellsAmountsAndCurrenciesApart() {
        // Not promised by hashCode's contract, but a hash that ignores the amount or the currency
        // would pile every balance of a map into one bucket.
        assertThat(Money.of("USD", "1").hashCode()).isNotEqualTo(Money.of("USD", "2").hashCode());
        assertThat(Money.of("USD", "1").hashCode()).isNotEqualTo(Money.of("EUR", "1").hashCode());
        assertThat(Money.ofMinor(USD, 100).hashCode()).isEqualTo(Money.of("USD", "1.000").hashCode());
    }

    @Test
    void badLiteralsAndCodesNameTheField() {
        assertThatThrownBy(() -> Money.of("USD", "1,5"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("amount '1,5' is not a decimal number");
        assertThatThrownBy(() -> Money.of("XYZ1", "1"))
                .isInstanceOf(InvalidInputException.class)
                .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("currency");
    }

    @Test
    void comparesAndShowsEveryDigit() {
        assertThat(Money.of("USD", "0.02")).isGreaterThan(Money.of("USD", "0.019999999999"));
        assertThat(Money.zero(USD).isZero()).isTrue();
        assertThat(Money.of("USD", "-1").signum()).isEqualTo(-1);
        assertThat(Money.of("USD", "0.015")).hasToString("0.015000000000 USD");
    }
}
