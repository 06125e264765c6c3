package dev.earnings.jdbc.internal;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.Money;
import dev.earnings.jdbc.AuditAction;
import dev.earnings.jdbc.Balance;
import dev.earnings.jdbc.BulkPayoutRequest;
import dev.earnings.jdbc.BulkPayoutResult;
import dev.earnings.jdbc.EventType;
import dev.earnings.jdbc.InsufficientFundsException;
import dev.earnings.jdbc.IllegalPayoutTransitionException;
import dev.earnings.jdbc.Payout;
import dev.earnings.jdbc.PayoutEvent;
import dev.earnings.jdbc.PayoutReferenceConflictException;
import dev.earnings.jdbc.PayoutRequest;
import dev.earnings.jdbc.PayoutStatus;
import dev.earnings.jdbc.TransactionSummary;
import dev.earnings.jdbc.TransactionSummary.StatusTotal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Currency;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.Nested;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jspecify.annotations.Nullable;

/**
 * Owner of {@code earnings_creators}, {@code earnings_transactions} (payouts) and
 * {@code earnings_transaction_events} (their history), and of <em>the</em> balance expression:
 * {@code available = earned - pending - completed}, written once in SQL and used by payouts, the
 * creator dashboard and the creators overview alike.
 *
 * <p>Creating a payout locks the creator's row first, so the balance check and the reservation
 * are one step for every payout of that creator, in any thread or process. A transition is one
 * conditional update ({@code ... WHERE status = 'PENDING'}), so of two racing transitions exactly
 * one changes the row.
 *
 * <p>Every payout and history row carries the write token of the call that wrote it, fixed across
 * that call's attempts: when a commit is lost in transit and the retry finds the row, the token
 * says whether this call wrote it (and succeeded) or another one did.
 */
public final class Ledger {
    private static final String PAYOUT_COLUMNS = "SELECT id, creator_id, reference, amount_minor, amount, status, note,"
            + " created_at, created_by, updated_at, updated_by, status_reason FROM <t>earnings_transactions";
    private static final String BULK_NOTE = "bulk payout ";
    /** The {@code :holdFrom} of a deployment without holds: no use is of this day or later. */
    private static final LocalDate NO_HOLD = LocalDate.of(9999, 12, 31);

    private final Transactor tx;
    private final Clock clock;
    private final Currency currency;
    private final AuditLog audit;
    private final Outbox outbox;
    private final int holdDays;
    private final long minimumPayoutMinor;
    private final String balanceOfOne;
    private final String balanceOfAll;

    /** A payout, and whether this call created it. */
    private record Created(Payout payout, boolean byThisCall) {
    }

    /**
     * A payout as stored, with the token of the call that created it.
     *
     * @param payout the payout
     * @param writeToken the creating call's token; {@code null} for payouts written before tokens existed
     */
    public record StoredPayout(@Nested Payout payout, Long writeToken) {
    }

    /** A history row, bound by name. */
    public record EventRow(long transactionId, String creatorId, String fromStatus, String toStatus, String actor,
            Instant occurredAt,
            String reason, long writeToken) {
    }

    /**
     * Creates the ledger.
     *
     * @param tx the transaction runner
     * @param clock the clock for payout times
     * @param currency the deployment's currency
     * @param holdDays how many full UTC days after its day a use's earnings are held; 0 for none
     * @param minimumPayoutMinor the smallest payout, in minor units, 1 or more
     * @param audit the audit log, where every payout change is recorded
     * @param outbox the events outbox, where every payout change is reported
     */
    public Ledger(Transactor tx, Clock clock, Currency currency, int holdDays, long minimumPayoutMinor, AuditLog audit,
            Outbox outbox) {
        this.tx = tx;
        this.audit = audit;
        this.outbox = outbox;
        this.clock = clock;
        this.currency = currency;
        this.holdDays = holdDays;
        this.minimumPayoutMinor = minimumPayoutMinor;
        this.balanceOfOne = balanceSql(true, holdDays > 0);
        this.balanceOfAll = balanceSql(false, holdDays > 0);
    }

