package dev.earnings.core;

/**
 * How a use by the model's own creator is treated.
 *
 * <p>Every policy records the use, so it always shows in usage analytics; they differ in whether
 * it earns and whether it advances the model's usage tier.
 */
public enum SelfUsePolicy {
    /**
     * The default: self-use earns nothing and does not advance the tier, so a creator cannot
     * inflate their own multiplier or pay themselves.
     */
    NOT_COUNTED,
    /** Self-use earns nothing but advances the tier like any other use. */
    COUNTED_WITHOUT_EARNINGS,
    /** Self-use is rated exactly like any other use. Only for platforms that want to pay it. */
    EARNS_LIKE_ANY_USE
}
