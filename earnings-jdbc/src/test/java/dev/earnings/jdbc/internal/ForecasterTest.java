package dev.earnings.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.earnings.jdbc.internal.Forecaster.Forecast;
import java.time.DayOfWeek;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The daily forecasts: what they recover, how often their intervals hold the truth, and their guard rails. */
class ForecasterTest {
    private static final double[] WEEKLY = {12, 18, 15, 9, 4, -20, -38};

    /** A level, a linear trend and a weekly pattern (WEEKLY[0] on Mondays), plus Gaussian noise of the given deviation. */
    private static double[] series(int days, DayOfWeek firstDay, double level, double slope, double noise, Random random) {
        double[] y = new double[days];
        for (int t = 0; t < days; t++) {
            y[t] = truth(t, firstDay, level, slope) + noise * random.nextGaussian();
        }
        return y;
    }

    private static double truth(int t, DayOfWeek firstDay, double level, double slope) {
        return level + slope * t + WEEKLY[firstDay.plus(t).ordinal()];
    }

    @Test
    void aNoiselessLinearAndWeeklySeries_isRecoveredExactly_withAnIntervalOfNoWidth() {
        double[] history = series(70, DayOfWeek.WEDNESDAY, 100, 0.5, 0, new Random(1));

        Forecast f = Forecaster.forecast(history, DayOfWeek.WEDNESDAY, 30, 0.9);

        assertThat(f.method()).startsWith("trend (weight 1.00) + day of week, 56 days");
        for (int k = 0; k < 30; k++) {
            double expected = truth(70 + k, DayOfWeek.WEDNESDAY, 100, 0.5);
            assertThat(f.point()[k]).as("day %d", k).isCloseTo(expected, within(1e-7));
            assertThat(f.lower()[k]).isCloseTo(expected, within(1e-6));
            assertThat(f.upper()[k]).isCloseTo(expected, within(1e-6));
        }
        assertThat(f.total()).isCloseTo(Arrays.stream(f.point()).sum(), within(1e-9));
        assertThat(f.totalUpper() - f.totalLower()).isLessThan(1e-5);
    }

    @Test
    void theIntervals_holdTheTruth_atAboutTheStatedRate() {
        int seeds = 400;
        int horizon = 14;
        int daysIn = 0;
        int sumsIn = 0;
        for (int seed = 0; seed < seeds; seed++) {
            Random random = new Random(seed);
            DayOfWeek first = DayOfWeek.of(1 + seed % 7);
            double[] all = series(90 + horizon, first, 200, 0.8, 6, random);
            Forecast f = Forecaster.forecast(Arrays.copyOf(all, 90), first, horizon, 0.9);
            double sum = 0;
            for (int k = 0; k < horizon; k++) {
                double actual = all[90 + k];
                sum += actual;
                if (actual >= f.lower()[k] && actual <= f.upper()[k]) {
                    daysIn++;
                }
            }
            if (sum >= f.totalLower() && sum <= f.totalUpper()) {
                sumsIn++;
            }
        }
        // 5,600 days (correlated within a series through its fit) and 400 sums: a few points either way is chance.
        assertThat((double) daysIn / (seeds * horizon)).isBetween(0.87, 0.93);
        assertThat((double) sumsIn / seeds).isBetween(0.86, 0.95);
    }

    @Test
    void theMeanOfAShortHistory_hasIntervalsThatHoldTheTruth_atAboutTheStatedRate() {
        int seeds = 2_000;
        int daysIn = 0;
        int sumsIn = 0;
        for (int seed = 0; seed < seeds; seed++) {
            Random random = new Random(seed);
            double[] all = new double[10 + 7];
            for (int t = 0; t < all.length; t++) {
                all[t] = 40 + 5 * random.nextGaussian();
            }
            Forecast f = Forecaster.forecast(Arrays.copyOf(all, 10), DayOfWeek.MONDAY, 7, 0.8);
            assertThat(f.method()).isEqualTo("mean of 10 days");
            double sum = 0;
            for (int k = 0; k < 7; k++) {
                sum += all[10 + k];
                if (all[10 + k] >= f.lower()[k] && all[10 + k] <= f.upper()[k]) {
                    daysIn++;
                }
            }
            if (sum >= f.totalLower() && sum <= f.totalUpper()) {
                sumsIn++;
            }
        }
        assertThat((double) daysIn / (seeds * 7)).isBetween(0.77, 0.83);
        assertThat((double) sumsIn / seeds).isBetween(0.77, 0.83);
    }

