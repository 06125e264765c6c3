package dev.earnings.benchmarks;

import dev.earnings.jdbc.internal.Forecaster;
import java.time.DayOfWeek;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.commons.math3.distribution.PoissonDistribution;
import org.apache.commons.math3.random.Well19937c;

/**
 * The daily forecasts of uses and earnings ({@link Forecaster}) replayed on four simulated
 * series with rolling origins: at each origin the forecaster sees the days before it only, and
 * forecasts the next 7, 30 and 90 days, which are then compared with what the series did. Next
 * to it, two baselines: the last value repeated ("naive"), and the same weekday of the last week
 * ("seasonal naive").
 *
 * <p>Reported for each series and horizon, averaged over the origins: MASE, the mean absolute
 * error divided by the in-sample mean absolute error of the seasonal-naive forecast one week
 * ahead (below 1 is better than that in sample; lower is better); sMAPE, the symmetric mean
 * absolute percentage error in percent (days where forecast and actual are both 0 left out); and
 * for the forecast the share of days whose actual fell in the 90% prediction interval, and the
 * share of origins whose actual sum over the horizon fell in the sum's interval.
 *
 * <p>Run: {@code java -cp earnings-benchmarks/target/benchmarks.jar dev.earnings.benchmarks.ForecastBacktest};
 * {@code --step=1} sets the days between origins and {@code --confidence=0.9} the intervals'.
 * Every series comes from a fixed seed, so a run prints the same table on every machine. It
 * exits with status 2 when the forecast does not beat both baselines on the seasonal and the
 * trending series at every horizon.
 *
 * <p>The forecaster lives in an internal package and this is the one class of the benchmarks that
 * uses it: it is a measurement of the library's own model, not an example of its API.
 */
public final class ForecastBacktest {
    /** The horizons of the backtest, in days. */
    static final int[] HORIZONS = {7, 30, 90};
    /** The shortest history an origin has: eight weeks. */
    static final int FIRST_ORIGIN = 56;
    static final List<String> OPTIONS = List.of("step", "confidence");

    private ForecastBacktest() {
    }

    /** A simulated daily series. */
    record Series(String name, DayOfWeek firstDay, double[] values) {
    }

    /** The errors of the three forecasts of one series at one horizon, averaged over the origins. */
    record Row(String series, int horizon, int origins, double mase, double naiveMase, double seasonalMase, double smape,
            double naiveSmape, double seasonalSmape, double coverage, double totalCoverage) {
        /** Whether the forecast's MASE is below both baselines'. */
        boolean beatsBoth() {
            return mase < naiveMase && mase < seasonalMase;
        }
    }

    public static void main(String[] args) {
        Map<String, String> options = IngestionBenchmark.Options.parse(args, OPTIONS);
        int step = Integer.parseInt(options.getOrDefault("step", "1"));
        double confidence = Double.parseDouble(options.getOrDefault("confidence", "0.9"));
        List<Row> rows = run(series(), step, confidence);
        System.out.printf(Locale.ROOT, "Origins every %d days from day %d; %.0f%% intervals%n%n", step, FIRST_ORIGIN,
                confidence * 100);
        System.out.print(table(rows));
        boolean failed = false;
        for (Row row : rows) {
            if ((row.series().equals("seasonal") || row.series().equals("trending")) && !row.beatsBoth()) {
                System.out.printf(Locale.ROOT, "FAILED: the forecast does not beat both baselines on %s at %d days%n",
                        row.series(), row.horizon());
                failed = true;
            }
        }
        if (failed) {
            System.exit(2);
        }
    }

    /** The four series: the simulation's traffic, seasonal, trending and bursty. */
    static List<Series> series() {
        return List.of(simulation(180), seasonal(364), trending(364), bursty(364));
    }

    /**
     * The traffic of the examples' {@code SimulationExample} (examples/src/main/java/dev/earnings/examples),
     * whose month this extends to {@code days} days: 60,000 uses a month drawn with seed 2026, each
     * {@code span * u^1.6} seconds back from the end for a uniform {@code u}, so traffic grows through
     * the period, fastest at its end. Uses per day; no weekly rhythm. Copied, not called: the
     * benchmarks do not depend on the examples.
     */
    static Series simulation(int days) {
        Random random = new Random(2026);
        long span = days * 86_400L;
        int uses = 60_000 * days / 30;
        double[] perDay = new double[days];
        for (int i = 0; i < uses; i++) {
            long secondsBack = (long) (span * Math.pow(random.nextDouble(), 1.6));
            perDay[days - 1 - (int) (secondsBack / 86_400)]++;
        }
        return new Series("simulation", DayOfWeek.MONDAY, perDay);
    }

    /** A weekly rhythm (weekdays busy, weekends quiet) around a steady 1,000 uses a day, with 10% noise. */
    static Series seasonal(int days) {
        Random random = new Random(11);
        double[] weekly = {1.10, 1.15, 1.12, 1.05, 0.98, 0.55, 0.50};
        double[] values = new double[days];
        for (int d = 0; d < days; d++) {
            values[d] = Math.max(0, Math.round(1_000 * weekly[d % 7] * (1 + 0.10 * random.nextGaussian())));
        }
        return new Series("seasonal", DayOfWeek.MONDAY, values);
    }

    /** Growth of 0.5% a day from 200 uses a day, the same weekly rhythm, 10% noise. */
    static Series trending(int days) {
        Random random = new Random(12);
        double[] weekly = {1.10, 1.15, 1.12, 1.05, 0.98, 0.55, 0.50};
        double[] values = new double[days];
        for (int d = 0; d < days; d++) {
            values[d] = Math.max(0, Math.round(200 * Math.exp(0.005 * d) * weekly[d % 7] * (1 + 0.10 * random.nextGaussian())));
        }
        return new Series("trending", DayOfWeek.MONDAY, values);
    }

