package dev.earnings.core;

import dev.earnings.core.internal.Checks;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * The configured usage types and their multipliers.
 *
 * <p>The {@linkplain #defaults() defaults} are {@code image_generation} 1.0, {@code chat} 0.8 and
 * {@code other} 0.6. Names are matched exactly (they are lower case by rule). An unknown name is
 * rejected with {@link UnknownUsageTypeException} unless the host opts into
 * {@linkplain Builder#mapUnknownToOther(boolean) mapping unknown names to other}; rejecting is the
 * default because a typo rated at another multiplier would silently pay the wrong amount.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class UsageTypes {
    /** The largest multiplier a type may have; keeps every single use's earnings storable exactly. */
    public static final BigDecimal MAX_MULTIPLIER = new BigDecimal("100");

    /** Names are lower-case identifiers of 1 to 64 characters, so they are safe in URLs, logs and CSV. */
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");

    /** The default plausibility cap of {@code image_generation}: 100,000 tokens in one use. */
    public static final long DEFAULT_IMAGE_GENERATION_TOKEN_CAP = 100_000L;

    /** The default plausibility cap of {@code chat}: 2,000,000 tokens in one use. */
    public static final long DEFAULT_CHAT_TOKEN_CAP = 2_000_000L;

    /** The default plausibility cap of {@code other}: 1,000,000 tokens in one use. */
    public static final long DEFAULT_OTHER_TOKEN_CAP = 1_000_000L;

    private static final UsageTypes DEFAULTS = builder()
            .type(UsageType.IMAGE_GENERATION, "1.0")
            .type(UsageType.CHAT, "0.8")
            .type(UsageType.OTHER, "0.6")
            .tokenCap(UsageType.IMAGE_GENERATION, DEFAULT_IMAGE_GENERATION_TOKEN_CAP)
            .tokenCap(UsageType.CHAT, DEFAULT_CHAT_TOKEN_CAP)
            .tokenCap(UsageType.OTHER, DEFAULT_OTHER_TOKEN_CAP)
            .build();

    private final Map<String, UsageType> types;
    private final Map<String, Long> tokenCaps;
    private final List<String> names;
    private final boolean mapUnknownToOther;

    private UsageTypes(Map<String, UsageType> types, Map<String, Long> tokenCaps, boolean mapUnknownToOther) {
        this.types = Map.copyOf(types);
        this.tokenCaps = Map.copyOf(tokenCaps);
        this.names = List.copyOf(types.keySet());
        this.mapUnknownToOther = mapUnknownToOther;
    }

    /**
     * The contract's defaults: {@code image_generation} 1.0, {@code chat} 0.8, {@code other} 0.6;
     * unknown names rejected; plausibility caps of 100,000 tokens per image generation, 2,000,000
     * per chat (above the largest context windows offered today) and 1,000,000 per other use.
     *
     * @return the default types
     */
    public static UsageTypes defaults() {
        return DEFAULTS;
    }

    /**
     * Starts an empty set of types.
     *
     * @return a builder with no types
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts from these types, to add or change some.
     *
     * @return a builder holding these types and this unknown-name policy
     */
    public Builder toBuilder() {
        Builder builder = new Builder();
        for (String name : names) {
            builder.type(name, types.get(name).multiplier());
        }
        tokenCaps.forEach(builder::tokenCap);
        return builder.mapUnknownToOther(mapUnknownToOther);
    }

    /**
     * Resolves a name passed with a use.
     *
     * @param name the usage type name
     * @return the configured type; {@code other} for an unknown name when mapping is on
     * @throws InvalidInputException if the name is missing
     * @throws UnknownUsageTypeException if the name is unknown and mapping is off
     */
    public UsageType resolve(String name) {
        if (name == null) {
            throw new InvalidInputException("usageType", "usageType is required; allowed: " + String.join(", ", names));
        }
        UsageType type = types.get(name);
        if (type != null) {
            return type;
        }
        if (mapUnknownToOther) {
            return types.get(UsageType.OTHER);
        }
        throw new UnknownUsageTypeException(name, names);
    }

    /**
     * The plausibility cap of a type: the most tokens one use of it may report. A use above it is
     * rejected, because a count no real use of the type reaches is a bug or an abuse in the host,
     * and paying it would move real money.
     *
     * @param name a configured type's name
     * @return its cap, or empty when the type has none (the calculator's maximum still applies)
     */
    public OptionalLong tokenCap(String name) {
        Long cap = tokenCaps.get(name);
        return cap == null ? OptionalLong.empty() : OptionalLong.of(cap);
    }

    /**
     * The configured names, in the order they were added.
     *
     * @return an unmodifiable list
     */
    public List<String> names() {
        return names;
    }

    /**
     * Whether unknown names are rated as {@code other} instead of rejected.
     *
     * @return {@code true} when mapping is on
     */
    public boolean mapsUnknownToOther() {
        return mapUnknownToOther;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UsageTypes && types.equals(((UsageTypes) o).types)
                && tokenCaps.equals(((UsageTypes) o).tokenCaps)
                && mapUnknownToOther == ((UsageTypes) o).mapUnknownToOther;
    }

    @Override
    public int hashCode() {
        return Objects.hash(types, tokenCaps, mapUnknownToOther);
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (String name : names) {
            Long cap = tokenCaps.get(name);
            parts.add(name + "=" + types.get(name).multiplier().toPlainString() + (cap == null ? "" : " (at most " + cap + " tokens)"));
        }
        return "UsageTypes" + parts + (mapUnknownToOther ? " (unknown -> other)" : "");
    }

    /** Builds a set of usage types, validating each as it is added. Not thread-safe. */
    public static final class Builder {
        private final Map<String, UsageType> types = new LinkedHashMap<>();
        private final Map<String, Long> tokenCaps = new LinkedHashMap<>();
        private boolean mapUnknownToOther;

        private Builder() {}

        /**
         * Adds a type, or changes the multiplier of one already added.
         *
         * @param name a lower-case name: a letter, then letters, digits or underscores, 64 at most
         * @param multiplier a decimal literal, positive, at most {@link #MAX_MULTIPLIER}
         * @return this builder
         * @throws InvalidConfigurationException if the name or multiplier is not allowed
         */
        public Builder type(String name, String multiplier) {
            return type(name, Checks.parseDecimal("usageTypes." + name, multiplier));
        }

        /**
         * Adds a type, or changes the multiplier of one already added.
         *
         * @param name a lower-case name: a letter, then letters, digits or underscores, 64 at most
         * @param multiplier positive, at most {@link #MAX_MULTIPLIER}, at most 12 decimal places
         * @return this builder
         * @throws InvalidConfigurationException if the name or multiplier is not allowed
         */
        public Builder type(String name, BigDecimal multiplier) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new InvalidConfigurationException("usageTypes", "usage type name '" + name
                        + "' is not allowed; allowed: a lower-case letter, then up to 63 lower-case letters, digits or underscores");
            }
            types.put(name, new UsageType(name, Checks.requireMultiplier("usageTypes." + name, multiplier, MAX_MULTIPLIER)));
            return this;
        }

        /**
         * Sets the plausibility cap of a type: the most tokens one use of it may report. The
         * calculator's {@linkplain EarningsCalculator.Builder#maxTokens(long) maximum} applies to
         * every type as well; the lower of the two wins.
         *
         * @param name a type added to this builder, before or after this call
         * @param maxTokens from 0 to {@link EarningsCalculator#MAX_TOKENS_LIMIT}
         * @return this builder
         * @throws InvalidConfigurationException if the cap is out of range
         */
        public Builder tokenCap(String name, long maxTokens) {
            if (maxTokens < 0 || maxTokens > EarningsCalculator.MAX_TOKENS_LIMIT) {
                throw new InvalidConfigurationException("usageTypes", "the token cap of usage type '" + name + "' is "
                        + maxTokens + "; allowed: 0 to " + EarningsCalculator.MAX_TOKENS_LIMIT);
            }
            tokenCaps.put(Objects.requireNonNull(name, "name"), maxTokens);
            return this;
        }

        /**
         * Removes the plausibility cap of a type, so only the calculator's maximum applies to it.
         *
         * @param name the type's name
         * @return this builder
         */
        public Builder noTokenCap(String name) {
            tokenCaps.remove(name);
            return this;
        }

        /**
         * Whether unknown names are rated as {@code other} instead of rejected. Off by default.
         *
         * @param map {@code true} to map unknown names to {@code other}
         * @return this builder
         */
        public Builder mapUnknownToOther(boolean map) {
            this.mapUnknownToOther = map;
            return this;
        }

        /**
         * Finishes the set.
         *
         * @return the immutable set of types
         * @throws InvalidConfigurationException if it is empty, or maps unknown names to an
         *     {@code other} type that is not configured
         */
        public UsageTypes build() {
            if (types.isEmpty()) {
                throw new InvalidConfigurationException("usageTypes", "at least one usage type is required");
            }
            if (mapUnknownToOther && !types.containsKey(UsageType.OTHER)) {
                throw new InvalidConfigurationException("usageTypes", "mapping unknown names to 'other' needs a usage type named 'other'");
            }
            for (String capped : tokenCaps.keySet()) {
                if (!types.containsKey(capped)) {
                    throw new InvalidConfigurationException("usageTypes", "a token cap is set for usage type '" + capped
                            + "', which is not configured; allowed: caps of configured types only");
                }
            }
            return new UsageTypes(types, tokenCaps, mapUnknownToOther);
        }
    }
}
