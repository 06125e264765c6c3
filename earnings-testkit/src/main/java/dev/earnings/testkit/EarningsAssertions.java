package dev.earnings.testkit;

import dev.earnings.core.EarningsResult;
import dev.earnings.jdbc.Balance;
import dev.earnings.jdbc.CreatorDashboard;
import dev.earnings.jdbc.RecordedUse;

/**
 * AssertJ entry points for the library's results: {@code assertThat(use).earned("0.012").atTier(2)}.
 * Failure messages show the result's own explanation, so a wrong amount says why it came out so.
 */
public final class EarningsAssertions {
    private EarningsAssertions() {
    }

    /**
     * Assertions on a recorded use.
     *
     * @param actual the use
     * @return the assertions
     */
    public static RecordedUseAssert assertThat(RecordedUse actual) {
        return new RecordedUseAssert(actual);
    }

    /**
     * Assertions on a rating.
     *
     * @param actual the result
     * @return the assertions
     */
    public static EarningsResultAssert assertThat(EarningsResult actual) {
        return new EarningsResultAssert(actual);
    }

    /**
     * Assertions on a balance.
     *
     * @param actual the balance
     * @return the assertions
     */
    public static BalanceAssert assertThat(Balance actual) {
        return new BalanceAssert(actual);
    }

    /**
     * Assertions on a creator dashboard.
     *
     * @param actual the dashboard
     * @return the assertions
     */
    public static DashboardAssert assertThat(CreatorDashboard actual) {
        return new DashboardAssert(actual);
    }
}
