package dev.earnings.core;

/**
 * Why a recorded use earned nothing although the model has a price.
 *
 * <p>Reported so that a creator looking at a zero in their activity can see it is a rule, not a
 * bug. A use whose prices are simply zero has no reason: it earned its price, which is zero.
 */
public enum NoEarningsReason {
    /** The model's monetization switch was off when the use was recorded. */
    NOT_MONETIZED,
    /** The user is the model's creator; under the default policy self-use neither earns nor counts. */
    SELF_USE
}
