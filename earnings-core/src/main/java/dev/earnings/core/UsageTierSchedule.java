package dev.earnings.core;

import dev.earnings.core.internal.Checks;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The usage tier schedule: which multiplier applies after how many prior counted uses.
 *
 * <p>The {@linkplain #defaults() default schedule} is the contract's table:
 *
 * <table>
 *   <caption>Default usage tiers</caption>
 *   <tr><th>tier</th><th>prior counted uses</th><th>use ordinals</th><th>multiplier</th></tr>
 *   <tr><td>1</td><td>0 - 99</td><td>1 - 100</td><td>1.0</td></tr>
 *   <tr><td>2</td><td>100 - 999</td><td>101 - 1,000</td><td>1.2</td></tr>
 *   <tr><td>3</td><td>1,000 - 4,999</td><td>1,001 - 5,000</td><td>1.5</td></tr>
 *   <tr><td>4</td><td>5,000 - 9,999</td><td>5,001 - 10,000</td><td>2.0</td></tr>
 *   <tr><td>5</td><td>10,000 and more</td><td>10,001 and later</td><td>2.5</td></tr>
 * </table>
 *
 * <p>A custom schedule must start at 0 prior uses, have strictly ascending thresholds and positive
 * multipliers of at most {@link #MAX_MULTIPLIER} with at most 12 decimal places. Multipliers need
 * not ascend: a platform may choose to pay less at scale. Instances are immutable and thread-safe.
 */
public final class UsageTierSchedule {
    /** The largest multiplier a tier may have; keeps every single use's earnings storable exactly. */
    public static final BigDecimal MAX_MULTIPLIER = new BigDecimal("100");

    private static final UsageTierSchedule DEFAULTS = builder()
            .tier(0, "1.0")
            .tier(100, "1.2")
            .tier(1_000, "1.5")
            .tier(5_000, "2.0")
            .tier(10_000, "2.5")
            .build();

    private final List<UsageTier> tiers;

    private UsageTierSchedule(List<UsageTier> tiers) {
        this.tiers = List.copyOf(tiers);
    }

    /**
     * The contract's default schedule (1.0, 1.2, 1.5, 2.0, 2.5 from 0, 100, 1,000, 5,000, 10,000
     * prior uses).
     *
     * @return the default schedule
     */
    public static UsageTierSchedule defaults() {
        return DEFAULTS;
    }

    /**
     * Starts a custom schedule.
     *
     * @return an empty builder; add tiers in ascending order, the first from 0 prior uses
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The tiers, in ascending order of threshold.
     *
     * @return an unmodifiable list with at least one tier
     */
    public List<UsageTier> tiers() {
        return tiers;
    }

    /**
     * The tier that rates a use with the given number of prior counted uses of its model.
     *
     * @param priorCountedUses counted uses of the model recorded before this one, {@code >= 0}
     * @return the tier
     * @throws InvalidInputException if {@code priorCountedUses} is negative
     */
    public UsageTier tierFor(long priorCountedUses) {
        if (priorCountedUses < 0) {
            throw new InvalidInputException("priorCountedUses", "priorCountedUses is " + priorCountedUses
                    + "; allowed: 0 or more");
        }
        // Ends at the latest at the first tier, which starts at 0 prior uses.
        int i = tiers.size() - 1;
        while (priorCountedUses < tiers.get(i).fromPriorUses()) {
            i--;
        }
        return tiers.get(i);
    }

    /**
     * The tier after the given one, if any.
     *
     * @param tier a tier of this schedule
     * @return the next tier, or empty for the last tier
     */
    public Optional<UsageTier> next(UsageTier tier) {
        Objects.requireNonNull(tier, "tier");
        int index = tier.index();
        return index < tiers.size() ? Optional.of(tiers.get(index)) : Optional.empty();
    }

    /**
     * How many more counted uses a model needs before its uses are rated in the next tier; what a
     * creator dashboard shows as progress.
     *
     * @param countedUses the model's counted uses so far
     * @return the uses still needed, or empty when the model is in the last tier
     */
    public Optional<Long> usesToNextTier(long countedUses) {
        return next(tierFor(countedUses)).map(next -> next.fromPriorUses() - countedUses);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UsageTierSchedule && tiers.equals(((UsageTierSchedule) o).tiers);
    }

    @Override
    public int hashCode() {
        return tiers.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("UsageTierSchedule[");
        for (UsageTier tier : tiers) {
            if (tier.index() > 1) {
                text.append(", ");
            }
            text.append(tier.fromPriorUses()).append("+: ").append(tier.multiplier().toPlainString()).append('x');
        }
        return text.append(']').toString();
    }

    /** Builds a schedule, validating each tier as it is added. Not thread-safe; use it on one thread. */
    public static final class Builder {
        private final List<UsageTier> tiers = new ArrayList<>();

        private Builder() {}

        /**
         * Adds the next tier.
         *
         * @param fromPriorUses prior counted uses from which it applies; 0 for the first tier, then
         *     strictly ascending
         * @param multiplier its multiplier as a decimal literal, such as {@code "1.2"}
         * @return this builder
         * @throws InvalidConfigurationException if the tier does not fit the schedule
         */
        public Builder tier(long fromPriorUses, String multiplier) {
            return tier(fromPriorUses, Checks.parseDecimal(setting("multiplier"), multiplier));
        }

        /**
         * Adds the next tier.
         *
         * @param fromPriorUses prior counted uses from which it applies; 0 for the first tier, then
         *     strictly ascending
         * @param multiplier its multiplier, positive, at most {@link #MAX_MULTIPLIER}
         * @return this builder
         * @throws InvalidConfigurationException if the tier does not fit the schedule
         */
        public Builder tier(long fromPriorUses, BigDecimal multiplier) {
            BigDecimal checked = Checks.requireMultiplier(setting("multiplier"), multiplier, MAX_MULTIPLIER);
            if (tiers.isEmpty() && fromPriorUses != 0) {
                throw new InvalidConfigurationException(setting("fromPriorUses"), "the first tier must start at 0 prior uses, but starts at "
                        + fromPriorUses);
            }
            if (!tiers.isEmpty() && fromPriorUses <= tiers.get(tiers.size() - 1).fromPriorUses()) {
                throw new InvalidConfigurationException(setting("fromPriorUses"), "tier " + (tiers.size() + 1) + " starts at "
                        + fromPriorUses + " prior uses; allowed: more than the previous tier's "
                        + tiers.get(tiers.size() - 1).fromPriorUses() + " (thresholds must strictly ascend)");
            }
            tiers.add(new UsageTier(tiers.size() + 1, fromPriorUses, checked));
            return this;
        }

        /**
         * Finishes the schedule.
         *
         * @return the immutable schedule
         * @throws InvalidConfigurationException if no tier was added
         */
        public UsageTierSchedule build() {
            if (tiers.isEmpty()) {
                throw new InvalidConfigurationException("tiers", "a tier schedule needs at least one tier, starting at 0 prior uses");
            }
            return new UsageTierSchedule(tiers);
        }

        private String setting(String field) {
            return "tiers[" + (tiers.size() + 1) + "]." + field;
        }
    }
}
