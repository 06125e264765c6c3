package dev.earnings.testkit;

import dev.earnings.core.Money;
import dev.earnings.jdbc.Balance;
import java.math.BigDecimal;
import org.assertj.core.api.AbstractAssert;

/** Assertions on a creator's {@link Balance}; amounts compare as numbers. */
public class BalanceAssert extends AbstractAssert<BalanceAssert, Balance> {

    /**
     * Creates the assertions.
     *
     * @param actual the balance
     */
    public BalanceAssert(Balance actual) {
        super(actual, BalanceAssert.class);
    }

    /**
     * Everything earned equals {@code amount}.
     *
     * @param amount the expected amount
     * @return this
     */
    public BalanceAssert hasEarned(String amount) {
        return check("earned", actual == null ? null : actual.earned(), amount);
    }

    /**
     * Pending payouts equal {@code amount}.
     *
     * @param amount the expected amount
     * @return this
     */
    public BalanceAssert hasPending(String amount) {
        return check("pending", actual == null ? null : actual.pending(), amount);
    }

    /**
     * Completed payouts equal {@code amount}.
     *
     * @param amount the expected amount
     * @return this
     */
    public BalanceAssert hasPaidOut(String amount) {
        return check("paid out", actual == null ? null : actual.paidOut(), amount);
    }

    /**
     * The available balance equals {@code amount}.
     *
     * @param amount the expected amount
     * @return this
     */
    public BalanceAssert hasAvailable(String amount) {
        return check("available", actual == null ? null : actual.available(), amount);
    }

    private BalanceAssert check(String figure, Money value, String expected) {
        isNotNull();
        if (value.amount().compareTo(new BigDecimal(expected)) != 0) {
            failWithMessage("expected %s of %s to be %s but it is %s (%s)", figure, actual.creatorId(), expected,
                    value.amount().toPlainString(), actual);
        }
        return this;
    }
}
