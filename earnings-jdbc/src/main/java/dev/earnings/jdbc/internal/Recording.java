package dev.earnings.jdbc.internal;

import dev.earnings.core.EarningsException;
import dev.earnings.jdbc.BatchResult;
import dev.earnings.jdbc.StorageException;
import dev.earnings.jdbc.UsageRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/**
 * Runs the one write path in transactions, for every way of recording: a batch (one transaction,
 * all or nothing) and groups of independent calls (the synchronous group commit and the
 * asynchronous recorder), where one call's failure must not fail the others.
 *
 * <p>Every write passes the {@link RateLimiter} first, outside its transaction: a refused use is
 * not written (only answered, when its eventId turns out to be recorded already), and a use that
 * took tokens and was not recorded by this write gives them back afterwards.
 *
 * <p>Each write gets a token fixed before its first attempt, and the transaction runner retries
 * it as a whole, so a write whose commit was lost in transit finds its own rows and reports them
 * as written by itself. Recording is a trusted call of the host's backend, so its transactions run
 * in the {@link Scope#SERVICE service} scope.
 */
public final class Recording {
    private final Transactor tx;
    private final UsageWriter writer;
    private final RateLimiter limiter;
    private final UsageLog usageLog;

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
     * @param limiter the rate limits every write passes first ({@link RateLimiter#off()} for none)
     */
    public Recording(Transactor tx, UsageWriter writer, RateLimiter limiter, UsageLog usageLog) {
        this.usageLog = usageLog;
        this.tx = tx;
        this.writer = writer;
        this.limiter = limiter;
    }

    /**
     * Where the library's figures are reported.
     *
     * @return the metrics
     */
    public Metrics metrics() {
        return tx.metrics();
    }

    /**
     * Makes a use ready to write, once, before its first attempt.
     *
     * @param request the use, or {@code null}
     * @return the pending use
     */
    public UsageWriter.Pending pending(@Nullable UsageRequest request) {
        return writer.pending(request);
    }

    /**
     * Writes a batch in one transaction: every use that passes validation, or none.
     *
     * @param uses the uses, with their eventIds fixed: at most {@link UsageWriter#MAX_USES}, which
     *     the public calls check, each with the message its own parameter needs
     * @return one item per use, in order
     * @throws StorageException carrying every use's eventId, if the database fails after the retries
     */
    public BatchResult batch(List<UsageWriter.Pending> uses) {
        long token = WriteTokens.next();
        Map<Integer, EarningsException> refused = new HashMap<>();
        RateLimiter.Admission admission;
        try {
            admission = admit(uses, refused);
        } catch (StorageException e) {
            throw e.withEventIds(eventIds(uses));
        }
        List<BatchResult.Item> items;
        try {
            items = write(uses, token, refused, true);
        } catch (StorageException e) {
            // A transient failure may follow a commit that was lost in transit: the uses may be
            // recorded, and a retry will find them as replays, which spend nothing. So their
            // tokens stay spent (strict, never loose); only a failure before any commit gives
            // them back.
            boolean mayHaveCommitted = e.isTransient();
            limiter.settle(admission, i -> mayHaveCommitted);
            throw e.withEventIds(eventIds(uses));
        }
        limiter.settle(admission, i -> recordedBy(items.get(i)));
        tx.metrics().outcomes(items);
        return new BatchResult(items);
    }

    /**
     * Asks the rate limits for the uses that break no rule, and puts every use refused before
     * the write, by a rule or by a limit, into {@code refused}.
     */
    private RateLimiter.Admission admit(List<UsageWriter.Pending> uses, Map<Integer, EarningsException> refused) {
        // Checked before the limits, so that a use that will be rejected takes no token.
        refused.putAll(writer.rejections(uses));
        RateLimiter.Admission admission = limiter.admit(uses, refused.keySet());
        refused.putAll(admission.refused());
        return admission;
    }

    /**
     * Writes uses in one transaction, unless every one was refused before the write and none can
     * be recorded already (only a host-given eventId can): then their refusals are the answer,
     * and the database is not asked.
     */
    private List<BatchResult.Item> write(List<UsageWriter.Pending> uses, long token, Map<Integer, EarningsException> refused,
            boolean batch) {
        if (IntStream.range(0, uses.size()).allMatch(i -> refused.containsKey(i) && uses.get(i).assigned())) {
            List<BatchResult.Item> items = new ArrayList<>(uses.size());
            for (int i = 0; i < uses.size(); i++) {
                items.add(BatchResult.Item.failed(i, refused.get(i)));
            }
            return items;
        }
        List<java.time.Instant> given = new ArrayList<>();
        for (int i = 0; i < uses.size(); i++) {
            UsageWriter.Pending p = uses.get(i);
            if (!refused.containsKey(i) && p.request() != null) {
                p.request().occurredAt().ifPresent(given::add);
            }
        }
        usageLog.cover(given);
        String what = batch ? "recording a batch of " + uses.size() + " uses" : what(uses);
        return tx.inTransaction(what, Scope.SERVICE, (h, attempt) -> writer.write(h, uses, token, attempt, refused));
    }

    /** Whether an item is a use this call recorded: not a replay, not a rejection. */
    private static boolean recordedBy(BatchResult.@Nullable Item item) {
        return item != null && item.use().isPresent() && !item.use().get().replayed();
    }

    private static List<String> eventIds(List<UsageWriter.Pending> uses) {
        List<String> eventIds = new ArrayList<>(uses.size());
        uses.forEach(p -> eventIds.add(p.eventId()));
        return eventIds;
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
        Map<Integer, EarningsException> refused = new HashMap<>();
        RateLimiter.Admission admission;
        try {
            admission = admit(uses, refused);
        } catch (StorageException e) {
            List<Outcome> outcomes = new ArrayList<>(uses.size());
            uses.forEach(p -> outcomes.add(new Outcome(null, e.withEventId(p.eventId()))));
            return outcomes;
        }
        List<Outcome> outcomes = group(uses, refused);
        List<BatchResult.Item> items = new ArrayList<>(outcomes.size());
        outcomes.forEach(o -> {
            if (o.item() != null) {
                items.add(o.item());
            }
        });
        tx.metrics().outcomes(items);
        // As for a batch: a use whose outcome is unknown (a transient failure) keeps its token.
        limiter.settle(admission, i -> recordedBy(outcomes.get(i).item())
                || outcomes.get(i).failure() != null && outcomes.get(i).failure().isTransient());
        return outcomes;
    }

    private List<Outcome> group(List<UsageWriter.Pending> uses, Map<Integer, EarningsException> refused) {
        List<Outcome> outcomes = new ArrayList<>(uses.size());
        long token = WriteTokens.next();
        try {
            for (BatchResult.Item item : write(uses, token, refused, false)) {
                outcomes.add(new Outcome(item, null));
            }
        } catch (StorageException e) {
            if (!e.isTransient() && uses.size() > 1) {
                for (int i = 0; i < uses.size(); i++) {
                    EarningsException refusal = refused.get(i);
                    outcomes.addAll(group(List.of(uses.get(i)), refusal == null ? Map.of() : Map.of(0, refusal)));
                }
            } else {
                for (UsageWriter.Pending p : uses) {
                    outcomes.add(new Outcome(null, e.withEventId(p.eventId())));
                }
            }
        }
        return outcomes;
    }

    /** What a group's transaction does, for its messages; a use that reaches one is never missing. */
    private static String what(List<UsageWriter.Pending> uses) {
        if (uses.size() == 1) {
            UsageWriter.Pending p = uses.get(0);
            return "recording a use of model '" + p.request().modelId() + "' (eventId '" + p.eventId() + "')";
        }
        return "recording a group of " + uses.size() + " uses";
    }
}
