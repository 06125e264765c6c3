package dev.earnings.testkit;

import dev.earnings.core.NoEarningsReason;
import dev.earnings.jdbc.RecordedUse;
import org.assertj.core.api.AbstractAssert;

/** Assertions on a {@link RecordedUse}; messages include the rating's explanation. */
public class RecordedUseAssert extends AbstractAssert<RecordedUseAssert, RecordedUse> {

    /**
     * Creates the assertions.
     *
     * @param actual the use
     */
    public RecordedUseAssert(RecordedUse actual) {
        super(actual, RecordedUseAssert.class);
    }

    /**
     * The precise earnings equal {@code amount}.
     *
     * @param amount the expected amount, such as {@code "0.012"}
     * @return this
     */
    public RecordedUseAssert earned(String amount) {
        isNotNull();
        new EarningsResultAssert(actual.result()).earned(amount);
        return this;
    }

    /**
     * The use was rated in tier {@code index} (1-based).
     *
     * @param index the tier index
     * @return this
     */
    public RecordedUseAssert atTier(int index) {
        isNotNull();
        new EarningsResultAssert(actual.result()).atTier(index);
        return this;
    }

    /**
     * The use earned nothing for {@code reason}.
     *
     * @param reason the expected reason
     * @return this
     */
    public RecordedUseAssert earnedNothingBecause(NoEarningsReason reason) {
        isNotNull();
        new EarningsResultAssert(actual.result()).earnedNothingBecause(reason);
        return this;
    }

    /**
     * The use has ordinal {@code ordinal} among its model's counted uses.
     *
     * @param ordinal the expected ordinal, from 1
     * @return this
     */
    public RecordedUseAssert hasOrdinal(long ordinal) {
        isNotNull();
        if (actual.useOrdinal().isEmpty() || actual.useOrdinal().getAsLong() != ordinal) {
            failWithMessage("expected ordinal %d but the use has %s:%n  %s", ordinal, actual.useOrdinal(),
                    actual.result().explain());
        }
        return this;
    }

    /**
     * The call that returned this use was a replay of an earlier eventId: nothing was written.
     *
     * @return this
     */
    public RecordedUseAssert isReplay() {
        isNotNull();
        if (!actual.replayed()) {
            failWithMessage("expected a replay of eventId %s, but the use was newly recorded", actual.eventId());
        }
        return this;
    }
}
