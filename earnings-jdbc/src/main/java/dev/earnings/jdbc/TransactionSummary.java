package dev.earnings.jdbc;

import dev.earnings.core.Money;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Payouts by status across the platform: how many and how much.
 *
 * @param byStatus every status, with zero count and amount where there are none
 */
public record TransactionSummary(Map<PayoutStatus, StatusTotal> byStatus) {

    /**
     * Copies the map, keeping the statuses in their declared order.
     *
     * @param byStatus totals per status
     */
    public TransactionSummary {
        EnumMap<PayoutStatus, StatusTotal> copy = new EnumMap<>(PayoutStatus.class);
        copy.putAll(byStatus);
        byStatus = Collections.unmodifiableMap(copy);
    }

    /**
     * The payouts in one status.
     *
     * @param count how many
     * @param amountMinor their sum in minor units
     * @param amount their sum as money
     */
    public record StatusTotal(long count, long amountMinor, Money amount) {
    }
}
