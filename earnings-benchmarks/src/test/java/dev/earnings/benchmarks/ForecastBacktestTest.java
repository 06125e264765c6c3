package dev.earnings.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The forecast backtest at a small scale (origins a week apart): on a series with a weekly rhythm,
 * steady or growing, the forecast must beat the last value and the last week repeated at every
 * horizon, or the model is worse than what anyone could do by hand. Not timed.
 */
class ForecastBacktestTest {
    @Test
    void theForecast_beatsBothBaselines_onTheSeasonalAndTheTrendingSeries_atEveryHorizon() {
        List<ForecastBacktest.Row> rows = ForecastBacktest.run(List.of(ForecastBacktest.seasonal(364),
                ForecastBacktest.trending(364)), 7, 0.9);

        assertEquals(6, rows.size());
        for (ForecastBacktest.Row row : rows) {
            assertTrue(row.beatsBoth(), () -> row + " does not beat both baselines");
        }
        // On a steady series the model is right, and its 90% intervals hold about 90% of the days.
        for (ForecastBacktest.Row row : rows.subList(0, 3)) {
            assertTrue(row.coverage() > 0.85 && row.coverage() < 0.95, () -> row + ": coverage far from 90%");
        }
    }

    @Test
    void theSeries_areTheSameOnEveryRun() {
        for (ForecastBacktest.Series series : ForecastBacktest.series()) {
            assertEquals(ForecastBacktest.table(ForecastBacktest.run(List.of(series), 30, 0.9)),
                    ForecastBacktest.table(ForecastBacktest.run(List.of(series), 30, 0.9)));
        }
        assertEquals(List.of("simulation", "seasonal", "trending", "bursty"),
                ForecastBacktest.series().stream().map(ForecastBacktest.Series::name).toList());
    }
}
