package dev.earnings.jdbc.internal;

import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.BatchResult;
import dev.earnings.jdbc.StorageException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the one write path in transactions, for every way of recording: a batch (one transaction,
 * all or nothing) and groups of independent calls (the synchronous group commit and the
 * asynchronous recorder), where one call's failure must not fail the others.
 *
 * <p>Each write gets a token fixed before its first attempt, and the transaction runner retries
 * it as a whole, so a write whose commit was lost in transit finds its own rows and reports them
 * as written by itself. Recording is a trusted call of the host's backend, so its transactions run
 * in the {@link Scope#SERVICE service} scope.
 */
public final class Recording {
    private final Transactor tx;
    private final UsageWriter writer;

    /**
     * What became of one use of a group: its item (the use, or what rejected it), or the storage
     * failure of its transaction, tagged with its eventId.
     *
     * @param item the item, or {@code null} on failure
     * @param failure the failure, or {@code null}
     */
    public record Outcome(BatchResult.Item item, StorageException failure) {
    }

    /**
     * Creates the recording.
     *
     * @param tx the transaction runner, the one place that retries
     * @param writer the write path
     */
    public Recording(Transactor tx, UsageWriter writer) {
        this.tx = tx;
        this.writer = writer;
    }

    /**
     * Writes a batch in one transaction: every use that passes validation, or none.
     *
     * @param uses the uses, with their eventIds fixed
     * @return one item per use, in order
     * @throws InvalidInputException if the batch is too long
     * @throws StorageException carrying every use's eventId, if the database fails after the retries
     */
    public BatchResult batch(List<UsageWriter.Pending> uses) {
        if (uses.size() > UsageWriter.MAX_USES) {
            throw new InvalidInputException("requests", "requests is " + uses.size() + " uses; allowed: a list of up to "
                    + UsageWriter.MAX_USES + " uses");
        }
        if (uses.isEmpty()) {
            return new BatchResult(List.of());
        }
        long token = WriteTokens.next();
        try {
            return new BatchResult(tx.inTransaction("recording a batch of " + uses.size() + " uses", Scope.SERVICE,
                    (h, attempt) -> writer.write(h, uses, token, attempt)));
        } catch (StorageException e) {
            List<String> eventIds = new ArrayList<>(uses.size());
            uses.forEach(p -> eventIds.add(p.eventId()));
            throw e.withEventIds(eventIds);
        }
    }

    /**
     * Writes the uses of independent calls in one transaction. If the transaction fails for good
     * and holds more than one use, each is written alone, so that only the use that causes the
     * failure fails.
     *
     * @param uses the uses, with their eventIds fixed
     * @return one outcome per use, in order
     */
    public List<Outcome> group(List<UsageWriter.Pending> uses) {
        List<Outcome> outcomes = new ArrayList<>(uses.size());
        long token = WriteTokens.next();
        try {
            for (BatchResult.Item item : tx.inTransaction(what(uses), Scope.SERVICE, (h, attempt) -> writer.write(h, uses, token, attempt))) {
                outcomes.add(new Outcome(item, null));
            }
        } catch (StorageException e) {
            if (!e.isTransient() && uses.size() > 1) {
                for (UsageWriter.Pending p : uses) {
                    outcomes.addAll(group(List.of(p)));
                }
            } else {
                for (UsageWriter.Pending p : uses) {
                    outcomes.add(new Outcome(null, e.withEventId(p.eventId())));
                }
            }
        }
        return outcomes;
    }

    private static String what(List<UsageWriter.Pending> uses) {
        if (uses.size() == 1 && uses.get(0).request() != null) {
            UsageWriter.Pending p = uses.get(0);
            return "recording a use of model '" + p.request().modelId() + "' (eventId '" + p.eventId() + "')";
        }
        return "recording a group of " + uses.size() + " uses";
    }
}
