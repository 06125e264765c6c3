package dev.earnings.jdbc;

/**
 * What a change recorded in the audit log did. Each is stored under its name.
 */
public enum AuditAction {
    /** A model was registered (target: the model). */
    MODEL_REGISTERED,
    /** A model's prices changed, perhaps with its monetization switch (target: the model). */
    PRICING_CHANGED,
    /** A model's monetization was switched on or off, its prices kept (target: the model). */
    MONETIZATION_SWITCHED,
    /** A use was reversed, wholly or in part (target: the use's eventId). */
    USE_REVERSED,
    /** A payout was reserved (target: the payout's id). */
    PAYOUT_CREATED,
    /** A pending payout was completed (target: the payout's id). */
    PAYOUT_COMPLETED,
    /** A pending payout failed, its amount released (target: the payout's id). */
    PAYOUT_FAILED,
    /** A pending payout was cancelled, its amount released (target: the payout's id). */
    PAYOUT_CANCELLED,
    /** A payout schedule ran for a period (target: {@code name:period}); its payouts have entries of their own. */
    SCHEDULE_RUN,
    /** A deployment setting was stored (target: the setting's name; a secret's value is never shown). */
    SETTINGS_CHANGED,
    /** A month of the usage log was exported and removed (target: the month, {@code 2025-01}). */
    USAGE_ARCHIVED
}
