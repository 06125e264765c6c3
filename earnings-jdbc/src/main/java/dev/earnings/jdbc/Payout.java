package dev.earnings.jdbc;

import dev.earnings.core.Money;
import java.time.Instant;
import java.util.Optional;

/**
 * A payout to a creator, as stored in {@code earnings_transactions}.
 *
 * @param id the payout's id
 * @param creatorId the creator paid
 * @param reference the host's reference, unique per creator; creating with it again returns this payout
 * @param amountMinor the amount in minor units of the currency (cents for USD)
 * @param amount the same amount as money
 * @param status where it stands
 * @param note the note given at creation, if any
 * @param createdAt when it was created
 * @param createdBy who created it
 * @param updatedAt when its status last changed (its creation, while pending)
 * @param updatedBy who changed it last
 * @param statusReason why it last changed, if given
 */
public record Payout(long id, String creatorId, String reference, long amountMinor, Money amount, PayoutStatus status,
        Optional<String> note, Instant createdAt, String createdBy, Instant updatedAt, String updatedBy,
        Optional<String> statusReason) {
}
