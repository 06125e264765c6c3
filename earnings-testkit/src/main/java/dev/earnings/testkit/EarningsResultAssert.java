package dev.earnings.testkit;

import dev.earnings.core.EarningsResult;
import dev.earnings.core.NoEarningsReason;
import java.math.BigDecimal;
import org.assertj.core.api.AbstractAssert;

/** Assertions on an {@link EarningsResult}; messages include {@link EarningsResult#explain()}. */
public class EarningsResultAssert extends AbstractAssert<EarningsResultAssert, EarningsResult> {

    /**
     * Creates the assertions.
     *
     * @param actual the result
     */
    public EarningsResultAssert(EarningsResult actual) {
        super(actual, EarningsResultAssert.class);
    }

    /**
     * The precise earnings equal {@code amount} (compared as numbers: "0.012" equals 0.012000000000).
     *
     * @param amount the expected amount
     * @return this
     */
    public EarningsResultAssert earned(String amount) {
        isNotNull();
        if (actual.earnings().amount().compareTo(new BigDecimal(amount)) != 0) {
            failWithMessage("expected the use to earn %s but it earned %s:%n  %s", amount,
                    actual.earnings().amount().toPlainString(), actual.explain());
        }
        return this;
    }

    /**
     * The use was rated in tier {@code index} (1-based).
     *
     * @param index the tier index
     * @return this
     */
    public EarningsResultAssert atTier(int index) {
        isNotNull();
        if (actual.tier().index() != index) {
            failWithMessage("expected tier %d but the use was rated in tier %d:%n  %s", index, actual.tier().index(),
                    actual.explain());
        }
        return this;
    }

    /**
     * The use earned nothing for {@code reason}.
     *
     * @param reason the expected reason
     * @return this
     */
    public EarningsResultAssert earnedNothingBecause(NoEarningsReason reason) {
        isNotNull();
        if (actual.reason().filter(reason::equals).isEmpty() || !actual.earnings().isZero()) {
            failWithMessage("expected the use to earn nothing because of %s:%n  %s", reason, actual.explain());
        }
        return this;
    }
}