    /**
     * The balance expression, for every creator or for {@code :creator}: columns
     * {@code creator_id, earned, held, pending, paid_out, available}. {@code earned} is the exact
     * sum of the creator's models' lifetime earnings (net of reversals); payouts count at their
     * exact amounts; {@code held} comes from the daily rollups and the reversals, never from the
     * usage rows.
     */
    private static String balanceSql(boolean oneCreator, boolean holds) {
        String only = oneCreator ? " WHERE creator_id = :creator" : "";
        String andOnly = oneCreator ? " AND creator_id = :creator" : "";
        // Without holds nothing is held, and the balance reads no rollup at all: a statement
        // that sums the held days of every creator costs the creators overview its speed.
        String held = holds ? "COALESCE(h.held, 0) - COALESCE(r.held_reversed, 0)" : "0";
        return "SELECT c.creator_id, COALESCE(e.earned, 0) AS earned, " + held + " AS held,"
                + " COALESCE(x.pending, 0) AS pending, COALESCE(x.paid, 0) AS paid_out,"
                + " COALESCE(e.earned, 0) - (" + held + ") - COALESCE(x.pending, 0) - COALESCE(x.paid, 0) AS available"
                + " FROM <t>earnings_creators c"
                + " LEFT JOIN (" + UsageWriter.earnedByCreator(only) + ") e ON e.creator_id = c.creator_id"
                + " LEFT JOIN (SELECT creator_id, SUM(CASE WHEN status = 'PENDING' THEN amount ELSE 0 END) AS pending,"
                + " SUM(CASE WHEN status = 'COMPLETED' THEN amount ELSE 0 END) AS paid FROM <t>earnings_transactions"
                + only + " GROUP BY creator_id) x ON x.creator_id = c.creator_id"
                // Held: the rollups of the days still in their hold, less the reversals of those days' uses.
                + (holds ? " LEFT JOIN (SELECT creator_id, SUM(earnings) AS held FROM <t>model_analytics"
                + " WHERE usage_day >= :holdFrom" + andOnly + " GROUP BY creator_id) h ON h.creator_id = c.creator_id"
                + " LEFT JOIN (SELECT creator_id, SUM(amount) AS held_reversed FROM <t>earnings_reversals"
                + " WHERE use_day >= :holdFrom" + andOnly + " GROUP BY creator_id) r ON r.creator_id = c.creator_id" : "")
                + (oneCreator ? " WHERE c.creator_id = :creator" : "");
    }

    /**
     * Binds {@code :holdFrom} to a statement that uses {@link #balances()}, when the deployment
     * holds earnings (without holds the expression has no such parameter).
     *
     * @param statement the statement
     * @param <S> its type
     * @return the statement
     */
    public <S extends org.jdbi.v3.core.statement.SqlStatement<S>> S bindHold(S statement) {
        return holdDays == 0 ? statement : statement.bind("holdFrom", holdFrom());
    }

