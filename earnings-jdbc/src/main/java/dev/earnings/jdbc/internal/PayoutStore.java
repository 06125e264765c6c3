package dev.earnings.jdbc.internal;

import dev.earnings.core.EarningsException;
import dev.earnings.core.InvalidInputException;
import dev.earnings.core.Money;
import dev.earnings.core.internal.Checks;
import dev.earnings.jdbc.Balance;
import dev.earnings.jdbc.BulkPayoutResult;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.InsufficientFundsException;
import dev.earnings.jdbc.IllegalPayoutTransitionException;
import dev.earnings.jdbc.Payout;
import dev.earnings.jdbc.PayoutReferenceConflictException;
import dev.earnings.jdbc.PayoutEvent;
import dev.earnings.jdbc.PayoutResult;
import dev.earnings.jdbc.PayoutStatus;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * Payouts: reserving, completing, failing and cancelling, one at a time and in bulk.
 *
 * <p>Creating a payout locks the creator's row first, so the balance check and the reservation
 * are one step for every payout of that creator. A transition is one conditional update
 * ({@code ... WHERE status = 'PENDING'}), so of two racing transitions exactly one changes the row.
 */
public final class PayoutStore {
    /** The columns of a payout, for every query that returns payouts. */
    static final String COLUMNS = "SELECT id, creator_id, reference, amount_minor, status, note, created_at, created_by,"
            + " updated_at, updated_by, status_reason FROM {t}earnings_transactions";
    private static final int MAX_TEXT = 2000;
    private static final int MAX_BATCH_REFERENCE = 64;

    private final Transactor tx;
    private final Tables t;
    private final Access access;
    private final Reports reports;
    private final Clock clock;
    private final Currency currency;

    /**
     * Creates the payout operations.
     *
     * @param tx the transaction runner
     * @param tables the schema's tables
     * @param reports for balances
     * @param clock the clock for transition times
     * @param currency the deployment's currency
     */
    public PayoutStore(Transactor tx, Tables tables, Reports reports, Clock clock, Currency currency) {
        this.tx = tx;
        this.t = tables;
        this.access = new Access(tables);
        this.reports = reports;
        this.clock = clock;
        this.currency = currency;
    }

    static RowMapper<Payout> mapper(Currency currency) {
        return (rs, ctx) -> new Payout(rs.getLong("id"), rs.getString("creator_id"), rs.getString("reference"),
                rs.getLong("amount_minor"), Money.ofMinor(currency, rs.getLong("amount_minor")),
                PayoutStatus.valueOf(rs.getString("status")), Optional.ofNullable(rs.getString("note")),
                Tables.instant(rs, "created_at"), rs.getString("created_by"), Tables.instant(rs, "updated_at"),
                rs.getString("updated_by"), Optional.ofNullable(rs.getString("status_reason")));
    }

    /**
     * Reserves a payout as {@code PENDING}, or returns the one already created with this reference.
     *
     * @param caller an admin
     * @param creatorId the creator
     * @param amountMinor the amount in minor units, 1 or more
     * @param reference the replay-safe reference
     * @param note an optional note
     * @return the payout
     */
    public Payout create(Caller caller, String creatorId, long amountMinor, String reference, String note) {
        access.requireAdmin(caller);
        Checks.requireId("creatorId", creatorId);
        Checks.requireId("reference", reference);
        requireAmount(amountMinor);
        requireText("note", note);
        return tx.inTransaction("creating payout '" + reference + "' for creator '" + creatorId + "'",
                h -> create(h, caller, creatorId, amountMinor, reference, note, false).payout);
    }

    private Created create(Handle h, Caller caller, String creatorId, long amountMinor, String reference, String note,
            boolean anyAmountReplays) {
        int locked = h.createUpdate(t.sql("UPDATE {t}earnings_creators SET creator_id = creator_id WHERE creator_id = ?"))
                .bind(0, creatorId).execute();
        if (locked == 0) {
            throw new InvalidInputException("creatorId", "creatorId '" + creatorId
                    + "' is not a known creator; allowed: a creator with at least one registered model");
        }
        Optional<Payout> existing = h.createQuery(t.sql(COLUMNS + " WHERE creator_id = ? AND reference = ?"))
                .bind(0, creatorId).bind(1, reference).map(mapper(currency)).findOne();
        if (existing.isPresent()) {
            if (!anyAmountReplays && existing.get().amountMinor() != amountMinor) {
                throw new PayoutReferenceConflictException(reference, existing.get(), amountMinor);
            }
            return new Created(existing.get(), true);
        }
        long available = reports.balance(h, creatorId).availableMinor();
        if (amountMinor > available) {
            throw new InsufficientFundsException(creatorId, amountMinor, available);
        }
        Instant now = now();
        Money amount = Money.ofMinor(currency, amountMinor);
        long id = h.createUpdate(t.sql("INSERT INTO {t}earnings_transactions (creator_id, reference, amount_minor, amount,"
                + " currency, status, note, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, 'PENDING',"
                + " ?, ?, ?, ?, ?)")).bind(0, creatorId).bind(1, reference).bind(2, amountMinor).bind(3, amount.amount())
                .bind(4, currency.getCurrencyCode()).bind(5, note).bind(6, Tables.utc(now)).bind(7, caller.id())
                .bind(8, Tables.utc(now)).bind(9, caller.id())
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
        recordEvent(h, id, null, PayoutStatus.PENDING, caller, now, note);
        return new Created(new Payout(id, creatorId, reference, amountMinor, amount, PayoutStatus.PENDING,
                Optional.ofNullable(note), now, caller.id(), now, caller.id(), Optional.empty()), false);
    }

