package dev.earnings.jdbc;

/** Forecasts, comparisons and market insights on H2. */
class H2MarketInsightsTest extends MarketInsightsSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }
}
