package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.internal.Checks;

/**
 * A bulk payout: every creator whose available balance is at least a threshold gets one pending
 * payout of their whole available balance in minor units, referenced
 * {@code batchReference + ":" + creatorId}, so running the same batch again pays nobody twice.
 * Immutable; start from {@link #of(String)}.
 *
 * <pre>{@code
 * BulkPayoutRequest.of("2026-03").threshold(5_000).dryRun(true);   // who has $50.00 or more
 * }</pre>
 *
 * @param batchReference 1 to {@value #MAX_BATCH_REFERENCE} characters naming the batch
 * @param thresholdMinor the least available balance to pay out, in minor units, 1 or more
 * @param dryRun whether to only report what would be paid, writing nothing
 */
public record BulkPayoutRequest(String batchReference, long thresholdMinor, boolean dryRun) {
    /** The longest batch reference, so that every creator's reference fits. */
    public static final int MAX_BATCH_REFERENCE = 64;

    /**
     * Checks every part.
     *
     * @param batchReference the batch's name
     * @param thresholdMinor the threshold in minor units
     * @param dryRun whether to write nothing
     */
    public BulkPayoutRequest {
        Checks.requireId("batchReference", batchReference);
        if (batchReference.codePointCount(0, batchReference.length()) > MAX_BATCH_REFERENCE) {
            throw new InvalidInputException("batchReference", "batchReference is longer than " + MAX_BATCH_REFERENCE
                    + " characters; allowed: 1 to " + MAX_BATCH_REFERENCE + " characters");
        }
        if (thresholdMinor < 1) {
            throw new InvalidInputException("thresholdMinor", "thresholdMinor is " + thresholdMinor
                    + "; allowed: a whole number of minor units, 1 or more");
        }
    }

    /**
     * A batch paying everyone with at least one minor unit available.
     *
     * @param batchReference the batch's name
     * @return the request
     */
    public static BulkPayoutRequest of(String batchReference) {
        return new BulkPayoutRequest(batchReference, 1, false);
    }

    /**
     * The same batch with another threshold.
     *
     * @param thresholdMinor the least available balance to pay out, in minor units, 1 or more
     * @return the request
     */
    public BulkPayoutRequest threshold(long thresholdMinor) {
        return new BulkPayoutRequest(batchReference, thresholdMinor, dryRun);
    }

    /**
     * The same batch, as a dry run or for real.
     *
     * @param dryRun {@code true} to write nothing
     * @return the request
     */
    public BulkPayoutRequest dryRun(boolean dryRun) {
        return new BulkPayoutRequest(batchReference, thresholdMinor, dryRun);
    }
}
