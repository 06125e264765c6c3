package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.earnings.core.InvalidInputException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A bulk payout's threshold is checked, and the rejection names its own field. */
class BulkPayoutRequestTest {

    /** Guards: a threshold below one minor unit is rejected naming {@code thresholdMinor}, not {@code amountMinor}. */
    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void aThresholdBelowOneMinorUnit_isRejectedNamingThresholdMinor(long threshold) {
        InvalidInputException refused = catchThrowableOfType(InvalidInputException.class,
                () -> BulkPayoutRequest.of("b").threshold(threshold));
        assertThat(refused).isNotNull();
        assertThat(refused.field()).isEqualTo("thresholdMinor");
        assertThat(refused.getMessage()).startsWith("thresholdMinor is " + threshold).contains("allowed")
                .doesNotContain("amountMinor");
        assertThat(catchThrowableOfType(InvalidInputException.class, () -> new BulkPayoutRequest("b", threshold, true))
                .field()).isEqualTo("thresholdMinor");
    }
}