    @Test
    void theSameInput_givesTheSameBits_andIsLeftAsItWas() {
        double[] history = series(120, DayOfWeek.FRIDAY, 300, 1.5, 25, new Random(7));
        double[] copy = history.clone();

        Forecast a = Forecaster.forecast(history, DayOfWeek.FRIDAY, 90, 0.9);
        Forecast b = Forecaster.forecast(history.clone(), DayOfWeek.FRIDAY, 90, 0.9);

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(bits(a.point())).isEqualTo(bits(b.point()));
        assertThat(bits(a.lower())).isEqualTo(bits(b.lower()));
        assertThat(bits(a.upper())).isEqualTo(bits(b.upper()));
        assertThat(Double.doubleToRawLongBits(a.totalUpper())).isEqualTo(Double.doubleToRawLongBits(b.totalUpper()));
        assertThat(history).isEqualTo(copy);
        // A forecast's arrays are its own.
        a.point()[0] = -1;
        assertThat(a.point()[0]).isEqualTo(b.point()[0]);
    }

    private static long[] bits(double[] values) {
        return Arrays.stream(values).mapToLong(Double::doubleToRawLongBits).toArray();
    }

    @Test
    void noHistory_forecastsZero_andOneDay_repeatsIt_bothWithAnIntervalThatKnowsNothing() {
        Forecast none = Forecaster.forecast(new double[0], DayOfWeek.MONDAY, 7, 0.9);
        assertThat(none.point()).containsOnly(0);
        assertThat(none.lower()).containsOnly(0);
        assertThat(none.upper()).containsOnly(Double.POSITIVE_INFINITY);
        assertThat(none.total()).isZero();
        assertThat(none.totalUpper()).isInfinite();
        assertThat(none.method()).isEqualTo("no history: zero, spread unknown");

        Forecast one = Forecaster.forecast(new double[] {12.5}, DayOfWeek.MONDAY, 4, 0.9);
        assertThat(one.point()).containsExactly(12.5, 12.5, 12.5, 12.5);
        assertThat(one.lower()).containsOnly(0);
        assertThat(one.upper()).containsOnly(Double.POSITIVE_INFINITY);
        assertThat(one.total()).isEqualTo(50);
        assertThat(one.method()).isEqualTo("one day: repeated, spread unknown");
    }

    @Test
    void shortHistories_useSimplerModels() {
        Random random = new Random(3);
        double[] days = series(30, DayOfWeek.MONDAY, 100, 0, 3, random);

        assertThat(Forecaster.forecast(Arrays.copyOf(days, 2), DayOfWeek.MONDAY, 7, 0.9).method()).isEqualTo("mean of 2 days");
        assertThat(Forecaster.forecast(Arrays.copyOf(days, 13), DayOfWeek.MONDAY, 7, 0.9).method()).isEqualTo("mean of 13 days");
        Forecast weekly = Forecaster.forecast(Arrays.copyOf(days, 16), DayOfWeek.MONDAY, 14, 0.9);
        assertThat(weekly.method()).startsWith("level + day of week, 16 days");
        // Day 16 is a Wednesday, day 19 a Saturday, day 20 a Sunday: the weekly pattern shows through.
        double[] point = weekly.point();
        assertThat(point[4]).isLessThan(point[3]).isLessThan(point[0]);
        assertThat(Forecaster.forecast(Arrays.copyOf(days, 21), DayOfWeek.MONDAY, 7, 0.9).method())
                .startsWith("trend (weight ").contains("day of week, 21 days");
        assertThat(Forecaster.forecast(days, DayOfWeek.MONDAY, 7, 0.9).method()).contains("day of week, 30 days");
    }

    @Test
    void aHistoryOfZeros_forecastsZeros() {
        Forecast f = Forecaster.forecast(new double[40], DayOfWeek.SUNDAY, 30, 0.9);

        assertThat(f.point()).hasSize(30).containsOnly(0);
        assertThat(f.lower()).containsOnly(0);
        assertThat(f.upper()).containsOnly(0);
        assertThat(f.total()).isZero();
        assertThat(f.totalLower()).isZero();
        assertThat(f.totalUpper()).isZero();
        assertThat(f.method()).isEqualTo("all zero: zero");
    }