    /**
     * Moves a pending payout to a final status.
     *
     * @param caller an admin
     * @param payoutId the payout
     * @param to {@code COMPLETED}, {@code FAILED} or {@code CANCELLED}
     * @param reason why; required for {@code FAILED}
     * @return the payout as it now stands
     */
    public Payout transition(Caller caller, long payoutId, PayoutStatus to, String reason) {
        access.requireAdmin(caller);
        if (to == null || to == PayoutStatus.PENDING) {
            throw new InvalidInputException("status", "status is " + to + "; allowed: COMPLETED, FAILED or CANCELLED");
        }
        if (to == PayoutStatus.FAILED && (reason == null || reason.isBlank())) {
            throw new InvalidInputException("reason", "reason is missing; allowed: a reason for a failed payout, 1 to "
                    + MAX_TEXT + " characters");
        }
        requireText("reason", reason);
        return tx.inTransaction("moving payout " + payoutId + " to " + to, h -> transition(h, caller, payoutId, to, reason));
    }

    private Payout transition(Handle h, Caller caller, long payoutId, PayoutStatus to, String reason) {
        Instant now = now();
        int moved = h.createUpdate(t.sql("UPDATE {t}earnings_transactions SET status = ?, updated_at = ?, updated_by = ?,"
                + " status_reason = ? WHERE id = ? AND status = 'PENDING'")).bind(0, to.name()).bind(1, Tables.utc(now))
                .bind(2, caller.id()).bind(3, reason).bind(4, payoutId).execute();
        Payout payout = find(h, payoutId).orElseThrow(() -> new InvalidInputException("payoutId", "payoutId "
                + payoutId + " is not a payout; allowed: the id of an existing payout"));
        if (moved == 0) {
            throw new IllegalPayoutTransitionException(payoutId, payout.status(), to);
        }
        recordEvent(h, payoutId, PayoutStatus.PENDING, to, caller, now, reason);
        return payout;
    }

    /**
     * Moves many payouts, each in its own transaction, and reports each outcome.
     *
     * @param caller an admin
     * @param payoutIds the payouts
     * @param to the final status
     * @param reason why
     * @return one result per id, in order
     */
    public List<PayoutResult> transitionAll(Caller caller, List<Long> payoutIds, PayoutStatus to, String reason) {
        access.requireAdmin(caller);
        if (payoutIds == null || payoutIds.size() > 10_000) {
            throw new InvalidInputException("payoutIds", "payoutIds is " + (payoutIds == null ? "missing" : payoutIds.size()
                    + " ids") + "; allowed: a list of up to 10000 ids");
        }
        List<PayoutResult> results = new ArrayList<>();
        for (Long id : payoutIds) {
            if (id == null) {
                results.add(new PayoutResult(0, Optional.empty(), Optional.of("payoutId is missing")));
                continue;
            }
            try {
                results.add(new PayoutResult(id, Optional.of(transition(caller, id, to, reason)), Optional.empty()));
            } catch (EarningsException e) {
                results.add(new PayoutResult(id, Optional.empty(), Optional.of(e.getMessage())));
            }
        }
        return results;
    }

