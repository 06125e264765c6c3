package dev.earnings.jdbc;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link Earnings#verifyIntegrity()} found when it recomputed the stored aggregates, daily
 * rollups and balances from the usage rows, the reversals and the payouts.
 *
 * <p>The usage rows are the source of truth; every other table is derived from them. A clean
 * report means {@code sum(usage rows) == model aggregate == sum(daily rollups)} holds to the last
 * digit and every model's ordinals run 1..N.
 *
 * @param modelsChecked how many models were compared
 * @param daysChecked how many model-days were compared
 * @param usesChecked how many usage rows were read
 * @param drifts every figure that differs, empty when the data is consistent
 */
public record IntegrityReport(long modelsChecked, long daysChecked, long usesChecked, List<Drift> drifts) {

    /**
     * Copies the list so the report cannot change.
     *
     * @param modelsChecked models compared
     * @param daysChecked model-days compared
     * @param usesChecked usage rows read
     * @param drifts the differences found
     */
    public IntegrityReport {
        drifts = List.copyOf(drifts);
    }

    /**
     * Whether nothing drifted.
     *
     * @return {@code true} when {@link #drifts()} is empty
     */
    public boolean isClean() {
        return drifts.isEmpty();
    }

    /**
     * One stored figure that differs from what the usage rows say it should be.
     *
     * @param modelId the model; for a creator's balance figure ({@code balance_earned},
     *     {@code balance_held}, {@code balance_available}), the creator
     * @param day the UTC day for a daily-rollup figure, empty for a model-aggregate figure
     * @param figure the figure's name, for example {@code lifetime_earnings} or {@code unique_users}
     * @param recomputed the value recomputed from the usage rows
     * @param stored the value stored, or empty when the stored row is missing
     */
    public record Drift(String modelId, Optional<LocalDate> day, String figure, BigDecimal recomputed,
            Optional<BigDecimal> stored) {

        /**
         * Checks that every part is present.
         *
         * @param modelId the model
         * @param day the day, or empty
         * @param figure the figure
         * @param recomputed the recomputed value
         * @param stored the stored value, or empty
         */
        public Drift {
            Objects.requireNonNull(modelId, "modelId");
            Objects.requireNonNull(day, "day");
            Objects.requireNonNull(figure, "figure");
            Objects.requireNonNull(recomputed, "recomputed");
            Objects.requireNonNull(stored, "stored");
        }

        @Override
        public String toString() {
            return modelId + day.map(d -> " on " + d).orElse("") + ": " + figure + " is "
                    + stored.map(BigDecimal::toPlainString).orElse("missing") + " but the usage rows say "
                    + recomputed.toPlainString();
        }
    }
}
