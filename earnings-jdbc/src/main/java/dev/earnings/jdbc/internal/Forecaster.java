package dev.earnings.jdbc.internal;

import java.time.DayOfWeek;
import java.util.Arrays;
import java.util.Locale;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.stat.StatUtils;
import org.apache.commons.math3.stat.correlation.PearsonsCorrelation;
import org.apache.commons.math3.stat.regression.OLSMultipleLinearRegression;
import org.jspecify.annotations.Nullable;

/**
 * Forecasts of a daily series (a model's or a creator's uses, or earnings) for the next days, with
 * a prediction interval for each day and one for their sum.
 *
 * <p>Why a model of its own and not the last week again: creators ask what the next week, month or
 * quarter will bring, and a single week repeated carries all of that week's noise and none of the
 * growth. Usage has a strong weekly rhythm and grows or shrinks slowly, so the model is a least
 * squares fit, over the trailing {@value #WINDOW} days, of a level, a linear trend and six
 * day-of-week offsets (Apache Commons Math's {@link OLSMultipleLinearRegression}). Guard rails keep
 * long horizons sane:
 * <ul>
 *   <li>the trend is shrunk by its own evidence: its slope is multiplied by {@code t²/(t²+}{@value
 *       #TREND_SHRINK}{@code )}, {@code t} the slope over its standard error, so a trend the data
 *       barely shows is mostly dropped and a clear one kept whole; and it may move the forecast by no
 *       more than the fitted level of the last week, up or down, however long the horizon;</li>
 *   <li>values are clipped at 0, since uses and earnings are not negative;</li>
 *   <li>short histories get simpler models: from 14 days, a level and day-of-week offsets without a
 *       trend until {@value #MIN_TREND_DAYS} days; from 2 days, the plain mean; one day is repeated,
 *       and no history forecasts 0, both with an interval from 0 to infinity, which says that
 *       nothing is known of the spread; a history of zeros only forecasts zeros.</li>
 * </ul>
 *
 * <p>The intervals are those of the regression: for a day, the residual variance plus the
 * variance of the fitted value (the parameters' uncertainty), scaled by Student's t with the fit's
 * degrees of freedom. For the sum over the horizon, the variance of a sum: the parameters'
 * uncertainty enters once for the summed regressors (it does not average out over days), and the
 * days' residuals add up with their lag-1 autocorrelation, when the fit's residuals show a
 * positive one (consecutive days run high or low together, so a sum strays further than
 * independent days would). The sum's interval is therefore narrower than the sum of the days'
 * bounds and wider than any day's.
 *
 * <p>These are statistical estimates computed in {@code double}, not booked amounts: the library's
 * rule that money is an exact decimal applies to what is recorded and paid, and the caller rounds a
 * forecast to the currency's minor unit and labels it an estimate. The computation is
 * deterministic: the same history, first day, horizon and confidence give the same bits.
 */
public final class Forecaster {
    /** The trailing window of the full model, in days: eight weeks. */
    static final int WINDOW = 56;
    /** The fewest days the trend is fitted on: three weeks. */
    static final int MIN_TREND_DAYS = 21;
    /** The fewest days the day-of-week offsets are fitted on: two of each weekday. */
    static final int MIN_WEEKDAY_DAYS = 14;
    /** The trend's weight is {@code t²/(t²+TREND_SHRINK)}: half at two standard errors. */
    static final double TREND_SHRINK = 4;
    /** The largest horizon: a year, leap day included. */
    static final int MAX_HORIZON = 366;
    /** The largest lag-1 autocorrelation of the residuals the sum's interval takes into account. */
    static final double MAX_AUTOCORRELATION = 0.9;

    private Forecaster() {
    }

    /**
     * A forecast for the days after the history.
     *
     * @param point the forecast of each day, clipped at 0
     * @param lower the lower bound of each day's prediction interval
     * @param upper the upper bound of each day's prediction interval; infinite when nothing is known of the spread
     * @param total the forecast of the sum over the horizon: the sum of {@code point}
     * @param totalLower the lower bound of the sum's prediction interval
     * @param totalUpper the upper bound of the sum's prediction interval
     * @param method the model used, in a few words
     */
    public record Forecast(double[] point, double[] lower, double[] upper, double total, double totalLower, double totalUpper,
            String method) {
        /** Copies the arrays: a forecast does not change once made. */
        public Forecast {
            point = point.clone();
            lower = lower.clone();
            upper = upper.clone();
        }

        @Override
        public double[] point() {
            return point.clone();
        }

        @Override
        public double[] lower() {
            return lower.clone();
        }

        @Override
        public double[] upper() {
            return upper.clone();
        }

        /** The number of days forecast. */
        public int horizon() {
            return point.length;
        }

        @Override
        public boolean equals(@Nullable Object o) {
            return o instanceof Forecast f && Arrays.equals(point, f.point) && Arrays.equals(lower, f.lower)
                    && Arrays.equals(upper, f.upper) && Double.compare(total, f.total) == 0
                    && Double.compare(totalLower, f.totalLower) == 0 && Double.compare(totalUpper, f.totalUpper) == 0
                    && method.equals(f.method);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(new Object[] {Arrays.hashCode(point), Arrays.hashCode(lower), Arrays.hashCode(upper), total,
                totalLower, totalUpper, method});
        }

        @Override
        public String toString() {
            return "Forecast[" + method + ", total " + total + " in [" + totalLower + ", " + totalUpper + "], point "
                    + Arrays.toString(point) + "]";
        }
    }

