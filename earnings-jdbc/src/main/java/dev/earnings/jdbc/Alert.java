package dev.earnings.jdbc;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Locale;

/**
 * A model's completed UTC day whose uses or net earnings lay far from the 28 days before it, as
 * {@link Insights#checkAlerts} found it (the rule is there and in the contract). Raised once per
 * model, day and metric.
 *
 * @param modelId the model
 * @param creatorId the model's creator
 * @param day the UTC day
 * @param metric what was measured
 * @param direction whether the day lay above or below the median
 * @param value the day's figure: a count of uses, or an amount in the deployment's currency
 * @param median the median of the 28 days before
 * @param mad their median absolute deviation, after its floor
 * @param threshold three times {@code mad}: the distance from the median beyond which a day alerts
 * @param explanation one sentence with the figures, for a person
 * @param raisedAt when the alert was raised
 */
public record Alert(String modelId, String creatorId, LocalDate day, Metric metric, Direction direction, BigDecimal value,
        BigDecimal median, BigDecimal mad, BigDecimal threshold, String explanation, Instant raisedAt) {

    /** What an alert measures. */
    public enum Metric {
        /** The day's uses, counted or not. */
        USES,
        /** The day's earnings net of the reversals booked on it. */
        EARNINGS;

        /**
         * The name in payloads and storage: {@code uses}, {@code earnings}.
         *
         * @return the wire name
         */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Which side of the median a day lay on. */
    public enum Direction {
        /** Above the median. */
        ABOVE,
        /** Below the median. */
        BELOW;

        /**
         * The name in payloads and storage: {@code above}, {@code below}.
         *
         * @return the wire name
         */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
