package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.internal.Checks;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Which audit entries to list, newest first: all of them, or those of one actor, action, target
 * or time range, a page at a time. Immutable; start from {@link #all()}.
 *
 * <pre>{@code
 * AuditQuery.all().actor("ops-anna").action(AuditAction.USE_REVERSED)
 *         .between(Instant.parse("2026-03-01T00:00:00Z"), Instant.parse("2026-04-01T00:00:00Z")).page(0, 100);
 * }</pre>
 *
 * @param actor only this actor's entries
 * @param action only entries of this action
 * @param targetType only entries about targets of this type ({@code model}, {@code use},
 *     {@code payout}, {@code setting})
 * @param targetId only entries about this target (with its type)
 * @param from only entries at or after this time
 * @param to only entries before this time
 * @param page the page, from 0
 * @param pageSize entries per page, 1 to {@value #MAX_PAGE_SIZE}
 */
public record AuditQuery(Optional<String> actor, Optional<AuditAction> action, Optional<String> targetType,
        Optional<String> targetId, Optional<Instant> from, Optional<Instant> to, int page, int pageSize) {
    /** The largest page. */
    public static final int MAX_PAGE_SIZE = 1_000;
    /** The last page that may be asked for. */
    public static final int MAX_PAGE = 1_000_000;

    /**
     * Checks every part.
     *
     * @param actor the actor filter
     * @param action the action filter
     * @param targetType the target type filter
     * @param targetId the target filter
     * @param from the start of the time range
     * @param to the end of the time range
     * @param page the page
     * @param pageSize the page size
     */
    public AuditQuery {
        for (Optional<?> part : java.util.List.of(actor, action, targetType, targetId, from, to)) {
            if (part == null) {
                throw new InvalidInputException("query", "a filter is null; allowed: Optional.empty() or a value");
            }
        }
        actor.ifPresent(a -> Checks.requireId("actor", a));
        targetType.ifPresent(t -> Checks.requireId("targetType", t));
        targetId.ifPresent(t -> Checks.requireId("targetId", t));
        if (targetId.isPresent() && targetType.isEmpty()) {
            throw new InvalidInputException("targetId", "targetId is given without targetType; allowed: both, as in"
                    + " target(\"payout\", \"42\")");
        }
        if (from.isPresent() && to.isPresent() && !to.get().isAfter(from.get())) {
            throw new InvalidInputException("to", "to is " + to.get() + ", not after from " + from.get()
                    + "; allowed: a time range with from before to");
        }
        if (page < 0 || page > MAX_PAGE) {
            throw new InvalidInputException("page", "page is " + page + "; allowed: 0 to " + MAX_PAGE);
        }
        if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw new InvalidInputException("pageSize", "pageSize is " + pageSize + "; allowed: 1 to " + MAX_PAGE_SIZE);
        }
    }

    /**
     * Every entry, newest first, 100 a page.
     *
     * @return the query
     */
    public static AuditQuery all() {
        return new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), 0, 100);
    }

    /**
     * Only one actor's entries.
     *
     * @param actor the actor's id
     * @return the query
     */
    public AuditQuery actor(String actor) {
        return new AuditQuery(Optional.ofNullable(actor).or(() -> Optional.of("")), action, targetType, targetId, from, to,
                page, pageSize);
    }

    /**
     * Only one action's entries.
     *
     * @param action the action
     * @return the query
     */
    public AuditQuery action(AuditAction action) {
        if (action == null) {
            throw new InvalidInputException("action", "action is missing; allowed: an AuditAction");
        }
        return new AuditQuery(actor, Optional.of(action), targetType, targetId, from, to, page, pageSize);
    }

    /**
     * Only the entries about one target.
     *
     * @param type the target's type: {@code model}, {@code use}, {@code payout} or {@code setting}
     * @param id the model id, eventId, payout id or setting name
     * @return the query
     */
    public AuditQuery target(String type, String id) {
        return new AuditQuery(actor, action, Optional.ofNullable(type).or(() -> Optional.of("")),
                Optional.ofNullable(id).or(() -> Optional.of("")), from, to, page, pageSize);
    }

    /**
     * Only the entries of a time range.
     *
     * @param from the first instant, or {@code null} for no start
     * @param to the instant after the last, or {@code null} for no end
     * @return the query
     */
    public AuditQuery between(@Nullable Instant from, @Nullable Instant to) {
        return new AuditQuery(actor, action, targetType, targetId, Optional.ofNullable(from), Optional.ofNullable(to), page,
                pageSize);
    }

    /**
     * Another page.
     *
     * @param page the page, from 0
     * @param pageSize entries per page, 1 to {@value #MAX_PAGE_SIZE}
     * @return the query
     */
    public AuditQuery page(int page, int pageSize) {
        return new AuditQuery(actor, action, targetType, targetId, from, to, page, pageSize);
    }
}