    /**
     * Pays out every creator whose available balance is at least the threshold.
     *
     * @param caller an admin
     * @param thresholdMinor the least balance to pay out, 1 or more
     * @param batchReference the batch's reference
     * @param dryRun whether to only report
     * @return one line per creator with a balance
     */
    public BulkPayoutResult payoutAll(Caller caller, long thresholdMinor, String batchReference, boolean dryRun) {
        access.requireAdmin(caller);
        requireAmount(thresholdMinor);
        Checks.requireId("batchReference", batchReference);
        if (batchReference.codePointCount(0, batchReference.length()) > MAX_BATCH_REFERENCE) {
            throw new InvalidInputException("batchReference", "batchReference is longer than " + MAX_BATCH_REFERENCE
                    + " characters; allowed: 1 to " + MAX_BATCH_REFERENCE + " characters");
        }
        List<String> creators = tx.read("listing creators", h -> h.createQuery(t.sql(
                "SELECT creator_id FROM {t}earnings_creators ORDER BY creator_id")).mapTo(String.class).list());
        List<BulkPayoutResult.Item> items = new ArrayList<>();
        for (String creatorId : creators) {
            String reference = batchReference + ":" + creatorId;
            try {
                BulkPayoutResult.Item item = tx.inTransaction("paying out creator '" + creatorId + "'", h -> {
                    // The creator's lock first, so the balance read here is the one the payout takes.
                    h.createUpdate(t.sql("UPDATE {t}earnings_creators SET creator_id = creator_id WHERE creator_id = ?"))
                            .bind(0, creatorId).execute();
                    Optional<Payout> done = h.createQuery(t.sql(COLUMNS + " WHERE creator_id = ? AND reference = ?"))
                            .bind(0, creatorId).bind(1, reference).map(mapper(currency)).findOne();
                    Balance balance = reports.balance(h, creatorId);
                    long available = balance.availableMinor();
                    if (done.isPresent()) {
                        return new BulkPayoutResult.Item(creatorId, available, BulkPayoutResult.Outcome.ALREADY_CREATED,
                                done, Optional.empty());
                    }
                    if (available < thresholdMinor) {
                        return new BulkPayoutResult.Item(creatorId, available, BulkPayoutResult.Outcome.BELOW_THRESHOLD,
                                Optional.empty(), Optional.empty());
                    }
                    if (dryRun) {
                        return new BulkPayoutResult.Item(creatorId, available, BulkPayoutResult.Outcome.WOULD_CREATE,
                                Optional.empty(), Optional.empty());
                    }
                    Created created = create(h, caller, creatorId, available, reference, "bulk payout " + batchReference, true);
                    return new BulkPayoutResult.Item(creatorId, available, created.replayed
                            ? BulkPayoutResult.Outcome.ALREADY_CREATED : BulkPayoutResult.Outcome.CREATED,
                            Optional.of(created.payout), Optional.empty());
                });
                if (item.availableMinor() > 0 || item.payout().isPresent()) {
                    items.add(item);
                }
            } catch (EarningsException e) {
                items.add(new BulkPayoutResult.Item(creatorId, 0, BulkPayoutResult.Outcome.FAILED, Optional.empty(),
                        Optional.of(e.getMessage())));
            }
        }
        return new BulkPayoutResult(batchReference, thresholdMinor, dryRun, items);
    }

    /**
     * Looks a payout up.
     *
     * @param caller an admin, or the payout's creator
     * @param payoutId the payout
     * @return the payout, or empty
     */
    public Optional<Payout> find(Caller caller, long payoutId) {
        return tx.read("reading payout " + payoutId, h -> {
            access.requireKnown(h, caller);
            Optional<Payout> payout = find(h, payoutId);
            if (caller instanceof Caller.Creator && payout.isPresent() && !payout.get().creatorId().equals(caller.id())) {
                return Optional.empty();
            }
            return payout;
        });
    }

    /**
     * A payout's history: every status it had, who set it, when and why.
     *
     * @param caller an admin
     * @param payoutId the payout
     * @return the changes, oldest first
     */
    public List<PayoutEvent> history(Caller caller, long payoutId) {
        access.requireAdmin(caller);
        return tx.read("reading the history of payout " + payoutId, h -> h.createQuery(t.sql(
                "SELECT from_status, to_status, actor, occurred_at, reason FROM {t}earnings_transaction_events"
                + " WHERE transaction_id = ? ORDER BY id")).bind(0, payoutId)
                .map((rs, ctx) -> new PayoutEvent(Optional.ofNullable(rs.getString("from_status")).map(PayoutStatus::valueOf),
                        PayoutStatus.valueOf(rs.getString("to_status")), rs.getString("actor"),
                        Tables.instant(rs, "occurred_at"), Optional.ofNullable(rs.getString("reason"))))
                .list());
    }

    private Optional<Payout> find(Handle h, long payoutId) {
        return h.createQuery(t.sql(COLUMNS + " WHERE id = ?")).bind(0, payoutId).map(mapper(currency)).findOne();
    }

    private void recordEvent(Handle h, long payoutId, PayoutStatus from, PayoutStatus to, Caller caller, Instant at,
            String reason) {
        h.createUpdate(t.sql("INSERT INTO {t}earnings_transaction_events (transaction_id, from_status, to_status, actor,"
                + " occurred_at, reason) VALUES (?, ?, ?, ?, ?, ?)")).bind(0, payoutId)
                .bind(1, from == null ? null : from.name()).bind(2, to.name()).bind(3, caller.id())
                .bind(4, Tables.utc(at)).bind(5, reason).execute();
    }

    private static void requireAmount(long amountMinor) {
        if (amountMinor < 1) {
            throw new InvalidInputException("amountMinor", "amountMinor is " + amountMinor
                    + "; allowed: a whole number of minor units, 1 or more");
        }
    }

    private static void requireText(String field, String text) {
        if (text != null && text.codePointCount(0, text.length()) > MAX_TEXT) {
            throw new InvalidInputException(field, field + " is longer than " + MAX_TEXT + " characters; allowed: at most "
                    + MAX_TEXT);
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static final class Created {
        final Payout payout;
        final boolean replayed;

        Created(Payout payout, boolean replayed) {
            this.payout = payout;
            this.replayed = replayed;
        }
    }
}
