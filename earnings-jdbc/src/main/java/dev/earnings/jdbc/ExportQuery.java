package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.internal.Checks;
import java.time.Instant;
import java.util.Optional;

/**
 * What an export covers: one creator's rows or the whole platform's, over a half-open period
 * {@code [from, to)}. Immutable; start from {@link #creator} or {@link #platform}.
 *
 * <p>The period is required: an export reads every row of it, so a host names how much it wants
 * rather than getting the whole history by default. Which time of a row counts is said by each
 * export of {@link Exports}. Rows are stored to the microsecond; a bound with a finer fraction
 * is taken at the next whole microsecond, so a row falls in exactly one of two adjacent periods.
 *
 * <pre>{@code
 * ExportQuery march = ExportQuery.creator("creator-ada",
 *         Instant.parse("2026-03-01T00:00:00Z"), Instant.parse("2026-04-01T00:00:00Z"));
 * }</pre>
 *
 * @param creatorId only this creator's rows, or empty for the whole platform (admins only)
 * @param from the first instant of the period
 * @param to the instant after the period
 */
public record ExportQuery(Optional<String> creatorId, Instant from, Instant to) {
    /**
     * Checks every part.
     *
     * @param creatorId the creator, or empty for the platform
     * @param from the first instant
     * @param to the instant after the last
     * @throws InvalidInputException if a part is missing, the creator id is not an id, or
     *     {@code to} is not after {@code from}
     */
    public ExportQuery {
        if (creatorId == null) {
            throw new InvalidInputException("creatorId", "creatorId is null; allowed: Optional.empty() for the whole"
                    + " platform, or a creator's id");
        }
        creatorId.ifPresent(id -> Checks.requireId("creatorId", id));
        if (from == null || to == null) {
            throw new InvalidInputException(from == null ? "from" : "to", (from == null ? "from" : "to")
                    + " is missing; allowed: an instant, the period being [from, to)");
        }
        if (!to.isAfter(from)) {
            throw new InvalidInputException("to", "to is " + to + ", not after from " + from
                    + "; allowed: a period with from before to");
        }
    }

    /**
     * One creator's rows: what the creator themself, or an admin, may export.
     *
     * @param creatorId the creator
     * @param from the first instant of the period
     * @param to the instant after the period
     * @return the query
     * @throws InvalidInputException if a part is not allowed
     */
    public static ExportQuery creator(String creatorId, Instant from, Instant to) {
        if (creatorId == null) {
            throw new InvalidInputException("creatorId", "creatorId is missing; allowed: a creator's id");
        }
        return new ExportQuery(Optional.of(creatorId), from, to);
    }

    /**
     * Every creator's rows: for admins only.
     *
     * @param from the first instant of the period
     * @param to the instant after the period
     * @return the query
     * @throws InvalidInputException if a part is not allowed
     */
    public static ExportQuery platform(Instant from, Instant to) {
        return new ExportQuery(Optional.empty(), from, to);
    }
}
