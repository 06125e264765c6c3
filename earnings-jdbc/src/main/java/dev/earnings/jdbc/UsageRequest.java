package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.internal.Checks;
import dev.earnings.jdbc.internal.MetadataCodec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One use to record, with the optional parts a host needs for retries and late events.
 *
 * <p>Built with {@link #builder(String, String)}; the builder checks ids and the metadata's form
 * (a strict JSON object, of allowed types, at most 10 levels deep) at once, so a bad request fails
 * where it is made. What depends on the library's configuration is checked when the use is
 * recorded, before anything is written: token limits, the usage type, the occurredAt window, and
 * the {@link MetadataRules} (denied keys, the cut of prompt-like strings, and the stored size of at
 * most 8,192 bytes after the cut).
 *
 * @param userId the user who used the model
 * @param modelId the model used
 * @param tokensConsumed tokens of the use
 * @param usageType the usage type name, as the host sent it
 * @param metadataJson the canonical metadata JSON (compact, keys sorted), or empty; as given, since
 *     the {@link MetadataRules} are applied when the use is recorded
 * @param eventId the idempotency key, or empty for the library to assign one
 * @param occurredAt when the use happened, to the microsecond, or empty for "now"
 */
public record UsageRequest(
        String userId,
        String modelId,
        long tokensConsumed,
        String usageType,
        Optional<String> metadataJson,
        Optional<String> eventId,
        Optional<Instant> occurredAt) {

    /**
     * Checks ids and canonicalizes the metadata; prefer {@link #builder(String, String)}. No
     * argument may be {@code null}: an absent part is {@code Optional.empty()}.
     *
     * @param userId the user
     * @param modelId the model
     * @param tokensConsumed the tokens
     * @param usageType the usage type name
     * @param metadataJson canonical metadata JSON, or empty
     * @param eventId the eventId, or empty
     * @param occurredAt when it happened, or empty
     * @throws InvalidInputException naming the field, if an argument is {@code null}, an id is not
     *     allowed or the metadata is not a JSON object within the limits
     */
    public UsageRequest {
        Checks.requireId("userId", userId);
        Checks.requireId("modelId", modelId);
        if (usageType == null) {
            throw new InvalidInputException("usageType", "usageType is missing; allowed: a configured usage type name such as chat");
        }
        // Checked as an id even when unknown names are mapped to "other": the name as sent is stored.
        Checks.requireId("usageType", usageType);
        // A null Optional is a programming error in the host: refused like any bad input, never
        // read as "absent", so that a payments call does not go through on a guess.
        if (metadataJson == null) {
            throw new InvalidInputException("metadataJson", "metadataJson is missing; allowed: an Optional holding"
                    + " a JSON object, or Optional.empty() for no metadata");
        }
        if (eventId == null) {
            throw new InvalidInputException("eventId", "eventId is missing; allowed: an Optional holding 1 to "
                    + Checks.MAX_ID_LENGTH + " printable characters, or Optional.empty() for the library to assign one");
        }
        if (occurredAt == null) {
            throw new InvalidInputException("occurredAt", "occurredAt is missing; allowed: an Optional holding an"
                    + " instant within the library's window, or Optional.empty() for now");
        }
        eventId.ifPresent(id -> Checks.requireId("eventId", id));
        metadataJson = metadataJson.map(MetadataCodec::canonical);
        occurredAt = occurredAt.map(at -> at.truncatedTo(ChronoUnit.MICROS));
    }

    /**
     * Shows the request without its personal parts: the user id and the metadata (which may hold
     * a prompt) by their length only, so that a host logging a request logs no user data.
     *
     * @return for example {@code UsageRequest[userId=<7 characters>, modelId=m1, tokensConsumed=12,
     *     usageType=chat, metadata=<84 characters>, eventId=e-1, occurredAt=now]}
     */
    @Override
    public String toString() {
        return "UsageRequest[userId=<" + userId.length() + " characters>, modelId=" + modelId + ", tokensConsumed="
                + tokensConsumed + ", usageType=" + usageType + ", metadata="
                + metadataJson.map(m -> "<" + m.length() + " characters>").orElse("none") + ", eventId="
                + eventId.orElse("assigned") + ", occurredAt=" + occurredAt.map(Instant::toString).orElse("now") + "]";
    }

    /**
     * Starts a request for one use of a model by a user.
     *
     * @param userId the user, 1 to 128 printable characters
     * @param modelId the model, 1 to 128 printable characters
     * @return a builder with no tokens, no metadata, no eventId and occurredAt "now"
     */
    public static Builder builder(String userId, String modelId) {
        return new Builder(userId, modelId);
    }

    /** Builds a {@link UsageRequest}; not thread-safe. */
    public static final class Builder {
        private final String userId;
        private final String modelId;
        private long tokensConsumed;
        private String usageType;
        private String metadataJson;
        private String eventId;
        private Instant occurredAt;

        private Builder(String userId, String modelId) {
            this.userId = Checks.requireId("userId", userId);
            this.modelId = Checks.requireId("modelId", modelId);
        }

        /**
         * Sets the tokens the use consumed.
         *
         * @param tokensConsumed from 0 to the library's configured maximum
         * @return this builder
         */
        public Builder tokensConsumed(long tokensConsumed) {
            this.tokensConsumed = tokensConsumed;
            return this;
        }

        /**
         * Sets the usage type.
         *
         * @param usageType a configured type name such as {@code image_generation} or {@code chat}
         * @return this builder
         */
        public Builder usageType(String usageType) {
            this.usageType = usageType;
            return this;
        }

        /**
         * Sets the metadata from a map; values may be strings, booleans, whole numbers,
         * {@link java.math.BigDecimal}s, lists and nested maps (no {@code double}).
         *
         * @param metadata the metadata, or {@code null} for none
         * @return this builder
         * @throws InvalidInputException if the metadata breaks the depth or type rules
         */
        public Builder metadata(@Nullable Map<String, ?> metadata) {
            this.metadataJson = MetadataCodec.canonical(metadata);
            return this;
        }

        /**
         * Sets the metadata from a JSON object text, as a host receives it over HTTP.
         *
         * @param json a JSON object, or {@code null} for none
         * @return this builder
         * @throws InvalidInputException if it is not a strict JSON object or breaks the depth rule
         */
        public Builder metadataJson(@Nullable String json) {
            this.metadataJson = MetadataCodec.canonical(json);
            return this;
        }

        /**
         * Sets the idempotency key: a retry with the same eventId and payload records nothing new
         * and returns the original result.
         *
         * @param eventId 1 to 128 printable characters
         * @return this builder
         */
        public Builder eventId(String eventId) {
            this.eventId = Checks.requireId("eventId", eventId);
            return this;
        }

        /**
         * Sets when the use happened, for late events; it must lie within the library's window
         * (by default 35 days back to 5 minutes ahead of its clock). Kept to the microsecond.
         *
         * @param occurredAt the instant of the use
         * @return this builder
         */
        public Builder occurredAt(Instant occurredAt) {
            if (occurredAt == null) {
                throw new InvalidInputException("occurredAt", "occurredAt is missing; allowed: an instant within the"
                        + " library's window, or leave it unset for now");
            }
            this.occurredAt = occurredAt;
            return this;
        }

        /**
         * Builds the request.
         *
         * @return the request
         * @throws InvalidInputException if the usage type is missing
         */
        public UsageRequest build() {
            return new UsageRequest(userId, modelId, tokensConsumed, usageType, Optional.ofNullable(metadataJson),
                    Optional.ofNullable(eventId), Optional.ofNullable(occurredAt));
        }
    }
}