    @Test
    void badInput_isRefused_withAMessageThatSaysWhy() {
        double[] ok = {1, 2, 3};
        assertThatThrownBy(() -> Forecaster.forecast(null, DayOfWeek.MONDAY, 7, 0.9))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("history is null: pass one value per day, or an empty array");
        assertThatThrownBy(() -> Forecaster.forecast(ok, null, 7, 0.9))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("firstDay is null: pass the day of week of history[0]");
        assertThatThrownBy(() -> Forecaster.forecast(new double[] {1, 2, 3, Double.NaN}, DayOfWeek.MONDAY, 7, 0.9))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("history[3] is NaN: every day needs a finite value");
        assertThatThrownBy(() -> Forecaster.forecast(new double[] {Double.NEGATIVE_INFINITY}, DayOfWeek.MONDAY, 7, 0.9))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("history[0] is -Infinity: every day needs a finite value");
        assertThatThrownBy(() -> Forecaster.forecast(ok, DayOfWeek.MONDAY, 0, 0.9))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("horizon is 0: it must be 1 to 366 days");
        assertThatThrownBy(() -> Forecaster.forecast(ok, DayOfWeek.MONDAY, 367, 0.9))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("horizon is 367: it must be 1 to 366 days");
        for (double confidence : new double[] {0, 1, -0.5, 90, Double.NaN}) {
            assertThatThrownBy(() -> Forecaster.forecast(ok, DayOfWeek.MONDAY, 7, confidence))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("confidence is " + confidence + ": it must be strictly between 0 and 1, for example 0.9");
        }
        assertThat(Forecaster.forecast(ok, DayOfWeek.MONDAY, 366, 0.999).horizon()).isEqualTo(366);
    }

    @Test
    void theSumsInterval_isWiderThanAnyDays_narrowerThanTheDaysBoundsAddedUp_andADaysForOneDay() {
        double[] history = series(100, DayOfWeek.TUESDAY, 500, 2, 20, new Random(11));

        Forecast f = Forecaster.forecast(history, DayOfWeek.TUESDAY, 30, 0.9);

        double[] lower = f.lower();
        double[] upper = f.upper();
        double widestDay = 0;
        for (int k = 0; k < 30; k++) {
            widestDay = Math.max(widestDay, upper[k] - lower[k]);
        }
        assertThat(f.total()).isCloseTo(Arrays.stream(f.point()).sum(), within(1e-9));
        assertThat(f.totalLower()).isLessThan(f.total());
        assertThat(f.totalUpper()).isGreaterThan(f.total());
        assertThat(f.totalUpper() - f.totalLower()).isGreaterThan(widestDay);
        assertThat(f.totalLower()).isGreaterThan(Arrays.stream(lower).sum());
        assertThat(f.totalUpper()).isLessThan(Arrays.stream(upper).sum());
        // Independent days would give sqrt(30) times a day's width; the trend's uncertainty adds to the sum's.
        assertThat(f.totalUpper() - f.totalLower()).isGreaterThan(Math.sqrt(30) * (upper[0] - lower[0]));

        Forecast day = Forecaster.forecast(history, DayOfWeek.TUESDAY, 1, 0.9);
        assertThat(day.totalLower()).isCloseTo(day.lower()[0], within(1e-9));
        assertThat(day.totalUpper()).isCloseTo(day.upper()[0], within(1e-9));
        assertThat(day.point()[0]).isEqualTo(f.point()[0]);
    }

    @Test
    void longHorizons_neitherGoNegativeNorRunAwayWithTheTrend() {
        double[] falling = series(60, DayOfWeek.MONDAY, 300, -4, 5, new Random(5));
        Forecast down = Forecaster.forecast(falling, DayOfWeek.MONDAY, 366, 0.9);
        assertThat(Arrays.stream(down.point()).boxed().toList()).allMatch(v -> v >= 0);
        assertThat(Arrays.stream(down.lower()).boxed().toList()).allMatch(v -> v >= 0);
        // The trend takes the level down to 0 at most; what is left are the weekday offsets, clipped at 0.
        assertThat(Arrays.stream(down.point(), 30, 366).boxed().toList()).allMatch(v -> v < 30);
        assertThat(down.totalLower()).isGreaterThanOrEqualTo(0);

        double[] rising = series(60, DayOfWeek.MONDAY, 100, 4, 5, new Random(5));
        Forecast up = Forecaster.forecast(rising, DayOfWeek.MONDAY, 366, 0.9);
        // The last week's level is about 100 + 4 * 56: the trend may add that much again, and no more.
        double level = Arrays.stream(Arrays.copyOfRange(rising, 53, 60)).average().orElseThrow();
        assertThat(Arrays.stream(up.point()).boxed().toList()).allMatch(v -> v < 2 * level + 60);
        assertThat(up.point()[365]).isCloseTo(up.point()[365 - 7], within(1e-9));
    }
}
