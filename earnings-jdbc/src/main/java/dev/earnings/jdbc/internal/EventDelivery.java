package dev.earnings.jdbc.internal;

import dev.earnings.jdbc.DeadLetter;
import dev.earnings.jdbc.EarningsEvent;
import dev.earnings.jdbc.EventConsumerStatus;
import dev.earnings.jdbc.EventHandler;
import dev.earnings.jdbc.EventType;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;
import org.jspecify.annotations.Nullable;

/**
 * Delivery of the outbox's events to named consumers: the sequencer that gives committed events
 * their positions, the consumers' cursors per lane, retries, dead letters and pruning.
 *
 * <p>Several instances of a consumer, in one process or many, share its cursors: an instance works
 * through a lane inside a transaction that holds the lane's cursor row ({@code FOR UPDATE SKIP
 * LOCKED}, which both databases take), so no event is handled by two instances at once, and a lane
 * held by another instance is skipped rather than waited for. The cursor moves in the same
 * transaction, after the handler returned: if the instance dies, the transaction rolls back and
 * the batch is handed again, from the stored cursor, to whichever instance takes the lane next.
 */
public final class EventDelivery {
    /** The most events a sequencing step gives positions to. */
    static final int SEQUENCE_STEP = 10_000;
    private static final int ERROR_LIMIT = 2_000;

    private static final String EVENT_COLUMNS = "id, event_id, event_type, creator_id, occurred_at, position, payload";

    private final Transactor tx;
    private final Clock clock;
    private final Duration retention;

    /** How a consumer retries a failing event. */
    public record Retries(int maxAttempts, Duration firstBackoff, Duration maxBackoff) {
        /**
         * The wait before the next attempt, after {@code failures} failed ones: doubling from the
         * first back-off, up to the most.
         *
         * @param failures failed attempts so far, 1 or more
         * @return the wait
         */
        public Duration backoff(int failures) {
            Duration wait = firstBackoff;
            for (int i = 1; i < failures && wait.compareTo(maxBackoff) < 0; i++) {
                wait = wait.multipliedBy(2);
            }
            return wait.compareTo(maxBackoff) > 0 ? maxBackoff : wait;
        }
    }

    /** An event with its row id, as a lane's batch reads it. */
    private record Stored(long ref, EarningsEvent event) {
    }

    /**
     * What one turn on a lane did.
     *
     * @param handled events handled successfully
     * @param deadLettered events moved to the dead letters
     * @param failed whether the lane now waits to retry an event
     */
    public record Turn(int handled, int deadLettered, boolean failed) {
        static final Turn NONE = new Turn(0, 0, false);
    }

    /**
     * Creates the delivery.
     *
     * @param tx the transaction runner
     * @param clock the clock for back-off and retention
     * @param retention how long a delivered event is kept
     */
    public EventDelivery(Transactor tx, Clock clock, Duration retention) {
        this.tx = tx;
        this.clock = clock;
        this.retention = retention;
    }

    /**
     * Gives positions to committed events that have none, unless another instance is doing so.
     *
     * @return how many got a position; 0 also when another instance holds the sequencer
     */
    public int sequence() {
        return tx.inTransaction("giving events their positions", Scope.SERVICE, (h, attempt) -> {
            Optional<Long> last = h.createQuery("SELECT last_position FROM <t>earnings_event_sequence WHERE id = 1"
                    + " FOR UPDATE SKIP LOCKED").mapTo(Long.class).findOne();
            return last.map(position -> sequence(h, position)).orElse(0);
        });
    }

