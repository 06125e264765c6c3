package dev.earnings.core;

import java.util.Objects;
import java.util.Optional;

/**
 * The rating of one use, with everything needed to explain it.
 *
 * <p>The amounts follow the contract's formula:
 * <pre>
 * tokenPart = tokensConsumed * earningsPerToken
 * base      = earningsPerUse + tokenPart
 * earnings  = round12_half_even(base * tier.multiplier * usageType.multiplier)
 * </pre>
 * {@code earnings} is the <em>precise amount</em>: rounded once, to 12 places, half-even. It is
 * zero, with a {@link #reason() reason}, when the model is not monetized or the use is self-use
 * under a policy that does not pay it; {@code base} and the multipliers are still reported, so a
 * creator can see what the use would have earned.
 *
 * @param pricing the pricing the use was rated with
 * @param priorCountedUses counted uses of the model before this one; it fixes the tier
 * @param tokensConsumed the tokens of the use
 * @param usageType the resolved usage type and its multiplier
 * @param tier the usage tier and its multiplier
 * @param selfUse whether the user is the model's creator
 * @param counted whether the use advances the model's tier (every use does, except self-use
 *     under {@link SelfUsePolicy#NOT_COUNTED})
 * @param tokenPart {@code tokensConsumed * earningsPerToken}, exact
 * @param base {@code earningsPerUse + tokenPart}, exact
 * @param earnings the precise amount the creator earns for this use
 * @param reason why the use earns nothing, when a rule says so
 */
public record EarningsResult(
        ModelPricing pricing,
        long priorCountedUses,
        long tokensConsumed,
        UsageType usageType,
        UsageTier tier,
        boolean selfUse,
        boolean counted,
        Money tokenPart,
        Money base,
        Money earnings,
        Optional<NoEarningsReason> reason) {

    /**
     * Checks that every part is present and that a reason comes only with zero earnings.
     *
     * @param pricing the pricing
     * @param priorCountedUses prior counted uses
     * @param tokensConsumed the tokens
     * @param usageType the usage type
     * @param tier the tier
     * @param selfUse whether it is self-use
     * @param counted whether it advances the tier
     * @param tokenPart the token part
     * @param base the base
     * @param earnings the precise earnings
     * @param reason the reason for zero earnings, or empty
     */
    public EarningsResult {
        Objects.requireNonNull(pricing, "pricing");
        Objects.requireNonNull(usageType, "usageType");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(tokenPart, "tokenPart");
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(earnings, "earnings");
        Objects.requireNonNull(reason, "reason");
        if (reason.isPresent() && !earnings.isZero()) {
            throw new IllegalArgumentException("a use with a no-earnings reason must earn zero, not " + earnings);
        }
    }

    /**
     * Whether the use earned a positive amount.
     *
     * @return {@code true} when {@link #earnings()} is above zero
     */
    public boolean earns() {
        return earnings.signum() > 0;
    }

    /**
     * A one-line explanation for people, for example in a creator's activity view or a test failure:
     * {@code 0.018000000000 USD = (0.01 + 50 tokens x 0.0001) x 1.2 (tier 2, from 100 prior uses)
     * x 1 (image_generation), rounded half-even to 12 places}.
     *
     * @return the explanation
     */
    public String explain() {
        StringBuilder text = new StringBuilder();
        text.append(earnings).append(" = ");
        reason.ifPresent(r -> text.append("0 because ").append(r == NoEarningsReason.SELF_USE
                ? "the user is the model's creator (self-use)" : "the model is not monetized").append("; otherwise "));
        text.append('(').append(pricing.earningsPerUse().toPlainString())
                .append(" + ").append(tokensConsumed).append(" tokens x ").append(pricing.earningsPerToken().toPlainString())
                .append(") x ").append(tier.multiplier().toPlainString())
                .append(" (tier ").append(tier.index()).append(", from ").append(priorCountedUses).append(" prior uses)")
                .append(" x ").append(usageType.multiplier().toPlainString())
                .append(" (").append(usageType.name()).append("), rounded half-even to ").append(Money.SCALE).append(" places");
        if (!counted) {
            text.append("; not counted toward the tier");
        }
        return text.toString();
    }
}
