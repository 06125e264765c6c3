package dev.earnings.jdbc;

import dev.earnings.core.EarningsException;

/**
 * A correction id was used before for a different reversal; nothing was reversed.
 *
 * <p>A correction id is accepted once, forever: the same request returns the original reversal; a
 * different one means two corrections were given one id, which only the host can resolve.
 */
public final class ReversalConflictException extends EarningsException {
    private static final long serialVersionUID = 1L;

    private final String correctionId;
    private final String field;

    /**
     * Creates the exception.
     *
     * @param correctionId the reused correction id
     * @param field the first field of the request that differs: {@code eventId} or {@code amount}
     * @param detail what was reversed and what was asked now
     */
    public ReversalConflictException(String correctionId, String field, String detail) {
        super("correctionId '" + correctionId + "' already names a reversal with a different " + field + detail
                + "; a correction id is accepted once, forever: send the same request to get the original reversal,"
                + " or use a new correction id");
        this.correctionId = correctionId;
        this.field = field;
    }

    /**
     * The reused correction id.
     *
     * @return the correction id
     */
    public String correctionId() {
        return correctionId;
    }

    /**
     * The first field of the request that differs from the reversal made under the correction id.
     *
     * @return {@code eventId} or {@code amount}
     */
    public String field() {
        return field;
    }
}
