package dev.earnings.jdbc;

import dev.earnings.core.EarningsResult;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A use as the library recorded it: the explained rating plus where it stands among the model's
 * uses.
 *
 * <p>When {@link #replayed()} is {@code true}, the eventId had been recorded before with the same
 * payload: this is the original record and nothing was written by the call that returned it.
 *
 * @param eventId the use's idempotency key; assigned by the library when the host gave none
 * @param useOrdinal the use's place among the model's counted uses (1, 2, 3, ...), empty when the
 *     use is not counted toward the tier (self-use under the default policy)
 * @param modelId the model
 * @param creatorId the model's creator, who earns from the use
 * @param userId the user who used the model
 * @param occurredAt when the use happened, to the microsecond; its UTC day is the rollup's day
 * @param recordedAt when the library recorded it, to the microsecond
 * @param pricingVersion the model's pricing version the use was rated with
 * @param result the explained rating: base, token part, tier, multipliers, precise earnings, reason
 * @param replayed whether this is the original record of an earlier call with the same eventId
 */
public record RecordedUse(
        String eventId,
        OptionalLong useOrdinal,
        String modelId,
        String creatorId,
        String userId,
        Instant occurredAt,
        Instant recordedAt,
        int pricingVersion,
        EarningsResult result,
        boolean replayed) {

    /**
     * Checks that every part is present.
     *
     * @param eventId the eventId
     * @param useOrdinal the ordinal, or empty
     * @param modelId the model
     * @param creatorId the creator
     * @param userId the user
     * @param occurredAt when the use happened
     * @param recordedAt when it was recorded
     * @param pricingVersion the pricing version
     * @param result the rating
     * @param replayed whether it is a replay
     */
    public RecordedUse {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(useOrdinal, "useOrdinal");
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(creatorId, "creatorId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(occurredAt, "occurredAt");
        Objects.requireNonNull(recordedAt, "recordedAt");
        Objects.requireNonNull(result, "result");
    }

    /**
     * Shows the use without the user id, which is named by its length only, so that a host
     * logging a recorded use logs no user's identity.
     *
     * @return the eventId, ordinal, model, creator, times, pricing version, earnings and whether replayed
     */
    @Override
    public String toString() {
        return "RecordedUse[eventId=" + eventId + ", useOrdinal=" + useOrdinal + ", modelId=" + modelId + ", creatorId="
                + creatorId + ", userId=<" + userId.length() + " characters>, occurredAt=" + occurredAt + ", recordedAt="
                + recordedAt + ", pricingVersion=" + pricingVersion + ", earnings=" + result.earnings() + ", replayed="
                + replayed + "]";
    }
}
