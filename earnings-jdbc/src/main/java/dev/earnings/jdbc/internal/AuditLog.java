package dev.earnings.jdbc.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.earnings.jdbc.AuditAction;
import dev.earnings.jdbc.AuditEntry;
import dev.earnings.jdbc.AuditQuery;
import dev.earnings.jdbc.Page;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.jspecify.annotations.Nullable;

/**
 * Owner of {@code earnings_audit_log}: one row per change, written by the change's owner in the
 * change's own transaction, so a change and its entry commit or roll back together. Rows are
 * only ever inserted (on PostgreSQL a trigger refuses anything else).
 */
public final class AuditLog {
    /** The actor of the host's trusted calls that name no caller, and of the library's own work. */
    public static final String SERVICE = "service";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String COLUMNS = "SELECT id, occurred_at, actor, action, target_type, target_id, creator_id,"
            + " reason, before_values, after_values FROM <t>earnings_audit_log";

    private final Clock clock;

    /** A row of the log, as stored. */
    public record Row(long id, Instant occurredAt, String actor, String action, String targetType, String targetId,
            @Nullable String creatorId, @Nullable String reason, @Nullable String beforeValues, @Nullable String afterValues) {

        AuditEntry toEntry() {
            return new AuditEntry(id, occurredAt, actor, AuditAction.valueOf(action), targetType, targetId,
                    Optional.ofNullable(creatorId), Optional.ofNullable(reason), Optional.ofNullable(beforeValues),
                    Optional.ofNullable(afterValues));
        }
    }

    /**
     * Creates the log.
     *
     * @param clock the clock for the entries' times
     */
    public AuditLog(Clock clock) {
        this.clock = clock;
    }

    /**
     * Values for an entry's before or after, in the order given: ids, flags, whole numbers and
     * amounts (written as plain decimal strings, so no reader takes them for floating point).
     *
     * @param pairs names and values, alternating
     * @return the values
     */
    public static Map<String, Object> values(Object... pairs) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            Object value = pairs[i + 1];
            values.put((String) pairs[i], value instanceof BigDecimal ? ((BigDecimal) value).toPlainString() : value);
        }
        return values;
    }

    /**
     * Writes an entry in the change's transaction.
     *
     * @param h the change's transaction
     * @param actor who made the change
     * @param action what it did
     * @param targetType {@code model}, {@code use}, {@code payout} or {@code setting}
     * @param targetId which one
     * @param creatorId the creator it concerns, or {@code null}
     * @param reason why, or {@code null}
     * @param before what it replaced, or {@code null}
     * @param after what it left
     */
    public void record(Handle h, String actor, AuditAction action, String targetType, String targetId,
            @Nullable String creatorId, @Nullable String reason, @Nullable Map<String, Object> before,
            Map<String, Object> after) {
        h.createUpdate("INSERT INTO <t>earnings_audit_log (occurred_at, actor, action, target_type, target_id, creator_id,"
                + " reason, before_values, after_values) VALUES (:at, :actor, :action, :type, :target, :creator, :reason,"
                + " :before, :after)")
                .bind("at", clock.instant().truncatedTo(ChronoUnit.MICROS)).bind("actor", actor).bind("action", action.name())
                .bind("type", targetType).bind("target", targetId).bind("creator", creatorId).bind("reason", reason)
                .bind("before", before == null ? null : json(before)).bind("after", json(after)).execute();
    }

    /**
     * Whether an entry of an action about a target exists: for changes recorded once however
     * often they are made (a schedule's run of one period).
     *
     * @param h the handle
     * @param action the action
     * @param targetType the target's type
     * @param targetId the target
     * @return whether one is recorded
     */
    public boolean recorded(Handle h, AuditAction action, String targetType, String targetId) {
        return h.createQuery("SELECT COUNT(*) FROM <t>earnings_audit_log WHERE target_type = :type AND target_id = :target"
                + " AND action = :action").bind("type", targetType).bind("target", targetId).bind("action", action.name())
                .mapTo(Long.class).one() > 0;
    }

    /**
     * A page of entries, newest first.
     *
     * @param h the handle, in an admin's scope
     * @param query the filters and the page
     * @return the page
     */
    public Page<AuditEntry> page(Handle h, AuditQuery query) {
        List<String> where = new ArrayList<>();
        query.actor().ifPresent(a -> where.add("actor = :actor"));
        query.action().ifPresent(a -> where.add("action = :action"));
        query.targetType().ifPresent(t -> where.add("target_type = :type"));
        query.targetId().ifPresent(t -> where.add("target_id = :target"));
        query.from().ifPresent(f -> where.add("occurred_at >= :from"));
        query.to().ifPresent(t -> where.add("occurred_at < :to"));
        String filter = where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where);
        long total = bind(h.createQuery("SELECT COUNT(*) FROM <t>earnings_audit_log" + filter), query).mapTo(Long.class).one();
        List<AuditEntry> items = bind(h.createQuery(COLUMNS + filter + " ORDER BY occurred_at DESC, id DESC"
                + " LIMIT :limit OFFSET :offset"), query).bind("limit", query.pageSize())
                .bind("offset", (long) query.page() * query.pageSize())
                .map(org.jdbi.v3.core.mapper.reflect.ConstructorMapper.of(Row.class)).map(Row::toEntry).list();
        return new Page<>(items, query.page(), query.pageSize(), total);
    }

    private static Query bind(Query q, AuditQuery query) {
        query.actor().ifPresent(a -> q.bind("actor", a));
        query.action().ifPresent(a -> q.bind("action", a.name()));
        query.targetType().ifPresent(t -> q.bind("type", t));
        query.targetId().ifPresent(t -> q.bind("target", t));
        query.from().ifPresent(f -> q.bind("from", f));
        query.to().ifPresent(t -> q.bind("to", t));
        return q;
    }

    /**
     * Values made by {@link #values} as a JSON object, for the audit log and the events' payloads.
     *
     * @param values the values
     * @return the JSON text
     */
    static String json(Map<String, Object> values) {
        try {
            return JSON.writeValueAsString(values);
        } catch (JsonProcessingException e) {
            // Only strings, numbers, booleans and nulls are put in: nothing Jackson cannot write.
            throw new IllegalStateException("values could not be written as JSON", e);
        }
    }
}
