package dev.earnings.jdbc;

import dev.earnings.core.EarningsException;
import java.util.Optional;

/**
 * The outcome of one reversal of a batch: the reversal, or what refused it.
 *
 * @param index the request's position in the batch
 * @param correctionId the request's correction id, or empty when the request was missing
 * @param reversal the reversal, when it was made or found
 * @param error what refused it
 */
public record ReversalResult(int index, Optional<String> correctionId, Optional<Reversal> reversal,
        Optional<EarningsException> error) {

    /**
     * Whether the reversal was made or found.
     *
     * @return {@code true} on success
     */
    public boolean succeeded() {
        return reversal.isPresent();
    }
}
