package dev.earnings.testkit;

import dev.earnings.jdbc.CreatorDashboard;
import java.math.BigDecimal;
import org.assertj.core.api.AbstractAssert;

/** Assertions on a {@link CreatorDashboard}. */
public class DashboardAssert extends AbstractAssert<DashboardAssert, CreatorDashboard> {

    /**
     * Creates the assertions.
     *
     * @param actual the dashboard
     */
    public DashboardAssert(CreatorDashboard actual) {
        super(actual, DashboardAssert.class);
    }

    /**
     * Earnings in the period equal {@code amount}.
     *
     * @param amount the expected amount
     * @return this
     */
    public DashboardAssert hasPeriodEarnings(String amount) {
        isNotNull();
        if (actual.periodEarnings().amount().compareTo(new BigDecimal(amount)) != 0) {
            failWithMessage("expected period earnings of %s over %s to be %s but they are %s", actual.creatorId(),
                    actual.range(), amount, actual.periodEarnings().amount().toPlainString());
        }
        return this;
    }

    /**
     * Uses in the period equal {@code uses}.
     *
     * @param uses the expected count
     * @return this
     */
    public DashboardAssert hasUses(long uses) {
        isNotNull();
        if (actual.uses() != uses) {
            failWithMessage("expected %d uses of %s over %s but there are %d", uses, actual.creatorId(), actual.range(),
                    actual.uses());
        }
        return this;
    }

    /**
     * The model that earned most in the period is {@code modelId}.
     *
     * @param modelId the expected top model
     * @return this
     */
    public DashboardAssert hasTopModel(String modelId) {
        isNotNull();
        if (actual.topModels().isEmpty() || !actual.topModels().get(0).modelId().equals(modelId)) {
            failWithMessage("expected %s to be the top model of %s but the top models are %s", modelId,
                    actual.creatorId(), actual.topModels());
        }
        return this;
    }
}
