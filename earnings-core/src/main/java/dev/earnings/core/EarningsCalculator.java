package dev.earnings.core;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Rates uses: the contract's formula, tiers, usage types and which-uses-earn rules, with no I/O.
 *
 * <p>The calculator is a pure function of its configuration and its arguments, so the storage
 * layer can call it inside a transaction with the exact prior-use count it has locked, and tests
 * can check it against an independent oracle. Instances are immutable and thread-safe; build one
 * at start-up and share it.
 *
 * <pre>{@code
 * EarningsCalculator calculator = EarningsCalculator.defaults();
 * EarningsResult result = calculator.calculate(ModelPricing.of("0.01", "0.0001"), 150, 50, "chat", false);
 * result.earnings(); // 0.014400000000 USD = (0.01 + 50 x 0.0001) x 1.2 x 0.8
 * }</pre>
 */
public final class EarningsCalculator {
    /** The default largest token count of one use: one billion. */
    public static final long DEFAULT_MAX_TOKENS = 1_000_000_000L;

    /** The largest value {@link Builder#maxTokens(long)} accepts: one trillion. */
    public static final long MAX_TOKENS_LIMIT = 1_000_000_000_000L;

    private static final EarningsCalculator DEFAULTS = builder().build();

    private final Currency currency;
    private final UsageTierSchedule tiers;
    private final UsageTypes usageTypes;
    private final long maxTokens;
    private final SelfUsePolicy selfUsePolicy;
    private final Money zero;

    private EarningsCalculator(Builder builder) {
        this.currency = builder.currency;
        this.tiers = builder.tiers;
        this.usageTypes = builder.usageTypes;
        this.maxTokens = builder.maxTokens;
        this.selfUsePolicy = builder.selfUsePolicy;
        this.zero = Money.zero(currency);
    }

    /**
     * The contract's defaults: USD, the default tiers and usage types, at most one billion tokens per
     * use, self-use {@linkplain SelfUsePolicy#NOT_COUNTED not counted}.
     *
     * @return the default calculator
     */
    public static EarningsCalculator defaults() {
        return DEFAULTS;
    }

    /**
     * Starts a calculator from the defaults.
     *
     * @return a builder holding the defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Rates one use.
     *
     * @param pricing the model's pricing in force when the use is recorded
     * @param priorCountedUses the model's counted uses recorded before this one (the use's ordinal
     *     minus one); fixes the tier
     * @param tokensConsumed tokens of the use, from 0 to the configured maximum
     * @param usageType the usage type name, such as {@code chat}
     * @param selfUse whether the user is the model's creator
     * @return the explained result
     * @throws InvalidInputException if an argument is not allowed
     * @throws UnknownUsageTypeException if the usage type is unknown and not mapped
     */
    public EarningsResult calculate(ModelPricing pricing, long priorCountedUses, long tokensConsumed,
            String usageType, boolean selfUse) {
        return calculate(pricing, priorCountedUses, tokensConsumed, usageTypes.resolve(usageType), selfUse);
    }

    /**
     * Rates one use whose type is already resolved.
     *
     * @param pricing the model's pricing in force when the use is recorded
     * @param priorCountedUses the model's counted uses recorded before this one
     * @param tokensConsumed tokens of the use, from 0 to the configured maximum
     * @param usageType a type from {@link #usageTypes()}
     * @param selfUse whether the user is the model's creator
     * @return the explained result
     * @throws InvalidInputException if an argument is not allowed
     */
    public EarningsResult calculate(ModelPricing pricing, long priorCountedUses, long tokensConsumed,
            UsageType usageType, boolean selfUse) {
        Objects.requireNonNull(pricing, "pricing");
        Objects.requireNonNull(usageType, "usageType");
        requireTokens(tokensConsumed);
        UsageTier tier = tiers.tierFor(priorCountedUses);

        BigDecimal tokenPart = pricing.earningsPerToken().multiply(BigDecimal.valueOf(tokensConsumed));
        BigDecimal base = pricing.earningsPerUse().add(tokenPart);

        Optional<NoEarningsReason> reason = Optional.empty();
        boolean counted = true;
        if (selfUse && selfUsePolicy != SelfUsePolicy.EARNS_LIKE_ANY_USE) {
            reason = Optional.of(NoEarningsReason.SELF_USE);
            counted = selfUsePolicy == SelfUsePolicy.COUNTED_WITHOUT_EARNINGS;
        } else if (!pricing.monetized()) {
            reason = Optional.of(NoEarningsReason.NOT_MONETIZED);
        }

        Money earnings = reason.isPresent()
                ? zero
                : Money.of(currency, base.multiply(tier.multiplier()).multiply(usageType.multiplier())
                        .setScale(Money.SCALE, RoundingMode.HALF_EVEN));
        return new EarningsResult(pricing, priorCountedUses, tokensConsumed, usageType, tier, selfUse, counted,
                Money.of(currency, tokenPart), Money.of(currency, base), earnings, reason);
    }

    /**
     * Validates a token count against the configured maximum; the storage layer calls it before it
     * opens a transaction.
     *
     * @param tokensConsumed the tokens of a use
     * @return the same count
     * @throws InvalidInputException if it is negative or above the maximum
     */
    public long requireTokens(long tokensConsumed) {
        if (tokensConsumed < 0 || tokensConsumed > maxTokens) {
            throw new InvalidInputException("tokensConsumed", "tokensConsumed is " + tokensConsumed
                    + "; allowed: a whole number from 0 to " + maxTokens);
        }
        return tokensConsumed;
    }

