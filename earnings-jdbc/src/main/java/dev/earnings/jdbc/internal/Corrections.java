package dev.earnings.jdbc.internal;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.Money;
import dev.earnings.jdbc.AuditAction;
import dev.earnings.jdbc.EventType;
import dev.earnings.jdbc.Reversal;
import dev.earnings.jdbc.ReversalConflictException;
import dev.earnings.jdbc.ReversalExceedsRemainderException;
import dev.earnings.jdbc.ReversalRequest;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jspecify.annotations.Nullable;

/**
 * Owner of {@code earnings_reversals}: reversals of recorded uses, each a row of its own that
 * references the use's eventId; the use's row is never changed.
 *
 * <p>A reversal locks its creator's row first, the lock every payout of that creator takes, so
 * what remains of the use, the correction id's freshness and the creator's balance are read and
 * changed in one step against every other reversal and payout of that creator, in any thread or
 * process. Then it lowers the model's lifetime earnings and adds to the reversal day's rollup
 * through the {@link UsageWriter}, which owns those tables; the counter row it updates is the
 * model's recording lock, so no use of the model is written meanwhile.
 */
public final class Corrections {
    private static final String COLUMNS = "SELECT r.id, r.correction_id, r.event_id, r.model_id, r.creator_id,"
            + " r.requested_amount, r.amount, r.actor, r.reason, r.reversed_at, r.write_token,"
            + " (SELECT SUM(p.amount) FROM <t>earnings_reversals p WHERE p.event_id = r.event_id"
            // A reversal's model is its use's: with it the look-up stays within one shard on Citus.
            + " AND p.model_id = r.model_id AND p.id <= r.id)"
            + " AS reversed_so_far FROM <t>earnings_reversals r";

    private final Transactor tx;
    private final AuditLog audit;
    private final Outbox outbox;
    private final UsageWriter writer;
    private final Ledger ledger;
    private final Clock clock;
    private final Currency currency;

    /**
     * A reversal as stored, with what its use had earned and what had been reversed of it up to
     * and including this reversal.
     */
    public record StoredReversal(long id, String correctionId, String eventId, String modelId, String creatorId,
            @Nullable BigDecimal requestedAmount, BigDecimal amount, String actor, String reason, Instant reversedAt,
            long writeToken, BigDecimal reversedSoFar) {
    }

    /**
     * Creates the owner of reversals.
     *
     * @param tx the transaction runner
     * @param writer the owner of the usage rows, counters and rollups
     * @param ledger the owner of the creators' rows, whose lock a reversal takes
     * @param clock the clock for the reversal's time and day
     * @param currency the deployment's currency
     * @param audit the audit log, where every reversal is recorded
     * @param outbox the events outbox, where every reversal is reported
     */
    public Corrections(Transactor tx, UsageWriter writer, Ledger ledger, Clock clock, Currency currency, AuditLog audit,
            Outbox outbox) {
        this.tx = tx;
        this.audit = audit;
        this.outbox = outbox;
        this.writer = writer;
        this.ledger = ledger;
        this.clock = clock;
        this.currency = currency;
    }

    /**
     * Reverses part or all of a use, or returns the reversal made before under the same
     * correction id.
     *
     * @param scope the caller's scope
     * @param actor who reverses
     * @param request the reversal
     * @return the reversal
     */
    public Reversal reverse(Scope scope, String actor, ReversalRequest request) {
        try (Tracing.Span span = tx.tracing().start("earnings.reversal")) {
            long token = WriteTokens.next();
            try {
                Reversal reversal = tx.inTransaction("reversing use '" + request.eventId() + "' (correction '"
                        + request.correctionId() + "')", scope, (h, attempt) -> reverse(h, actor, request, token));
                span.attribute("earnings.replayed", reversal.replayed() ? 1 : 0);
                return reversal;
            } catch (RuntimeException e) {
                span.failed(e);
                throw e;
            }
        }
    }

