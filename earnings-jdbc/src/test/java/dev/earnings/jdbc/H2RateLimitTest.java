package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.earnings.core.InvalidConfigurationException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rate limits on H2, with buckets in memory: shared buckets need PostgreSQL and are refused. */
class H2RateLimitTest extends RateLimitSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }

    @Override
    RateLimits.Storage storage() {
        return RateLimits.Storage.LOCAL;
    }

    @Test
    void sharedLimits_onH2_areRefusedAtBuild_beforeAnythingIsMigratedOrWritten() {
        Map<String, Long> before = rowCounts();
        InvalidConfigurationException refused = catchThrowableOfType(InvalidConfigurationException.class,
                () -> db.builder().clock(clock).rateLimits(RateLimits.builder().perUser(5, Duration.ofMinutes(1))
                        .storage(RateLimits.Storage.SHARED).build()).build());
        assertThat(refused.setting()).isEqualTo("rateLimits.storage");
        assertThat(refused.getMessage()).contains("PostgreSQL", "LOCAL");
        assertThat(rowCounts()).isEqualTo(before);
    }
}
