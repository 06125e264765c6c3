package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.earnings.core.InvalidConfigurationException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Configuring rate limits: what a builder accepts, what it refuses at once, and immutability. */
class RateLimitsTest {

    @Test
    void builder_keepsTheRatesInOrder_localByDefault() {
        RateLimits limits = RateLimits.builder().perUser(10, Duration.ofSeconds(1)).perUser(500, Duration.ofHours(1))
                .perModel(20_000, Duration.ofMinutes(1)).build();
        assertThat(limits.perUser()).containsExactly(new RateLimits.Rate(10, Duration.ofSeconds(1)),
                new RateLimits.Rate(500, Duration.ofHours(1)));
        assertThat(limits.perModel()).containsExactly(new RateLimits.Rate(20_000, Duration.ofMinutes(1)));
        assertThat(limits.rates(RateLimits.Per.USER)).isEqualTo(limits.perUser());
        assertThat(limits.rates(RateLimits.Per.MODEL)).isEqualTo(limits.perModel());
        assertThat(limits.storage()).isEqualTo(RateLimits.Storage.LOCAL);
        assertThat(limits.toString()).contains("10 uses per PT1S", "20000 uses per PT1M", "LOCAL");
        assertThat(RateLimits.builder().perModel(1, Duration.ofDays(1)).build().perUser()).isEmpty();
    }

    @Test
    void limits_areImmutable_andTheirBuilderCanGoOnWithoutChangingThem() {
        RateLimits.Builder builder = RateLimits.builder().perUser(5, Duration.ofMinutes(1));
        RateLimits first = builder.build();
        RateLimits second = builder.perUser(50, Duration.ofHours(1)).storage(RateLimits.Storage.SHARED).build();
        assertThat(first.perUser()).hasSize(1);
        assertThat(first.storage()).isEqualTo(RateLimits.Storage.LOCAL);
        assertThat(second.perUser()).hasSize(2);
        List<RateLimits.Rate> rates = first.perUser();
        assertThatThrownBy(() -> rates.add(new RateLimits.Rate(1, Duration.ofSeconds(1))))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void ratesOutOfRange_areRefusedAtOnce_namingTheSettingAndWhatIsAllowed() {
        record Bad(long uses, Duration per) {
        }
        for (Bad bad : List.of(new Bad(0, Duration.ofMinutes(1)), new Bad(-1, Duration.ofMinutes(1)),
                new Bad(RateLimits.MAX_USES + 1, Duration.ofDays(1)), new Bad(1, Duration.ofNanos(999_999)),
                new Bad(1, Duration.ZERO), new Bad(1, Duration.ofSeconds(-1)), new Bad(1, Duration.ofDays(367)),
                // Bucket4j refills at most one token per nanosecond.
                new Bad(2_000_000, Duration.ofMillis(1)))) {
            InvalidConfigurationException e = catchThrowableOfType(InvalidConfigurationException.class,
                    () -> RateLimits.builder().perUser(bad.uses(), bad.per()));
            assertThat(e).as("%s", bad).isNotNull();
            assertThat(e.setting()).isEqualTo("rateLimits.perUser");
            assertThat(e.getMessage()).contains("allowed", "1 ms", "366 days");
        }
        assertThat(catchThrowableOfType(InvalidConfigurationException.class,
                () -> RateLimits.builder().perModel(0, Duration.ofMinutes(1))).setting()).isEqualTo("rateLimits.perModel");
        assertThatThrownBy(() -> RateLimits.builder().perUser(1, null)).isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> new RateLimits.Rate(0, Duration.ofMinutes(1))).isInstanceOf(InvalidConfigurationException.class);
        // The edges are allowed.
        RateLimits.builder().perUser(RateLimits.MAX_USES, Duration.ofSeconds(1)).perUser(1, Duration.ofMillis(1))
                .perUser(1, RateLimits.MAX_PERIOD).build();
    }

    @Test
    void moreThanFourRatesForOneSubject_orNoRateAtAll_areRefused() {
        RateLimits.Builder builder = RateLimits.builder();
        for (int i = 1; i <= RateLimits.MAX_RATES; i++) {
            builder.perModel(i, Duration.ofMinutes(i));
        }
        assertThat(catchThrowableOfType(InvalidConfigurationException.class,
                () -> builder.perModel(99, Duration.ofHours(1))).getMessage()).contains("at most 4");
        InvalidConfigurationException none = catchThrowableOfType(InvalidConfigurationException.class,
                () -> RateLimits.builder().storage(RateLimits.Storage.SHARED).build());
        assertThat(none.setting()).isEqualTo("rateLimits");
        assertThat(none.getMessage()).contains("perUser", "perModel");
        assertThatThrownBy(() -> Earnings.builder().rateLimits(null)).isInstanceOf(NullPointerException.class);
    }
}
