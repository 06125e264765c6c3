package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.internal.Checks;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which uses a report counts: those of a set of models and of a set of usage types. An empty set
 * does not filter; a report with both sets counts the uses that match both.
 *
 * <p>Usage types are named as uses name them ({@code chat}, {@code image_generation}, or a type
 * the deployment configured); a name the deployment does not know is refused when the report
 * runs, not read as "nothing", so a typo cannot pass for a quiet period. Lifetime figures (a
 * model's lifetime earnings and tier) are the models' whole history and are never filtered by
 * usage type.
 *
 * @param modelIds the models, or empty for all of the report's models
 * @param usageTypes the usage types, or empty for all
 */
public record ReportFilter(Set<String> modelIds, Set<String> usageTypes) {
    /** The most models or usage types one filter may name. */
    public static final int MAX_ENTRIES = 100;

    /** No filter: every model and usage type. */
    public static final ReportFilter NONE = new ReportFilter(Set.of(), Set.of());

    /**
     * Checks both sets and keeps sorted, immutable copies.
     *
     * @param modelIds the models
     * @param usageTypes the usage types
     * @throws InvalidInputException if a set is missing, holds a bad id or more than {@link #MAX_ENTRIES} entries
     */
    public ReportFilter {
        modelIds = checked("modelIds", modelIds, true);
        usageTypes = checked("usageTypes", usageTypes, false);
    }

    /**
     * The same filter for these models only.
     *
     * @param modelIds the models
     * @return the filter
     */
    public ReportFilter models(String... modelIds) {
        return new ReportFilter(new java.util.HashSet<>(Arrays.asList(Objects.requireNonNull(modelIds, "modelIds"))), usageTypes);
    }

    /**
     * The same filter for these usage types only.
     *
     * @param usageTypes the usage types
     * @return the filter
     */
    public ReportFilter usageTypes(String... usageTypes) {
        return new ReportFilter(modelIds, new java.util.HashSet<>(Arrays.asList(Objects.requireNonNull(usageTypes, "usageTypes"))));
    }

    /**
     * Whether the filter counts every use.
     *
     * @return true when both sets are empty
     */
    public boolean isEmpty() {
        return modelIds.isEmpty() && usageTypes.isEmpty();
    }

    private static Set<String> checked(String field, Collection<String> values, boolean ids) {
        if (values == null) {
            throw new InvalidInputException(field, field + " is missing; allowed: a set, empty for no filter");
        }
        if (values.size() > MAX_ENTRIES) {
            throw new InvalidInputException(field, field + " has " + values.size() + " entries; allowed: at most "
                    + MAX_ENTRIES);
        }
        TreeSet<String> sorted = new TreeSet<>();
        for (String value : values) {
            if (ids) {
                Checks.requireId(field, value);
            } else if (value == null || value.isBlank() || value.length() > 64) {
                throw new InvalidInputException(field, field + " holds " + (value == null ? "null" : "'" + value + "'")
                        + "; allowed: usage type names of 1 to 64 characters");
            }
            sorted.add(value);
        }
        return Collections.unmodifiableSet(sorted);
    }
}
