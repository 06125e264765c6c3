package dev.earnings.jdbc;

import java.time.Instant;
import java.util.Optional;

/**
 * One change in a payout's life: its creation or its one transition.
 *
 * @param from the status before, empty for the creation
 * @param to the status after
 * @param actor who made the change
 * @param at when
 * @param reason why, when given (the note, at creation)
 */
public record PayoutEvent(Optional<PayoutStatus> from, PayoutStatus to, String actor, Instant at, Optional<String> reason) {
}