    private Reversal reverse(Handle h, String actor, ReversalRequest request, long token) {
        // A reversal row never changes once written: one found needs no lock to be answered.
        Optional<StoredReversal> earlier = find(h, request.correctionId());
        if (earlier.isPresent()) {
            return answer(h, earlier.get(), request, token);
        }
        UsageWriter.UseRow use = writer.findUse(h, request.eventId()).orElseThrow(() -> new InvalidInputException("eventId",
                "eventId '" + request.eventId() + "' is not a recorded use; allowed: the eventId of a recorded use"));
        ledger.lockCreator(h, use.creatorId());
        // Under the lock: a reversal with this correction id may have committed while this one waited.
        earlier = find(h, request.correctionId());
        if (earlier.isPresent()) {
            return answer(h, earlier.get(), request, token);
        }
        BigDecimal remaining = use.earnings().subtract(reversedOf(h, use.eventId()));
        BigDecimal amount = request.amount().orElse(remaining);
        if (amount.signum() <= 0 || amount.compareTo(remaining) > 0) {
            throw new ReversalExceedsRemainderException(use.eventId(),
                    request.amount().map(a -> Money.of(currency, a)).orElse(null), Money.of(currency, remaining));
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        if (tx.dialect() == Dialect.CITUS) {
            // The reversals are spread by model, so their key keeps a correction id once per model:
            // this table's key keeps it once over all (a racing reversal under the id waits here,
            // fails when this one commits, is retried, and finds this one).
            h.createUpdate("INSERT INTO <t>earnings_correction_ids (correction_id, model_id) VALUES (:correction, :model)")
                    .bind("correction", request.correctionId()).bind("model", use.modelId()).execute();
        }
        h.createUpdate("INSERT INTO <t>earnings_reversals (correction_id, event_id, model_id, creator_id, requested_amount,"
                + " amount, use_day, booked_day, actor, reason, reversed_at, write_token) VALUES (:correction, :event, :model,"
                + " :creator, :requested, :amount, :useDay, :bookedDay, :actor, :reason, :now, :token)")
                .bind("correction", request.correctionId()).bind("event", use.eventId()).bind("model", use.modelId())
                .bind("creator", use.creatorId()).bind("requested", request.amount().orElse(null)).bind("amount", amount)
                .bind("useDay", use.usageDay()).bind("bookedDay", LocalDate.ofInstant(now, ZoneOffset.UTC))
                .bind("actor", actor).bind("reason", request.reason()).bind("now", now).bind("token", token).execute();
        writer.bookReversal(h, use.modelId(), use.creatorId(), use.usageType(), now, amount);
        audit.record(h, actor, AuditAction.USE_REVERSED, "use", use.eventId(), use.creatorId(), request.reason(),
                AuditLog.values("modelId", use.modelId(), "remaining", remaining),
                AuditLog.values("modelId", use.modelId(), "correctionId", request.correctionId(), "reversed", amount,
                        "remaining", remaining.subtract(amount)));
        outbox.append(h, EventType.USE_REVERSED, use.creatorId(), AuditLog.values("correctionId", request.correctionId(),
                "eventId", use.eventId(), "modelId", use.modelId(), "amount", Money.of(currency, amount.negate()).amount(),
                "remaining", Money.of(currency, remaining.subtract(amount)).amount(), "currency", currency.getCurrencyCode(), "reason", request.reason(), "actor", actor));
        return new Reversal(request.correctionId(), use.eventId(), use.modelId(), use.creatorId(), Money.of(currency, amount),
                Money.of(currency, remaining.subtract(amount)), actor, request.reason(), now, false);
    }

    /** The reversal made under a correction id, for a request with that id: the same request, or a conflict. */
    private Reversal answer(Handle h, StoredReversal stored, ReversalRequest request, long token) {
        if (!stored.eventId().equals(request.eventId())) {
            throw new ReversalConflictException(stored.correctionId(), "eventId", " (reversed '" + stored.eventId()
                    + "', sent '" + request.eventId() + "')");
        }
        Optional<BigDecimal> asked = Optional.ofNullable(stored.requestedAmount());
        if (!asked.map(Corrections::plain).equals(request.amount().map(Corrections::plain))) {
            throw new ReversalConflictException(stored.correctionId(), "amount", " (asked " + asked.map(Corrections::plain)
                    .orElse("all that remained") + ", sent " + request.amount().map(Corrections::plain).orElse("all that remains")
                    + ")");
        }
        return toReversal(h, stored, stored.writeToken() != token);
    }

    private Reversal toReversal(Handle h, StoredReversal stored, boolean replayed) {
        return toReversal(stored, earnedBy(h, stored.eventId()), replayed);
    }

    /** What a use earned, which its reversals take from. */
    private BigDecimal earnedBy(Handle h, String eventId) {
        return writer.findUse(h, eventId).map(UsageWriter.UseRow::earnings).orElse(BigDecimal.ZERO);
    }

    private Reversal toReversal(StoredReversal stored, BigDecimal earned, boolean replayed) {
        return new Reversal(stored.correctionId(), stored.eventId(), stored.modelId(), stored.creatorId(),
                Money.of(currency, stored.amount()), Money.of(currency, earned.subtract(stored.reversedSoFar())),
                stored.actor(), stored.reason(), stored.reversedAt(), replayed);
    }

    private Optional<StoredReversal> find(Handle h, String correctionId) {
        if (tx.dialect() == Dialect.CITUS) {
            // The id's model first, from the one shard of the id, then the reversal from the one
            // shard of its model: by correction id alone the look-up would ask every shard.
            Optional<String> model = h.createQuery("SELECT model_id FROM <t>earnings_correction_ids"
                    + " WHERE correction_id = :correction").bind("correction", correctionId).mapTo(String.class).findOne();
            return model.flatMap(m -> h.createQuery(COLUMNS + " WHERE r.model_id = :model AND r.correction_id = :correction")
                    .bind("model", m).bind("correction", correctionId).map(ConstructorMapper.of(StoredReversal.class))
                    .findOne());
        }
        return h.createQuery(COLUMNS + " WHERE r.correction_id = :correction").bind("correction", correctionId)
                .map(ConstructorMapper.of(StoredReversal.class)).findOne();
    }

    /**
     * What has been reversed of a use.
     *
     * @param h the handle
     * @param eventId the use
     * @return the sum of its reversals, zero when there are none
     */
    public BigDecimal reversedOf(Handle h, String eventId) {
        return h.createQuery("SELECT COALESCE(SUM(amount), 0) FROM <t>earnings_reversals WHERE event_id = :event")
                .bind("event", eventId).mapTo(BigDecimal.class).one();
    }

    /**
     * The reversals of a use, oldest first, each with what remained of the use after it.
     *
     * @param h the handle, whose scope decides which reversals it sees
     * @param eventId the use
     * @return the reversals, none marked replayed; empty when there are none or the use is not
     *     the caller's
     */
    public List<Reversal> ofUse(Handle h, String eventId) {
        List<StoredReversal> stored = h.createQuery(COLUMNS + " WHERE r.event_id = :event ORDER BY r.id")
                .bind("event", eventId).map(ConstructorMapper.of(StoredReversal.class)).list();
        if (stored.isEmpty()) {
            return List.of();
        }
        // The use is read once for all its reversals.
        BigDecimal earned = earnedBy(h, eventId);
        return stored.stream().map(r -> toReversal(r, earned, false)).toList();
    }

    /** The plain text of an amount, for comparing and showing: {@code 0.50} and {@code 0.5} are one amount. */
    private static String plain(BigDecimal amount) {
        return amount.stripTrailingZeros().toPlainString();
    }
}