    /**
     * Forecasts the days after a history.
     *
     * @param history one finite value per day, oldest first, ending with the last complete day
     * @param firstDay the day of week of {@code history[0]}
     * @param horizon how many days to forecast, 1 to 366
     * @param confidence the prediction intervals' coverage, strictly between 0 and 1 (for example 0.9)
     * @return the forecast of the {@code horizon} days after the history and of their sum
     * @throws IllegalArgumentException when an argument is null, a value is not finite, or the horizon or
     *         confidence is out of range
     */
    public static Forecast forecast(double[] history, DayOfWeek firstDay, int horizon, double confidence) {
        validate(history, firstDay, horizon, confidence);
        int n = history.length;
        if (n == 0) {
            return flat(0, horizon, "no history: zero, spread unknown");
        }
        if (n == 1) {
            return flat(Math.max(0, history[0]), horizon, "one day: repeated, spread unknown");
        }
        if (Arrays.stream(history).allMatch(v -> v == 0)) {
            double[] zeros = new double[horizon];
            return new Forecast(zeros, zeros, zeros, 0, 0, 0, "all zero: zero");
        }
        if (n < MIN_WEEKDAY_DAYS) {
            return mean(history, horizon, confidence);
        }
        return regression(history, firstDay, horizon, confidence);
    }

