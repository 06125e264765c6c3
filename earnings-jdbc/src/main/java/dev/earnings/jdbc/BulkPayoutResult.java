package dev.earnings.jdbc;

import java.util.List;
import java.util.Optional;

/**
 * What a bulk payout did, or would do in a dry run, creator by creator.
 *
 * @param batchReference the batch's reference; each creator's payout is referenced
 *     {@code batchReference + ":" + creatorId}, so running the batch again creates nothing twice
 * @param thresholdMinor the least available balance that was paid out: the batch's threshold, or
 *     the deployment's minimum payout when that is higher
 * @param dryRun whether nothing was written
 * @param items one per creator with an available balance of at least one minor unit
 */
public record BulkPayoutResult(String batchReference, long thresholdMinor, boolean dryRun, List<Item> items) {

    /**
     * Copies the list.
     *
     * @param batchReference the batch reference
     * @param thresholdMinor the threshold
     * @param dryRun whether it was a dry run
     * @param items the items
     */
    public BulkPayoutResult {
        items = List.copyOf(items);
    }

    /** What happened for one creator. */
    public enum Outcome {
        /** A payout of the whole available balance was created. */
        CREATED,
        /** Dry run: a payout of this amount would be created. */
        WOULD_CREATE,
        /** This batch had already paid this creator; the existing payout is returned. */
        ALREADY_CREATED,
        /** The available balance is under the threshold. */
        BELOW_THRESHOLD,
        /** Creating the payout failed; see the error. */
        FAILED
    }

    /**
     * One creator's line.
     *
     * @param creatorId the creator
     * @param availableMinor the available balance before the batch, in minor units
     * @param outcome what happened
     * @param payout the payout created or found
     * @param error why it failed, for {@link Outcome#FAILED}
     */
    public record Item(String creatorId, long availableMinor, Outcome outcome, Optional<Payout> payout,
            Optional<String> error) {
    }
}
