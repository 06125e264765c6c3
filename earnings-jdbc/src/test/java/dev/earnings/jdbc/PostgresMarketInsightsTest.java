package dev.earnings.jdbc;

/** Forecasts, comparisons and market insights on PostgreSQL. */
class PostgresMarketInsightsTest extends MarketInsightsSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }
}
