package dev.earnings.jdbc;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Something a creator could do now, with why: see {@link Insights#recommendations} for each
 * kind's rule.
 *
 * @param kind which rule made it
 * @param modelId the model it is about, when it is about one
 * @param reason one sentence with the figures, for a person
 * @param figures the figures of the reason by name, as plain decimal or ISO-8601 strings, in a
 *     fixed order; unmodifiable
 */
public record Recommendation(Kind kind, Optional<String> modelId, String reason, Map<String, String> figures) {

    /** The rules that recommend; more are added over time. */
    public enum Kind {
        /** A model is close to its next usage tier, by count or by pace. */
        NEXT_TIER_CLOSE,
        /** A model with monetization off is being used. */
        MONETIZATION_OFF,
        /** One usage type earns clearly more per use than the creator's others. */
        USAGE_TYPE_EARNS_MOST
    }

    /**
     * Checks the parts and keeps an unmodifiable copy of the figures, in their order.
     *
     * @param kind which rule made it
     * @param modelId the model it is about, when it is about one
     * @param reason one sentence with the figures
     * @param figures the figures by name
     */
    public Recommendation {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(reason, "reason");
        figures = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(figures, "figures")));
    }
}