    /**
     * Validates the token count of a use to be recorded against the configured maximum and the
     * plausibility cap of the use's type, whichever is lower. The storage layer calls it for
     * every use it records; {@link #calculate} applies only the maximum, so that any count up to
     * it can still be rated (the contract's conformance vectors rate counts far above the caps).
     *
     * @param tokensConsumed the tokens of a use
     * @param usageType the use's resolved type
     * @return the same count
     * @throws InvalidInputException if it is negative or above the maximum or the type's cap
     */
    public long requireTokens(long tokensConsumed, UsageType usageType) {
        requireTokens(tokensConsumed);
        OptionalLong cap = usageTypes.tokenCap(usageType.name());
        if (cap.isPresent() && tokensConsumed > cap.getAsLong()) {
            throw new InvalidInputException("tokensConsumed", "tokensConsumed is " + tokensConsumed + " for usage type "
                    + usageType.name() + "; allowed: a whole number from 0 to " + cap.getAsLong()
                    + ", the type's plausibility cap");
        }
        return tokensConsumed;
    }

    /**
     * Whether a use by the model's creator advances the tier under the configured policy.
     *
     * @param selfUse whether the user is the model's creator
     * @return {@code true} when the use gets an ordinal and counts toward the tier
     */
    public boolean counts(boolean selfUse) {
        return !selfUse || selfUsePolicy != SelfUsePolicy.NOT_COUNTED;
    }

    /**
     * The currency of every amount this calculator produces.
     *
     * @return the deployment's currency
     */
    public Currency currency() {
        return currency;
    }

    /**
     * The tier schedule.
     *
     * @return the schedule
     */
    public UsageTierSchedule tiers() {
        return tiers;
    }

    /**
     * The usage types.
     *
     * @return the types
     */
    public UsageTypes usageTypes() {
        return usageTypes;
    }

    /**
     * The largest token count of one use.
     *
     * @return the maximum
     */
    public long maxTokens() {
        return maxTokens;
    }

    /**
     * How self-use is treated.
     *
     * @return the policy
     */
    public SelfUsePolicy selfUsePolicy() {
        return selfUsePolicy;
    }

    @Override
    public String toString() {
        return "EarningsCalculator[currency=" + currency + ", tiers=" + tiers + ", usageTypes=" + usageTypes
                + ", maxTokens=" + maxTokens + ", selfUsePolicy=" + selfUsePolicy + "]";
    }

    /** Configures a calculator; every setting starts at the contract's default. Not thread-safe. */
    public static final class Builder {
        private Currency currency = Currency.getInstance("USD");
        private UsageTierSchedule tiers = UsageTierSchedule.defaults();
        private UsageTypes usageTypes = UsageTypes.defaults();
        private long maxTokens = DEFAULT_MAX_TOKENS;
        private SelfUsePolicy selfUsePolicy = SelfUsePolicy.NOT_COUNTED;

        private Builder() {}

        /**
         * The deployment's one currency. Default {@code USD}.
         *
         * @param currency the currency; it must have minor units, since payouts are made in them
         * @return this builder
         */
        public Builder currency(Currency currency) {
            Objects.requireNonNull(currency, "currency");
            if (currency.getDefaultFractionDigits() < 0) {
                throw new InvalidConfigurationException("currency", "currency " + currency.getCurrencyCode()
                        + " has no minor units; allowed: a currency with minor units such as USD or EUR");
            }
            this.currency = currency;
            return this;
        }

        /**
         * The tier schedule. Default {@link UsageTierSchedule#defaults()}.
         *
         * @param tiers the schedule
         * @return this builder
         */
        public Builder tiers(UsageTierSchedule tiers) {
            this.tiers = Objects.requireNonNull(tiers, "tiers");
            return this;
        }

        /**
         * The usage types. Default {@link UsageTypes#defaults()}.
         *
         * @param usageTypes the types
         * @return this builder
         */
        public Builder usageTypes(UsageTypes usageTypes) {
            this.usageTypes = Objects.requireNonNull(usageTypes, "usageTypes");
            return this;
        }

        /**
         * The largest token count of one use. Default one billion.
         *
         * @param maxTokens from 0 to {@link #MAX_TOKENS_LIMIT}
         * @return this builder
         * @throws InvalidConfigurationException if out of range
         */
        public Builder maxTokens(long maxTokens) {
            if (maxTokens < 0 || maxTokens > MAX_TOKENS_LIMIT) {
                throw new InvalidConfigurationException("maxTokens", "maxTokens is " + maxTokens
                        + "; allowed: 0 to " + MAX_TOKENS_LIMIT);
            }
            this.maxTokens = maxTokens;
            return this;
        }

        /**
         * How self-use is treated. Default {@link SelfUsePolicy#NOT_COUNTED}.
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder selfUsePolicy(SelfUsePolicy policy) {
            this.selfUsePolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Finishes the calculator.
         *
         * @return the immutable calculator
         */
        public EarningsCalculator build() {
            return new EarningsCalculator(this);
        }
    }
}