    /** Under the sequencer's lock: positions after {@code last} for the oldest events without one. */
    private int sequence(Handle h, long last) {
        // PostgreSQL: an UPDATE ... FROM, which Citus also runs (it runs no MERGE on a table whose
        // policies call current_setting); H2 has no UPDATE ... FROM.
        int given = h.createUpdate(tx.dialect().isPostgres()
                ? "UPDATE <t>earnings_events e SET position = :last + s.rn FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id)"
                        + " AS rn FROM <t>earnings_events WHERE position IS NULL ORDER BY id LIMIT :step) s WHERE e.id = s.id"
                : "MERGE INTO <t>earnings_events e USING (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn"
                        + " FROM <t>earnings_events WHERE position IS NULL ORDER BY id LIMIT :step) s ON e.id = s.id"
                        + " WHEN MATCHED THEN UPDATE SET position = :last + s.rn").bind("step", SEQUENCE_STEP).bind("last", last)
                .execute();
        if (given > 0) {
            h.createUpdate("UPDATE <t>earnings_event_sequence SET last_position = :position WHERE id = 1")
                    .bind("position", last + given).execute();
        }
        return given;
    }

    /**
     * Creates a consumer's cursors, unless it has them: at the first position, or after every
     * event committed so far. A consumer that exists keeps its cursors.
     *
     * @param consumer the consumer's name
     * @param fromBeginning whether a new consumer starts at the oldest event kept
     * @return whether the consumer was created now
     */
    public boolean register(String consumer, boolean fromBeginning) {
        return tx.inTransaction("registering event consumer '" + consumer + "'", Scope.SERVICE, (h, attempt) -> {
            // The sequencer's lock makes concurrent first starts of one consumer take turns.
            long last = h.createQuery("SELECT last_position FROM <t>earnings_event_sequence WHERE id = 1 FOR UPDATE")
                    .mapTo(Long.class).one();
            long lanes = h.createQuery("SELECT COUNT(*) FROM <t>earnings_event_consumers WHERE consumer = :c")
                    .bind("c", consumer).mapTo(Long.class).one();
            if (lanes > 0) {
                return false;
            }
            long start = 0;
            if (!fromBeginning) {
                // After every committed event, however many are still without a position.
                long given;
                start = last;
                do {
                    given = sequence(h, start);
                    start += given;
                } while (given == SEQUENCE_STEP);
            }
            Instant now = now();
            for (int lane = 0; lane < Outbox.LANES; lane++) {
                h.createUpdate("INSERT INTO <t>earnings_event_consumers (consumer, lane, position, created_at)"
                        + " VALUES (:c, :lane, :position, :now)").bind("c", consumer).bind("lane", lane)
                        .bind("position", start).bind("now", now).execute();
            }
            return true;
        });
    }

    /**
     * The lanes of a consumer with events after their cursor and no retry waiting.
     *
     * @param consumer the consumer
     * @return the lanes
     */
    public List<Integer> lanesWithWork(String consumer) {
        return tx.inTransaction("finding work for event consumer '" + consumer + "'", Scope.SERVICE, (h, attempt) ->
                h.createQuery("SELECT c.lane FROM <t>earnings_event_consumers c WHERE c.consumer = :c"
                        + " AND (c.retry_at IS NULL OR c.retry_at <= :now) AND EXISTS (SELECT 1 FROM <t>earnings_events e"
                        + " WHERE e.lane = c.lane AND e.position > c.position) ORDER BY c.lane")
                        .bind("c", consumer).bind("now", now()).mapTo(Integer.class).list());
    }

