package dev.earnings.jdbc;

import java.time.Instant;
import java.util.Optional;

/**
 * One change, as the audit log recorded it in the change's own transaction. Entries are never
 * changed or removed.
 *
 * @param id the entry's id, increasing in the order entries were written
 * @param occurredAt when the change was made
 * @param actor who made it: the id of the {@link Caller} that asked, or {@code service} for the
 *     host's trusted calls that name no caller and for the library's own work
 * @param action what was done
 * @param targetType what was changed: {@code model}, {@code use}, {@code payout}, {@code schedule} (a
 *     period's run, as {@code name:period}) or {@code setting}
 * @param targetId which one: a model id, an eventId, a payout id or a setting's name
 * @param creatorId the creator the change concerns, when there is one
 * @param reason why, when one was given
 * @param before the values the change replaced, as a JSON object of ids and amounts; empty when
 *     nothing stood before
 * @param after the values the change left, as a JSON object
 */
public record AuditEntry(long id, Instant occurredAt, String actor, AuditAction action, String targetType,
        String targetId, Optional<String> creatorId, Optional<String> reason, Optional<String> before,
        Optional<String> after) {
}