    /**
     * A niche model: Poisson uses with a mean of 3 a day, and on 4% of days a burst starts that lasts 1 to 4 days
     * with 10 to 30 times the mean.
     */
    static Series bursty(int days) {
        Well19937c random = new Well19937c(13);
        double[] values = new double[days];
        int burstLeft = 0;
        double burst = 1;
        for (int d = 0; d < days; d++) {
            if (burstLeft == 0 && random.nextDouble() < 0.04) {
                burstLeft = 1 + random.nextInt(4);
                burst = 10 + 20 * random.nextDouble();
            }
            double mean = 3 * (burstLeft > 0 ? burst : 1);
            if (burstLeft > 0) {
                burstLeft--;
            }
            values[d] = new PoissonDistribution(random, mean, PoissonDistribution.DEFAULT_EPSILON,
                    PoissonDistribution.DEFAULT_MAX_ITERATIONS).sample();
        }
        return new Series("bursty", DayOfWeek.MONDAY, values);
    }

    /** Replays every series at every horizon, with origins every {@code step} days from day {@value #FIRST_ORIGIN}. */
    static List<Row> run(List<Series> series, int step, double confidence) {
        if (step < 1) {
            throw new IllegalArgumentException("--step must be at least 1 day");
        }
        List<Row> rows = new ArrayList<>();
        for (Series s : series) {
            for (int horizon : HORIZONS) {
                rows.add(replay(s, horizon, step, confidence));
            }
        }
        return rows;
    }

    private static Row replay(Series series, int horizon, int step, double confidence) {
        double[] y = series.values();
        double mase = 0;
        double naiveMase = 0;
        double seasonalMase = 0;
        double smape = 0;
        double naiveSmape = 0;
        double seasonalSmape = 0;
        int covered = 0;
        int days = 0;
        int totalsCovered = 0;
        int origins = 0;
        for (int origin = FIRST_ORIGIN; origin + horizon <= y.length; origin += step) {
            double[] history = java.util.Arrays.copyOf(y, origin);
            Forecaster.Forecast f = Forecaster.forecast(history, series.firstDay(), horizon, confidence);
            double[] point = f.point();
            double[] lower = f.lower();
            double[] upper = f.upper();
            double[] naive = new double[horizon];
            double[] seasonal = new double[horizon];
            double actualTotal = 0;
            for (int k = 0; k < horizon; k++) {
                naive[k] = history[origin - 1];
                seasonal[k] = history[origin - 7 + k % 7];
                double actual = y[origin + k];
                actualTotal += actual;
                if (actual >= lower[k] && actual <= upper[k]) {
                    covered++;
                }
                days++;
            }
            if (actualTotal >= f.totalLower() && actualTotal <= f.totalUpper()) {
                totalsCovered++;
            }
            double[] actual = java.util.Arrays.copyOfRange(y, origin, origin + horizon);
            double scale = seasonalNaiveScale(history);
            mase += meanAbsoluteError(point, actual) / scale;
            naiveMase += meanAbsoluteError(naive, actual) / scale;
            seasonalMase += meanAbsoluteError(seasonal, actual) / scale;
            smape += smape(point, actual);
            naiveSmape += smape(naive, actual);
            seasonalSmape += smape(seasonal, actual);
            origins++;
        }
        return new Row(series.name(), horizon, origins, mase / origins, naiveMase / origins, seasonalMase / origins,
                smape / origins, naiveSmape / origins, seasonalSmape / origins, (double) covered / days,
                (double) totalsCovered / origins);
    }

    /** The in-sample mean absolute error of the seasonal-naive forecast one week ahead: MASE's scale. */
    private static double seasonalNaiveScale(double[] history) {
        double sum = 0;
        for (int t = 7; t < history.length; t++) {
            sum += Math.abs(history[t] - history[t - 7]);
        }
        double scale = sum / (history.length - 7);
        if (scale == 0) {
            throw new IllegalStateException("a history that repeats every week exactly has no MASE scale");
        }
        return scale;
    }

    private static double meanAbsoluteError(double[] forecast, double[] actual) {
        double sum = 0;
        for (int k = 0; k < actual.length; k++) {
            sum += Math.abs(forecast[k] - actual[k]);
        }
        return sum / actual.length;
    }

    /** Symmetric MAPE in percent over the days where forecast or actual is not 0. */
    private static double smape(double[] forecast, double[] actual) {
        double sum = 0;
        int n = 0;
        for (int k = 0; k < actual.length; k++) {
            double denominator = Math.abs(forecast[k]) + Math.abs(actual[k]);
            if (denominator > 0) {
                sum += 200 * Math.abs(forecast[k] - actual[k]) / denominator;
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }

    /** The rows as a Markdown table, the forecast's best MASE of the three in bold. */
    static String table(List<Row> rows) {
        StringBuilder t = new StringBuilder();
        t.append("| series | horizon | origins | MASE forecast | MASE naive | MASE seasonal naive | sMAPE % forecast ")
                .append("| sMAPE % naive | sMAPE % seasonal naive | days in interval | sums in interval |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            String forecast = String.format(Locale.ROOT, r.beatsBoth() ? "**%.3f**" : "%.3f", r.mase());
            t.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %.3f | %.3f | %.1f | %.1f | %.1f | %.1f%% | %.1f%% |%n",
                    r.series(), r.horizon(), r.origins(), forecast, r.naiveMase(), r.seasonalMase(), r.smape(), r.naiveSmape(),
                    r.seasonalSmape(), 100 * r.coverage(), 100 * r.totalCoverage()));
        }
        return t.toString();
    }
}