    private static void validate(double[] history, DayOfWeek firstDay, int horizon, double confidence) {
        if (history == null) {
            throw new IllegalArgumentException("history is null: pass one value per day, or an empty array");
        }
        if (firstDay == null) {
            throw new IllegalArgumentException("firstDay is null: pass the day of week of history[0]");
        }
        for (int i = 0; i < history.length; i++) {
            if (!Double.isFinite(history[i])) {
                throw new IllegalArgumentException("history[" + i + "] is " + history[i] + ": every day needs a finite value");
            }
        }
        if (horizon < 1 || horizon > MAX_HORIZON) {
            throw new IllegalArgumentException("horizon is " + horizon + ": it must be 1 to " + MAX_HORIZON + " days");
        }
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence is " + confidence + ": it must be strictly between 0 and 1, for example 0.9");
        }
    }

    /** The same value every day, with an interval from 0 to infinity: one day or none says nothing of the spread. */
    private static Forecast flat(double value, int horizon, String method) {
        double[] point = new double[horizon];
        Arrays.fill(point, value);
        double[] upper = new double[horizon];
        Arrays.fill(upper, Double.POSITIVE_INFINITY);
        return new Forecast(point, new double[horizon], upper, value * horizon, 0, Double.POSITIVE_INFINITY, method);
    }

    /** Fewer than two weeks: the mean, with the interval of a new observation and, for the sum, the mean's uncertainty once. */
    private static Forecast mean(double[] history, int horizon, double confidence) {
        int n = history.length;
        double mean = StatUtils.mean(history);
        double variance = StatUtils.variance(history, mean);
        double q = quantile(n - 1, confidence);
        double daySd = Math.sqrt(variance * (1 + 1.0 / n));
        double sumSd = Math.sqrt(variance * (horizon + (double) horizon * horizon / n));
        double[] point = new double[horizon];
        double[] lower = new double[horizon];
        double[] upper = new double[horizon];
        for (int k = 0; k < horizon; k++) {
            point[k] = Math.max(0, mean);
            lower[k] = Math.max(0, mean - q * daySd);
            upper[k] = Math.max(0, mean + q * daySd);
        }
        return withTotal(point, lower, upper, horizon * mean, q * sumSd, String.format(Locale.ROOT, "mean of %d days", n));
    }

    /**
     * Two weeks or more: least squares over the trailing window of a level, day-of-week offsets (Sunday is the base)
     * and, from three weeks, a linear trend, its time 0 on the last day of the history.
     */
    private static Forecast regression(double[] history, DayOfWeek firstDay, int horizon, double confidence) {
        int n = history.length;
        int window = Math.min(n, WINDOW);
        int start = n - window;
        boolean trend = window >= MIN_TREND_DAYS;
        int columns = (trend ? 1 : 0) + 6;
        double[] y = Arrays.copyOfRange(history, start, n);
        double[][] x = new double[window][];
        for (int i = 0; i < window; i++) {
            x[i] = regressors(start + i - (n - 1), firstDay.plus(start + i), trend, 0);
        }
        OLSMultipleLinearRegression ols = new OLSMultipleLinearRegression();
        ols.newSampleData(y, x);
        double[] beta = ols.estimateRegressionParameters();
        RealMatrix inverse = MatrixUtils.createRealMatrix(ols.estimateRegressionParametersVariance());
        double sigma2 = ols.estimateErrorVariance();
        int df = window - (columns + 1);
        double q = quantile(df, confidence);

        String method;
        double weight = 1;
        double cap = Double.POSITIVE_INFINITY;
        if (trend) {
            double slope = beta[1];
            double slopeVariance = sigma2 * inverse.getEntry(1, 1);
            double t2 = slopeVariance > 0 ? slope * slope / slopeVariance : Double.POSITIVE_INFINITY;
            weight = Double.isInfinite(t2) ? 1 : t2 / (t2 + TREND_SHRINK);
            // The level of the last week as fitted: intercept at the last day plus the mean day-of-week offset.
            double level = beta[0];
            for (int c = 2; c < beta.length; c++) {
                level += beta[c] / 7;
            }
            // The trend moves the forecast by at most the level, up or down, in time units of the weighted slope.
            double effective = Math.abs(slope * weight);
            cap = effective > 0 ? Math.abs(level) / effective : Double.POSITIVE_INFINITY;
            method = String.format(Locale.ROOT, "trend (weight %.2f) + day of week, %d days", weight, window);
        } else {
            method = String.format(Locale.ROOT, "level + day of week, %d days", window);
        }

        double[] point = new double[horizon];
        double[] lower = new double[horizon];
        double[] upper = new double[horizon];
        double sum = 0;
        RealVector summed = MatrixUtils.createRealVector(new double[columns + 1]);
        for (int k = 0; k < horizon; k++) {
            double time = Math.min(k + 1, cap) * weight;
            RealVector x0 = MatrixUtils.createRealVector(regressors(time, firstDay.plus(n + k), trend, 1));
            double mean = x0.dotProduct(MatrixUtils.createRealVector(beta));
            double sd = Math.sqrt(sigma2 * (1 + inverse.preMultiply(x0).dotProduct(x0)));
            point[k] = Math.max(0, mean);
            lower[k] = Math.max(0, mean - q * sd);
            upper[k] = Math.max(0, mean + q * sd);
            sum += mean;
            summed = summed.add(x0);
        }
        double rho = sigma2 > 0 ? lagOneAutocorrelation(ols.estimateResiduals()) : 0;
        double sumVariance = sigma2 * (sumOfCorrelations(horizon, rho) + inverse.preMultiply(summed).dotProduct(summed));
        if (rho > 0) {
            method += String.format(Locale.ROOT, ", residual autocorrelation %.2f", rho);
        }
        return withTotal(point, lower, upper, sum, q * Math.sqrt(sumVariance), method);
    }

    /** One row of the design without its intercept column (or with it, {@code intercept} 1): trend time, then Monday to Saturday. */
    private static double[] regressors(double time, DayOfWeek day, boolean trend, int intercept) {
        double[] row = new double[intercept + (trend ? 1 : 0) + 6];
        if (intercept == 1) {
            row[0] = 1;
        }
        if (trend) {
            row[intercept] = time;
        }
        if (day != DayOfWeek.SUNDAY) {
            row[intercept + (trend ? 1 : 0) + day.ordinal()] = 1;
        }
        return row;
    }

    /** The residuals' lag-1 correlation, 0 when negative or undefined, at most {@value #MAX_AUTOCORRELATION}. */
    private static double lagOneAutocorrelation(double[] residuals) {
        int m = residuals.length;
        double r = new PearsonsCorrelation().correlation(Arrays.copyOfRange(residuals, 0, m - 1),
                Arrays.copyOfRange(residuals, 1, m));
        return Double.isNaN(r) ? 0 : Math.max(0, Math.min(MAX_AUTOCORRELATION, r));
    }

    /** The sum of the correlations of {@code h} consecutive days whose lag-k correlation is {@code rho^k}. */
    private static double sumOfCorrelations(int h, double rho) {
        double total = h;
        double power = 1;
        for (int lag = 1; lag < h; lag++) {
            power *= rho;
            total += 2 * (h - lag) * power;
        }
        return total;
    }

    /** The two-sided interval's multiplier: Student's t quantile of {@code (1 + confidence) / 2}. */
    private static double quantile(int degreesOfFreedom, double confidence) {
        if (degreesOfFreedom < 1) {
            return Double.POSITIVE_INFINITY;
        }
        // No random generator: the distribution is only asked for a quantile, never sampled.
        return new TDistribution(null, degreesOfFreedom).inverseCumulativeProbability((1 + confidence) / 2);
    }

    private static Forecast withTotal(double[] point, double[] lower, double[] upper, double unclipped, double halfWidth,
            String method) {
        double total = 0;
        for (double p : point) {
            total += p;
        }
        // The interval is centred on the model's sum; the forecast itself is the sum of the clipped days.
        double totalLower = Math.max(0, Math.min(total, unclipped - halfWidth));
        double totalUpper = Math.max(total, unclipped + halfWidth);
        return new Forecast(point, lower, upper, total, totalLower, totalUpper, method);
    }
}