    /**
     * The first UTC day whose uses' earnings are still held today, to bind as {@code :holdFrom}
     * wherever {@link #balances()} is used: a use of day D is held through D and the
     * {@code holdDays} full days after it. Without holds, a day no use can have.
     *
     * @return the day
     */
    public LocalDate holdFrom() {
        return holdDays == 0 ? NO_HOLD : LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).minusDays(holdDays);
    }

    /**
     * The balance of every creator as a derived table, for reports that sort or page by it; the
     * statement goes through {@link #bindHold}.
     *
     * @return SQL with the columns {@code creator_id, earned, held, pending, paid_out, available}
     */
    public String balances() {
        return balanceOfAll;
    }

    /**
     * A creator's balance.
     *
     * @param h the handle
     * @param creatorId the creator
     * @return the balance; all zero for a creator without earnings or payouts
     */
    public Balance balance(Handle h, String creatorId) {
        return bindHold(h.createQuery(balanceOfOne).bind("creator", creatorId))
                .map(ConstructorMapper.of(Balance.class)).findOne()
                .orElseGet(() -> new Balance(creatorId, Money.zero(currency), Money.zero(currency), Money.zero(currency),
                        Money.zero(currency), Money.zero(currency)));
    }

    // ---------------------------------------------------------------- creators

    /**
     * Records a creator when their first model is registered; their row is the lock their payouts take.
     *
     * @param h the transaction
     * @param creatorId the creator
     * @param now when the creator was first seen
     */
    public void openCreator(Handle h, String creatorId, Instant now) {
        // PostgreSQL (and Citus, which sends an INSERT ... SELECT that returns nothing to its shards
        // with COPY, refused there by row-level security) inserts unless the key exists; H2 has no
        // ON CONFLICT.
        h.createUpdate(tx.dialect().isPostgres()
                ? "INSERT INTO <t>earnings_creators (creator_id, first_seen_at) VALUES (:creator, :now)"
                        + " ON CONFLICT (creator_id) DO NOTHING"
                : "INSERT INTO <t>earnings_creators (creator_id, first_seen_at) SELECT :creator, :now"
                        + " WHERE NOT EXISTS (SELECT 1 FROM <t>earnings_creators WHERE creator_id = :creator)")
                .bind("creator", creatorId).bind("now", now).execute();
    }

    /**
     * Whether a creator is known: one with at least one registered model.
     *
     * @param h the handle
     * @param creatorId the creator
     * @return whether known
     */
    public boolean creatorExists(Handle h, String creatorId) {
        return h.createQuery("SELECT 1 FROM <t>earnings_creators WHERE creator_id = :creator").bind("creator", creatorId)
                .mapTo(Integer.class).findOne().isPresent();
    }

    /**
     * Every known creator, in id order.
     *
     * @param scope whose creators: an admin's scope lists them all
     * @return the creators
     */
    public List<String> creators(Scope scope) {
        return tx.inTransaction("listing creators", scope, (h, attempt) -> h.createQuery(
                "SELECT creator_id FROM <t>earnings_creators ORDER BY creator_id").mapTo(String.class).list());
    }

    /**
     * How many creators are known.
     *
     * @param h the handle
     * @return the count
     */
    public long creatorCount(Handle h) {
        return h.createQuery("SELECT COUNT(*) FROM <t>earnings_creators").mapTo(Long.class).one();
    }

    // ---------------------------------------------------------------- payouts

    /**
     * Reserves a payout as {@code PENDING}, or returns the one already created with its reference.
     *
     * @param scope the caller's scope
     * @param actor who creates it
     * @param request the payout
     * @return the payout
     */
    public Payout create(Scope scope, String actor, PayoutRequest request) {
        try (Tracing.Span span = tx.tracing().start("earnings.payout.create")) {
            span.attribute("earnings.payout.amount_minor", request.amountMinor());
            try {
                return createPayout(scope, actor, request);
            } catch (RuntimeException e) {
                span.failed(e);
                throw e;
            }
        }
    }

    private Payout createPayout(Scope scope, String actor, PayoutRequest request) {
        long token = WriteTokens.next();
        Created created = tx.inTransaction("creating payout '" + request.reference() + "' for creator '"
                + request.creatorId() + "'", scope, (h, attempt) -> create(h, actor, request.creatorId(),
                        request.amountMinor(), request.reference(), request.note().orElse(null), false, token));
        if (created.byThisCall) {
            tx.metrics().payout(PayoutStatus.PENDING);
        }
        return created.payout;
    }

    private Created create(Handle h, String actor, String creatorId, long amountMinor, String reference, String note,
            boolean anyAmountReplays, long token) {
        lockCreator(h, creatorId);
        Optional<Created> existing = h.createQuery(PAYOUT_COLUMNS.replace(" FROM", ", write_token FROM")
                + " WHERE creator_id = :creator AND reference = :reference")
                .bind("creator", creatorId).bind("reference", reference)
                .map(ConstructorMapper.of(StoredPayout.class)).findOne()
                .map(stored -> new Created(stored.payout(), Long.valueOf(token).equals(stored.writeToken())));
        if (existing.isPresent()) {
            if (!anyAmountReplays && existing.get().payout.amountMinor() != amountMinor) {
                throw new PayoutReferenceConflictException(reference, existing.get().payout, amountMinor);
            }
            return existing.get();
        }
        if (amountMinor < minimumPayoutMinor) {
            throw new InvalidInputException("amountMinor", "amountMinor is " + amountMinor + "; allowed: at least the"
                    + " minimum payout of " + minimumPayoutMinor + " minor units, up to the available balance");
        }
        long available = balance(h, creatorId).availableMinor();
        if (amountMinor > available) {
            throw new InsufficientFundsException(creatorId, amountMinor, available);
        }
        Instant now = now();
        Money amount = Money.ofMinor(currency, amountMinor);
        Payout pending = new Payout(0, creatorId, reference, amountMinor, amount, PayoutStatus.PENDING,
                Optional.ofNullable(note), now, actor, now, actor, Optional.empty());
        long id = h.createUpdate("INSERT INTO <t>earnings_transactions (creator_id, reference, amount_minor, amount,"
                + " currency, status, note, created_at, created_by, updated_at, updated_by, write_token) VALUES (:creatorId,"
                + " :reference, :amountMinor, :amount, :currency, 'PENDING', :note, :createdAt, :createdBy, :updatedAt,"
                + " :updatedBy, :token)")
                .bindMethods(pending).bind("currency", currency.getCurrencyCode()).bind("token", token)
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
        recordEvent(h, new EventRow(id, creatorId, null, PayoutStatus.PENDING.name(), actor, now, note, token));
        audit.record(h, actor, AuditAction.PAYOUT_CREATED, "payout", Long.toString(id), creatorId, note, null,
                AuditLog.values("reference", reference, "amountMinor", amountMinor, "status", PayoutStatus.PENDING.name()));
        outbox.append(h, EventType.PAYOUT_CREATED, creatorId, payoutPayload(id, amount, PayoutStatus.PENDING, reference,
                actor, "note", note));
        return new Created(new Payout(id, creatorId, reference, amountMinor, amount, PayoutStatus.PENDING,
                Optional.ofNullable(note), now, actor, now, actor, Optional.empty()), true);
    }

    /** The payload of a payout's event: see {@link EventType#PAYOUT_CREATED}. */
    private Map<String, Object> payoutPayload(long payoutId, Money amount, PayoutStatus status, String reference,
            String actor, String textName, @Nullable String text) {
        Map<String, Object> payload = AuditLog.values("payoutId", payoutId, "amount", amount.amount(), "currency",
                currency.getCurrencyCode(), "status", status.name(), "reference", reference, "actor", actor);
        if (text != null) {
            payload.put(textName, text);
        }
        return payload;
    }

    /**
     * Takes the creator's lock, which every change of their balance takes first (payouts and
     * reversals), so that each reads the balance it changes.
     *
     * @param h the transaction
     * @param creatorId the creator
     * @throws InvalidInputException if the creator is not known
     */
    public void lockCreator(Handle h, String creatorId) {
        int locked = h.createUpdate("UPDATE <t>earnings_creators SET creator_id = creator_id WHERE creator_id = :creator")
                .bind("creator", creatorId).execute();
        if (locked == 0) {
            throw new InvalidInputException("creatorId", "creatorId '" + creatorId
                    + "' is not a known creator; allowed: a creator with at least one registered model");
        }
    }

    /**
     * Moves a pending payout to a final status. A retry that finds the payout already moved to
     * {@code to} by this very call (its commit was lost in transit) succeeds.
     *
     * @param scope the caller's scope
     * @param actor who moves it
     * @param payoutId the payout
     * @param to {@code COMPLETED}, {@code FAILED} or {@code CANCELLED}
     * @param reason why, or {@code null}
     * @return the payout as it now stands
     */
    public Payout transition(Scope scope, String actor, long payoutId, PayoutStatus to, String reason) {
        try (Tracing.Span span = tx.tracing().start("earnings.payout.transition")) {
            span.attribute("earnings.payout.to", to.name().toLowerCase(java.util.Locale.ROOT));
            try {
                return move(scope, actor, payoutId, to, reason);
            } catch (RuntimeException e) {
                span.failed(e);
                throw e;
            }
        }
    }

    private Payout move(Scope scope, String actor, long payoutId, PayoutStatus to, String reason) {
        long token = WriteTokens.next();
        Payout payoutNow = tx.inTransaction("moving payout " + payoutId + " to " + to, scope, (h, attempt) -> {
            Instant now = now();
            int moved = h.createUpdate("UPDATE <t>earnings_transactions SET status = :to, updated_at = :now,"
                    + " updated_by = :actor, status_reason = :reason WHERE id = :id AND status = 'PENDING'")
                    .bind("to", to.name()).bind("now", now).bind("actor", actor).bind("reason", reason)
                    .bind("id", payoutId).execute();
            Payout payout = find(h, payoutId).orElseThrow(() -> new InvalidInputException("payoutId", "payoutId "
                    + payoutId + " is not a payout; allowed: the id of an existing payout"));
            if (moved == 0) {
                boolean byThisCall = attempt > 1 && payout.status() == to && h.createQuery("SELECT COUNT(*) FROM"
                        + " <t>earnings_transaction_events WHERE transaction_id = :id AND to_status = :to"
                        + " AND write_token = :token").bind("id", payoutId).bind("to", to.name()).bind("token", token)
                        .mapTo(Long.class).one() > 0;
                if (byThisCall) {
                    return payout;
                }
                throw new IllegalPayoutTransitionException(payoutId, payout.status(), to);
            }
            recordEvent(h, new EventRow(payoutId, payout.creatorId(), PayoutStatus.PENDING.name(), to.name(), actor, now,
                    reason, token));
            audit.record(h, actor, AuditAction.valueOf("PAYOUT_" + to.name()), "payout", Long.toString(payoutId),
                    payout.creatorId(), reason, AuditLog.values("status", PayoutStatus.PENDING.name(), "amountMinor",
                            payout.amountMinor()), AuditLog.values("status", to.name(), "amountMinor", payout.amountMinor()));
            outbox.append(h, EventType.valueOf("PAYOUT_" + to.name()), payout.creatorId(), payoutPayload(payoutId,
                    payout.amount(), to, payout.reference(), actor, "reason", reason));
            return payout;
        });
        // Counted once the transaction committed: a retry that finds its own move is this call's.
        tx.metrics().payout(to);
        return payoutNow;
    }

    /**
     * Pays out every creator whose available balance is at least the threshold, each in a
     * transaction of their own.
     *
     * @param scope the caller's scope
     * @param actor who pays
     * @param request the batch
     * @return one line per creator with a balance
     */
    public BulkPayoutResult payoutAll(Scope scope, String actor, BulkPayoutRequest request) {
        try (Tracing.Span span = tx.tracing().start("earnings.payout.bulk")) {
            try {
                BulkPayoutResult result = payEveryone(scope, actor, request);
                span.attribute("earnings.creators", result.items().size());
                span.attribute("earnings.created", result.items().stream()
                        .filter(i -> i.outcome() == BulkPayoutResult.Outcome.CREATED).count());
                return result;
            } catch (RuntimeException e) {
                span.failed(e);
                throw e;
            }
        }
    }

    private BulkPayoutResult payEveryone(Scope scope, String actor, BulkPayoutRequest request) {
        String batch = request.batchReference();
        // Nobody below the minimum payout is paid, whatever the batch's own threshold.
        long threshold = Math.max(request.thresholdMinor(), minimumPayoutMinor);
        List<BulkPayoutResult.Item> items = new ArrayList<>();
        for (String creatorId : creators(scope)) {
            String reference = batch + ":" + creatorId;
            long token = WriteTokens.next();
            try {
                BulkPayoutResult.Item item = tx.inTransaction("paying out creator '" + creatorId + "'", scope, (h, attempt) -> {
                    // The creator's lock first, so the balance read here is the one the payout takes.
                    lockCreator(h, creatorId);
                    long available = balance(h, creatorId).availableMinor();
                    Optional<Payout> done = h.createQuery(PAYOUT_COLUMNS + " WHERE creator_id = :creator AND reference = :reference")
                            .bind("creator", creatorId).bind("reference", reference)
                            .map(ConstructorMapper.of(Payout.class)).findOne();
                    if (done.isEmpty() && available < threshold) {
                        return new BulkPayoutResult.Item(creatorId, available, BulkPayoutResult.Outcome.BELOW_THRESHOLD,
                                Optional.empty(), Optional.empty());
                    }
                    if (done.isEmpty() && request.dryRun()) {
                        return new BulkPayoutResult.Item(creatorId, available, BulkPayoutResult.Outcome.WOULD_CREATE,
                                Optional.empty(), Optional.empty());
                    }
                    if (done.isPresent() && request.dryRun()) {
                        return new BulkPayoutResult.Item(creatorId, available, BulkPayoutResult.Outcome.ALREADY_CREATED,
                                done, Optional.empty());
                    }
                    Created created = create(h, actor, creatorId, available, reference, BULK_NOTE + batch, true, token);
                    // Found and written by this call means its earlier attempt committed: the balance
                    // before the batch is the payout's amount, as the first attempt saw it.
                    long before = created.byThisCall && done.isPresent() ? created.payout.amountMinor() + available : available;
                    return new BulkPayoutResult.Item(creatorId, before, created.byThisCall
                            ? BulkPayoutResult.Outcome.CREATED : BulkPayoutResult.Outcome.ALREADY_CREATED,
                            Optional.of(created.payout), Optional.empty());
                });
                if (item.outcome() == BulkPayoutResult.Outcome.CREATED) {
                    tx.metrics().payout(PayoutStatus.PENDING);
                }
                if (item.availableMinor() > 0 || item.payout().isPresent()) {
                    items.add(item);
                }
            } catch (dev.earnings.core.EarningsException e) {
                items.add(new BulkPayoutResult.Item(creatorId, 0, BulkPayoutResult.Outcome.FAILED, Optional.empty(),
                        Optional.of(e.getMessage())));
            }
        }
        return new BulkPayoutResult(batch, threshold, request.dryRun(), items);
    }

    /**
     * Looks a payout up.
     *
     * @param h the handle
     * @param payoutId the payout
     * @return the payout, or empty
     */
    public Optional<Payout> find(Handle h, long payoutId) {
        return h.createQuery(PAYOUT_COLUMNS + " WHERE id = :id").bind("id", payoutId).map(ConstructorMapper.of(Payout.class))
                .findOne();
    }

    /**
     * A creator's latest payouts, newest first.
     *
     * @param h the handle
     * @param creatorId the creator
     * @param limit how many
     * @return the payouts
     */
    public List<Payout> recentPayouts(Handle h, String creatorId, int limit) {
        return h.createQuery(PAYOUT_COLUMNS + " WHERE creator_id = :creator ORDER BY created_at DESC, id DESC LIMIT :limit")
                .bind("creator", creatorId).bind("limit", limit).map(ConstructorMapper.of(Payout.class)).list();
    }

    /**
     * A payout's history, oldest first.
     *
     * @param h the handle
     * @param payoutId the payout
     * @return the changes
     */
    public List<PayoutEvent> history(Handle h, long payoutId) {
        return h.createQuery("SELECT from_status AS \"from\", to_status AS \"to\", actor, occurred_at AS \"at\", reason"
                + " FROM <t>earnings_transaction_events WHERE transaction_id = :id ORDER BY id").bind("id", payoutId)
                .map(ConstructorMapper.of(PayoutEvent.class)).list();
    }

    /**
     * Payouts by status: count and amount.
     *
     * @param h the handle
     * @return the summary, every status present
     */
    public TransactionSummary summary(Handle h) {
        Map<PayoutStatus, StatusTotal> totals = new EnumMap<>(PayoutStatus.class);
        for (PayoutStatus status : PayoutStatus.values()) {
            totals.put(status, new StatusTotal(0, 0, Money.zero(currency)));
        }
        h.createQuery("SELECT status, COUNT(*) AS n, COALESCE(SUM(amount_minor), 0) AS minor FROM <t>earnings_transactions"
                + " GROUP BY status")
                .map((rs, ctx) -> totals.put(PayoutStatus.valueOf(rs.getString("status")), new StatusTotal(rs.getLong("n"),
                        rs.getLong("minor"), Money.ofMinor(currency, rs.getLong("minor")))))
                .list();
        return new TransactionSummary(totals);
    }

    private void recordEvent(Handle h, EventRow row) {
        h.createUpdate("INSERT INTO <t>earnings_transaction_events (transaction_id, creator_id, from_status, to_status,"
                + " actor, occurred_at, reason, write_token) VALUES (:transactionId, :creatorId, :fromStatus, :toStatus,"
                + " :actor, :occurredAt,"
                + " :reason, :writeToken)").bindMethods(row).execute();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
