package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.time.YearMonth;
import org.junit.jupiter.api.Test;

/** The usage log on H2: one table, so archiving is refused. */
class H2UsageLogTest extends UsageLogSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }

    @Test
    void archiving_isRefused_onH2() {
        try (TestDatabase db = openDatabase();
                Earnings earnings = db.builder().clock(new MutableClock(Instant.parse("2025-06-01T00:00:00Z"))).build()) {
            assertThatThrownBy(() -> earnings.admin().archiveUsage(ADMIN, YearMonth.of(2025, 1), ExportFormat.CSV,
                    new ByteArrayOutputStream())).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("PostgreSQL");
        }
    }
}