    /**
     * Works through one lane's next batch, if no other instance holds the lane: hands each event
     * to the handler in position order and moves the cursor past those handled, in one
     * transaction. An event whose handler throws is tried again after a back-off (the lane's later
     * events wait), and after the last attempt moved to the dead letters.
     *
     * @param consumer the consumer
     * @param lane the lane
     * @param batchSize the most events to hand over
     * @param handler the handler
     * @param retries how failures are retried
     * @param stopping asked before each event: when true, the batch ends there
     * @return what was done
     */
    public Turn turn(String consumer, int lane, int batchSize, EventHandler handler, Retries retries,
            java.util.function.BooleanSupplier stopping) {
        java.util.concurrent.atomic.AtomicBoolean interrupted = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            return turn(consumer, lane, batchSize, handler, retries, stopping, interrupted);
        } finally {
            if (interrupted.get()) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Turn turn(String consumer, int lane, int batchSize, EventHandler handler, Retries retries,
            java.util.function.BooleanSupplier stopping, java.util.concurrent.atomic.AtomicBoolean interrupted) {
        return tx.inTransaction("delivering events of lane " + lane + " to consumer '" + consumer + "'", Scope.SERVICE,
                (h, attempt) -> {
                    Instant now = now();
                    Optional<long[]> cursor = h.createQuery("SELECT position, attempts FROM <t>earnings_event_consumers"
                            + " WHERE consumer = :c AND lane = :lane AND (retry_at IS NULL OR retry_at <= :now)"
                            + " FOR UPDATE SKIP LOCKED").bind("c", consumer).bind("lane", lane).bind("now", now)
                            .map((rs, ctx) -> new long[] {rs.getLong(1), rs.getLong(2)}).findOne();
                    if (cursor.isEmpty()) {
                        return Turn.NONE;
                    }
                    List<Stored> batch = h.createQuery("SELECT " + EVENT_COLUMNS + " FROM <t>earnings_events"
                            + " WHERE lane = :lane AND position > :position ORDER BY position LIMIT :n")
                            .bind("lane", lane).bind("position", cursor.get()[0]).bind("n", batchSize)
                            .map(EventDelivery::stored).list();
                    long position = cursor.get()[0];
                    int failures = (int) cursor.get()[1];
                    int handled = 0;
                    int deadLettered = 0;
                    Instant retryAt = null;
                    String error = null;
                    boolean first = true;
                    for (Stored stored : batch) {
                        if (stopping.getAsBoolean()) {
                            break;
                        }
                        // Still holding the lane? A connection lost meanwhile (a killed backend, a
                        // network failure) has released its lock to other instances: this fails, and
                        // the batch ends here instead of handing on events another instance may take.
                        if (!first) {
                            h.createQuery("SELECT lane FROM <t>earnings_event_consumers WHERE consumer = :c AND lane = :lane")
                                    .bind("c", consumer).bind("lane", lane).mapTo(Integer.class).one();
                        }
                        first = false;
                        try {
                            handler.handle(stored.event());
                            handled++;
                        } catch (InterruptedException e) {
                            // Closing: the event is not handled, nor counted as a failure. The flag is
                            // set again once the transaction is over: an interrupted thread's I/O could
                            // close an embedded database's file under it.
                            interrupted.set(true);
                            break;
                        } catch (Exception e) {
                            failures++;
                            error = describe(e);
                            if (failures < retries.maxAttempts()) {
                                retryAt = now().plus(retries.backoff(failures));
                                break;
                            }
                            h.createUpdate("INSERT INTO <t>earnings_event_dead_letters (consumer, event_ref, attempts,"
                                    + " failed_at, error) VALUES (:c, :ref, :attempts, :now, :error)").bind("c", consumer)
                                    .bind("ref", stored.ref()).bind("attempts", failures).bind("now", now())
                                    .bind("error", error).execute();
                            deadLettered++;
                        }
                        position = stored.event().position();
                        failures = 0;
                    }
                    h.createUpdate("UPDATE <t>earnings_event_consumers SET position = :position, attempts = :attempts,"
                            + " retry_at = :retryAt, last_error = COALESCE(:error, last_error) WHERE consumer = :c AND lane = :lane")
                            .bind("position", position).bind("attempts", failures).bind("retryAt", retryAt)
                            .bind("error", error).bind("c", consumer).bind("lane", lane).execute();
                    return new Turn(handled, deadLettered, retryAt != null);
                });
    }

    /**
     * A consumer's dead letters, oldest event first.
     *
     * @param consumer the consumer
     * @return the dead letters
     */
    public List<DeadLetter> deadLetters(String consumer) {
        return tx.inTransaction("reading the dead letters of event consumer '" + consumer + "'", Scope.SERVICE,
                (h, attempt) -> h.createQuery("SELECT d.attempts, d.failed_at, d.error, " + prefixed("e")
                        + " FROM <t>earnings_event_dead_letters d JOIN <t>earnings_events e ON e.id = d.event_ref"
                        + " WHERE d.consumer = :c ORDER BY e.position").bind("c", consumer)
                        .map((rs, ctx) -> new DeadLetter(consumer, stored(rs, ctx).event(), rs.getInt("attempts"),
                                rs.getObject("failed_at", java.time.OffsetDateTime.class).toInstant(), rs.getString("error")))
                        .list());
    }

    /**
     * Hands a consumer's dead letters to the handler again, each in a transaction of its own that
     * holds it (another instance replaying at the same time skips it): one handled is removed from
     * the dead letters, one that fails again stays, with its attempts counted.
     *
     * @param consumer the consumer
     * @param handler the handler
     * @param eventId only this event, or {@code null} for all
     * @return how many were handled and removed
     */
    public int replay(String consumer, EventHandler handler, @Nullable String eventId) {
        List<Long> refs = tx.inTransaction("listing dead letters of event consumer '" + consumer + "'", Scope.SERVICE,
                (h, attempt) -> h.createQuery("SELECT d.event_ref FROM <t>earnings_event_dead_letters d JOIN"
                        + " <t>earnings_events e ON e.id = d.event_ref WHERE d.consumer = :c"
                        + (eventId == null ? "" : " AND e.event_id = :event") + " ORDER BY e.position")
                        .bind("c", consumer).bind("event", eventId).mapTo(Long.class).list());
        int replayed = 0;
        java.util.concurrent.atomic.AtomicBoolean interrupted = new java.util.concurrent.atomic.AtomicBoolean();
        for (long ref : refs) {
            if (interrupted.get()) {
                Thread.currentThread().interrupt();
                break;
            }
            boolean done = tx.inTransaction("replaying a dead letter of event consumer '" + consumer + "'", Scope.SERVICE,
                    (h, attempt) -> {
                        // Held, so that an instance replaying at the same time skips it.
                        boolean held = h.createQuery("SELECT attempts FROM <t>earnings_event_dead_letters"
                                + " WHERE consumer = :c AND event_ref = :ref FOR UPDATE SKIP LOCKED").bind("c", consumer)
                                .bind("ref", ref).mapTo(Integer.class).findOne().isPresent();
                        Optional<Stored> stored = held ? h.createQuery("SELECT " + EVENT_COLUMNS
                                + " FROM <t>earnings_events WHERE id = :ref").bind("ref", ref).map(EventDelivery::stored)
                                .findOne() : Optional.empty();
                        if (stored.isEmpty()) {
                            // Gone: on a retry, because the attempt whose commit was lost handled and
                            // removed it (or another instance did); either way it was handled.
                            return attempt > 1;
                        }
                        try {
                            handler.handle(stored.get().event());
                        } catch (InterruptedException e) {
                            interrupted.set(true);
                            return false;
                        } catch (Exception e) {
                            h.createUpdate("UPDATE <t>earnings_event_dead_letters SET attempts = attempts + 1,"
                                    + " failed_at = :now, error = :error WHERE consumer = :c AND event_ref = :ref")
                                    .bind("now", now()).bind("error", describe(e)).bind("c", consumer).bind("ref", ref)
                                    .execute();
                            return false;
                        }
                        h.createUpdate("DELETE FROM <t>earnings_event_dead_letters WHERE consumer = :c AND event_ref = :ref")
                                .bind("c", consumer).bind("ref", ref).execute();
                        return true;
                    });
            if (done) {
                replayed++;
            }
        }
        return replayed;
    }

    /**
     * How far behind a consumer is.
     *
     * @param consumer the consumer
     * @return the status, or empty if no such consumer was ever started
     */
    public Optional<EventConsumerStatus> status(String consumer) {
        return tx.inTransaction("reading the status of event consumer '" + consumer + "'", Scope.SERVICE, (h, attempt) -> {
            List<Object[]> lanes = h.createQuery("SELECT c.lane, c.position, c.attempts, c.retry_at, c.last_error,"
                    + " (SELECT COUNT(*) FROM <t>earnings_events e WHERE e.lane = c.lane AND e.position > c.position) AS pending"
                    + " FROM <t>earnings_event_consumers c WHERE c.consumer = :c ORDER BY c.lane").bind("c", consumer)
                    .map((rs, ctx) -> new Object[] {rs.getLong("pending"), rs.getInt("attempts"), rs.getString("last_error")})
                    .list();
            if (lanes.isEmpty()) {
                return Optional.<EventConsumerStatus>empty();
            }
            long pending = h.createQuery("SELECT COUNT(*) FROM <t>earnings_events WHERE position IS NULL")
                    .mapTo(Long.class).one();
            int retrying = 0;
            String lastError = null;
            for (Object[] lane : lanes) {
                pending += (Long) lane[0];
                if ((Integer) lane[1] > 0) {
                    retrying++;
                    lastError = (String) lane[2];
                }
            }
            long deadLetters = h.createQuery("SELECT COUNT(*) FROM <t>earnings_event_dead_letters WHERE consumer = :c")
                    .bind("c", consumer).mapTo(Long.class).one();
            return Optional.of(new EventConsumerStatus(consumer, pending, retrying, deadLetters, Optional.ofNullable(lastError)));
        });
    }

    /**
     * Removes a consumer's cursors and dead letters, so its position no longer keeps events from
     * being pruned.
     *
     * @param consumer the consumer
     * @return whether it existed
     */
    public boolean remove(String consumer) {
        return tx.inTransaction("removing event consumer '" + consumer + "'", Scope.SERVICE, (h, attempt) -> {
            // The cursors first: their delete waits for any instance's batch under way, whose dead
            // letters are then committed and go with the rest.
            boolean existed = h.createUpdate("DELETE FROM <t>earnings_event_consumers WHERE consumer = :c")
                    .bind("c", consumer).execute() > 0;
            h.createUpdate("DELETE FROM <t>earnings_event_dead_letters WHERE consumer = :c").bind("c", consumer).execute();
            return existed;
        });
    }

    /**
     * Deletes events older than the retention that every consumer has passed and none holds as a
     * dead letter; with no consumer, every event older than the retention. Committed events are
     * given their positions first.
     *
     * @return how many were deleted
     */
    public int prune() {
        // Events get their positions here too, so that a deployment without consumers prunes as well.
        while (sequence() == SEQUENCE_STEP) {
            continue;
        }
        Instant cutoff = now().minus(retention);
        return tx.inTransaction("pruning delivered events", Scope.SERVICE, (h, attempt) -> h.createUpdate(
                "DELETE FROM <t>earnings_events e WHERE e.position IS NOT NULL AND e.occurred_at < :cutoff"
                        + " AND NOT EXISTS (SELECT 1 FROM <t>earnings_event_consumers c WHERE c.lane = e.lane"
                        + " AND c.position < e.position)"
                        + " AND NOT EXISTS (SELECT 1 FROM <t>earnings_event_dead_letters d WHERE d.event_ref = e.id)")
                .bind("cutoff", cutoff).execute());
    }

    private static String prefixed(String alias) {
        return String.join(", ", java.util.Arrays.stream(EVENT_COLUMNS.split(", ")).map(c -> alias + "." + c).toList());
    }

    private static Stored stored(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Stored(rs.getLong("id"), new EarningsEvent(rs.getString("event_id"),
                EventType.ofWireName(rs.getString("event_type")), rs.getString("creator_id"),
                rs.getObject("occurred_at", java.time.OffsetDateTime.class).toInstant(), rs.getLong("position"),
                rs.getString("payload")));
    }

    /**
     * What a handler's failure is stored as: its type and message, cut to a bounded length, with
     * what no database stores as text (NUL, other control characters, unpaired surrogates) shown
     * as U+FFFD, so that no message of a handler's can make its failure unstorable and stall the lane.
     */
    static String describe(Exception e) {
        String text = e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        StringBuilder shown = new StringBuilder();
        int count = 0;
        for (int i = 0; i < text.length() && count < ERROR_LIMIT; count++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                shown.append(c).append(text.charAt(i + 1));
                i += 2;
                continue;
            }
            boolean storable = !Character.isSurrogate(c) && (c >= 0x20 || c == '\t' || c == '\n' || c == '\r');
            shown.append(storable ? c : '\uFFFD');
            i++;
        }
        return shown.toString();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
