package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.internal.Checks;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A payout to reserve: who, how much, under which reference, and an optional note. Immutable;
 * start from {@link #of(String, long, String)}.
 *
 * <pre>{@code
 * PayoutRequest.of("creator-ada", 2_500, "2026-03-ada").note("March");   // $25.00
 * }</pre>
 *
 * @param creatorId the creator to pay
 * @param amountMinor the amount in minor units (cents for USD), 1 or more
 * @param reference the host's reference, 1 to 128 characters, unique per creator: the same
 *     reference and amount again return the original payout, so a retried request never pays twice
 * @param note a note kept with the payout, up to {@value #MAX_TEXT} characters
 */
public record PayoutRequest(String creatorId, long amountMinor, String reference, Optional<String> note) {
    /** The longest note or reason, in characters. */
    public static final int MAX_TEXT = 2000;

    /**
     * Checks every part.
     *
     * @param creatorId the creator
     * @param amountMinor the amount in minor units
     * @param reference the reference
     * @param note the note
     */
    public PayoutRequest {
        Checks.requireId("creatorId", creatorId);
        if (amountMinor < 1) {
            throw new InvalidInputException("amountMinor", "amountMinor is " + amountMinor
                    + "; allowed: a whole number of minor units, 1 or more");
        }
        Checks.requireId("reference", reference);
        if (note == null) {
            throw new InvalidInputException("note", "note is missing; allowed: Optional.empty() or a note");
        }
        note.ifPresent(text -> requireText("note", text));
    }

    /**
     * A payout without a note.
     *
     * @param creatorId the creator to pay
     * @param amountMinor the amount in minor units, 1 or more
     * @param reference the host's reference, unique per creator
     * @return the request
     */
    public static PayoutRequest of(String creatorId, long amountMinor, String reference) {
        return new PayoutRequest(creatorId, amountMinor, reference, Optional.empty());
    }

    /**
     * The same payout with a note.
     *
     * @param note up to {@value #MAX_TEXT} characters, or {@code null} for none
     * @return the request
     */
    public PayoutRequest note(@Nullable String note) {
        return new PayoutRequest(creatorId, amountMinor, reference, Optional.ofNullable(note));
    }

    /**
     * Checks a note or reason: at most {@value #MAX_TEXT} code points, and nothing a database
     * would refuse or store differently (NUL, other control characters but tab and line breaks,
     * unpaired surrogates), so that the text stored and shown is the text given, on either database.
     */
    static void requireText(String field, @Nullable String text) {
        if (text == null) {
            return;
        }
        if (text.codePointCount(0, text.length()) > MAX_TEXT) {
            throw new InvalidInputException(field, field + " is longer than " + MAX_TEXT + " characters; allowed: at most "
                    + MAX_TEXT);
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c) ? i + 1 < text.length() && Character.isLowSurrogate(text.charAt(++i))
                    : !Character.isLowSurrogate(c);
            if (!paired || Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') {
                throw new InvalidInputException(field, field + " holds " + (paired ? "the control character U+"
                        + String.format("%04X", (int) c) : "an unpaired surrogate") + " at index " + i
                        + "; allowed: text without control characters (tab and line breaks are fine) or unpaired surrogates");
            }
        }
    }
}
