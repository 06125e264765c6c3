package dev.earnings.jdbc;

import java.util.Locale;

/**
 * What an {@link EarningsEvent} reports. Each type is stored and sent under its {@linkplain #wireName()
 * wire name}, such as {@code payout.completed}; the payload of each is documented here and in the
 * README, and fields are only ever added to it, never renamed or removed.
 *
 * <p>Amounts in payloads are JSON strings holding plain decimals with the library's 12 decimal places ({@code "0.015000000000"}); a multiplier is written in its canonical form ({@code "1.2"}), so that no
 * reader takes them for floating point. Times are ISO-8601 in UTC. No payload holds a user id,
 * metadata or a prompt.
 */
public enum EventType {
    /**
     * A use was recorded; written only when the host turns it on ({@code Earnings.Builder.useRecordedEvents}),
     * since it doubles the writes of recording. Payload: {@code eventId}, {@code modelId},
     * {@code usageType}, {@code tokens}, {@code occurredAt}, {@code ordinal} (absent for a use
     * that does not count), {@code tierIndex}, {@code earnings}, {@code currency}.
     */
    USE_RECORDED,
    /**
     * A use was reversed, wholly or in part. Payload: {@code correctionId}, {@code eventId} (the
     * use's), {@code modelId}, {@code amount} (negative), {@code remaining}, {@code currency},
     * {@code reason}, {@code actor}.
     */
    USE_REVERSED,
    /**
     * A model's use was the first rated in a higher usage tier. Payload: {@code modelId},
     * {@code tierIndex} (1 is the first tier, so never 1 here), {@code fromPriorUses} (the tier's threshold),
     * {@code multiplier}, {@code ordinal} and {@code eventId} of the use that reached it.
     */
    TIER_REACHED,
    /**
     * A payout was reserved. Payload: {@code payoutId}, {@code amount}, {@code currency},
     * {@code status}, {@code reference}, {@code actor}, and {@code note} when the payout has one.
     */
    PAYOUT_CREATED,
    /** A pending payout was completed. Payload as {@link #PAYOUT_CREATED}, with {@code reason} when given. */
    PAYOUT_COMPLETED,
    /** A pending payout failed, its amount released. Payload as {@link #PAYOUT_COMPLETED}. */
    PAYOUT_FAILED,
    /** A pending payout was cancelled, its amount released. Payload as {@link #PAYOUT_COMPLETED}. */
    PAYOUT_CANCELLED,
    /**
     * A model's completed UTC day lay far from the 28 days before it (the rule is
     * {@code Insights.checkAlerts}'s and the contract's); written once per model, day and metric.
     * Payload: {@code modelId}, {@code day} ({@code 2026-03-09}), {@code metric} ({@code uses} or
     * {@code earnings}), {@code direction} ({@code above} or {@code below}), {@code value},
     * {@code median}, {@code mad} (after its floor), {@code threshold}, {@code explanation}, and
     * for {@code earnings} the {@code currency}. For {@code earnings} the four figures are amounts
     * with 12 decimal places (the exact median, MAD and threshold take up to three more when they
     * need them: a median of an even count is the mean of the middle two); for {@code uses} they
     * are counts as plain decimals ({@code "40"}, {@code "12.5"}).
     */
    ALERT_RAISED,
    /**
     * A creator's monthly goal was reached: the month's earnings, net of reversals, came to its
     * target; written once per goal. Payload: {@code month} ({@code 2026-03}), {@code zone}
     * ({@code UTC}, {@code America/New_York}), {@code target}, {@code earned} (the month's
     * earnings when it was seen reached), {@code currency}, {@code reachedAt}.
     */
    GOAL_REACHED;

    /**
     * The name the type is stored and sent under: lower case, dot-separated, such as
     * {@code use.reversed}.
     *
     * @return the wire name
     */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /**
     * The type of a wire name.
     *
     * @param wireName a name such as {@code payout.failed}
     * @return the type
     * @throws IllegalArgumentException if no type has that name
     */
    public static EventType ofWireName(String wireName) {
        for (EventType type : values()) {
            if (type.wireName().equals(wireName)) {
                return type;
            }
        }
        throw new IllegalArgumentException("no event type is named '" + wireName + "'");
    }
}
