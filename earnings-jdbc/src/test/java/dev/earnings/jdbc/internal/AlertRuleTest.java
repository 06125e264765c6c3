package dev.earnings.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The alert rule on its own: medians, MADs, the floor and the threshold, all exact. */
class AlertRuleTest {
    static final BigDecimal USE = BigDecimal.ONE;
    static final BigDecimal CENT = new BigDecimal("0.01");

    static List<BigDecimal> flat(String value) {
        return new ArrayList<>(Collections.nCopies(28, new BigDecimal(value)));
    }

    static BigDecimal d(String value) {
        return new BigDecimal(value);
    }

    @Test
    void median_ofAnOddCount_isTheMiddle_andOfAnEvenCount_theExactMeanOfTheMiddleTwo() {
        assertThat(AlertRule.median(List.of(d("3"), d("1"), d("2")))).isEqualByComparingTo("2");
        assertThat(AlertRule.median(List.of(d("4"), d("1"), d("2"), d("3")))).isEqualByComparingTo("2.5");
        assertThat(AlertRule.median(List.of(d("0.000000000001"), d("0.000000000002"))))
                .isEqualTo(d("0.0000000000015"));
        assertThatThrownBy(() -> AlertRule.median(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFlatSeries_hasAMadOfZero_flooredAtOneUse_soOnlyAMoveOfMoreThanThreeUsesAlerts() {
        List<BigDecimal> tens = flat("10");
        assertThat(AlertRule.mad(tens, d("10"))).isEqualByComparingTo("0");
        // Floor: max(1 use, 10 / 20 = 0.5) = 1; threshold 3.
        assertThat(AlertRule.evaluate(tens, d("13"), USE)).isEmpty();
        assertThat(AlertRule.evaluate(tens, d("7"), USE)).isEmpty();
        AlertRule.Finding above = AlertRule.evaluate(tens, d("14"), USE).orElseThrow();
        assertThat(above.above()).isTrue();
        assertThat(above.median()).isEqualByComparingTo("10");
        assertThat(above.mad()).isEqualByComparingTo("1");
        assertThat(above.threshold()).isEqualByComparingTo("3");
        assertThat(above.distance()).isEqualByComparingTo("4");
        AlertRule.Finding below = AlertRule.evaluate(tens, d("6"), USE).orElseThrow();
        assertThat(below.above()).isFalse();
    }

    @Test
    void aLargeFlatMedian_isFlooredAtATwentiethOfIt() {
        List<BigDecimal> thousands = flat("1000");
        // Floor: max(1, 1000 / 20 = 50) = 50; threshold 150.
        assertThat(AlertRule.evaluate(thousands, d("1150"), USE)).isEmpty();
        assertThat(AlertRule.evaluate(thousands, d("850"), USE)).isEmpty();
        AlertRule.Finding f = AlertRule.evaluate(thousands, d("1151"), USE).orElseThrow();
        assertThat(f.mad()).isEqualByComparingTo("50");
        assertThat(f.threshold()).isEqualByComparingTo("150");
        assertThat(AlertRule.evaluate(thousands, d("849"), USE)).map(AlertRule.Finding::above).contains(false);
    }

    @Test
    void earnings_ofAQuietModel_areFlooredAtOneMinorUnit() {
        List<BigDecimal> zeros = flat("0");
        assertThat(AlertRule.evaluate(zeros, d("0.03"), CENT)).isEmpty();
        assertThat(AlertRule.evaluate(zeros, d("0.030000000001"), CENT)).isPresent();
        // Net earnings may be negative (a day of reversals): below.
        assertThat(AlertRule.evaluate(zeros, d("-0.05"), CENT)).map(AlertRule.Finding::above).contains(false);
    }

    @Test
    void aNoisySeries_usesItsOwnMad() {
        // 14 days of 10 and 14 of 20: median 15, every deviation 5, MAD 5 (above the floor of max(1, 0.75)).
        List<BigDecimal> series = new ArrayList<>();
        for (int i = 0; i < 14; i++) {
            series.add(d("10"));
            series.add(d("20"));
        }
        assertThat(AlertRule.median(series)).isEqualByComparingTo("15");
        assertThat(AlertRule.mad(series, d("15"))).isEqualByComparingTo("5");
        assertThat(AlertRule.evaluate(series, d("30"), USE)).isEmpty();
        assertThat(AlertRule.evaluate(series, d("0"), USE)).isEmpty();
        Optional<AlertRule.Finding> f = AlertRule.evaluate(series, d("31"), USE);
        assertThat(f).isPresent();
        assertThat(f.get().threshold()).isEqualByComparingTo("15");
    }

    @Test
    void theMadOfAnEvenCount_isExact_evenWhenItEndsInAQuarter() {
        // Values 0..27: median 13.5; deviations 0.5, 0.5, 1.5, 1.5, ... 13.5, 13.5; their median 7.
        List<BigDecimal> ramp = new ArrayList<>();
        for (int i = 0; i < 28; i++) {
            ramp.add(BigDecimal.valueOf(i));
        }
        assertThat(AlertRule.median(ramp)).isEqualTo(d("13.5"));
        assertThat(AlertRule.mad(ramp, d("13.5"))).isEqualByComparingTo("7");
        // 1..27 and 0.5: median (13 + 14) / 2 = 13.5 still; a deviation set ending in quarters is exact too.
        List<BigDecimal> halves = new ArrayList<>(flat("0.5").subList(0, 14));
        halves.addAll(flat("1").subList(0, 14));
        assertThat(AlertRule.median(halves)).isEqualTo(d("0.75"));
        assertThat(AlertRule.mad(halves, d("0.75"))).isEqualTo(d("0.25"));
        // Threshold 3 x max(0.25, 1, 0.0375) = 3.
        assertThat(AlertRule.evaluate(halves, d("3.75"), USE)).isEmpty();
        assertThat(AlertRule.evaluate(halves, d("3.76"), USE)).isPresent();
    }

    @Test
    void theBaseline_isTwentyEightDays_andTheUnitPositive() {
        assertThatThrownBy(() -> AlertRule.evaluate(flat("1").subList(0, 27), d("1"), USE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("28");
        assertThatThrownBy(() -> AlertRule.evaluate(flat("1"), d("1"), BigDecimal.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
