package dev.earnings.jdbc.webhook;

import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.jdbc.EarningsEvent;
import dev.earnings.jdbc.internal.WebhookEnvelope;
import dev.earnings.jdbc.internal.WebhookSigning;
import dev.earnings.jdbc.webhook.WebhookSignatureException.Reason;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a receiver written in Java runs on each webhook request before acting on it: it proves the
 * request was signed with the shared secret, over this body and this timestamp, recently.
 *
 * <pre>{@code
 * WebhookVerifier verifier = WebhookVerifier.of(secret);   // once
 *
 * // per request, on the body's bytes exactly as received:
 * EarningsEvent event = verifier.verifyEvent(request.header(WebhookHeaders.TIMESTAMP),
 *         request.header(WebhookHeaders.SIGNATURE), body);   // or verify(...) and parse it yourself
 * if (!alreadyHandled(event.id())) { handle(event); }       // the same event may come again
 * // answer 2xx; on WebhookSignatureException answer 400 or 401 and handle nothing
 * }</pre>
 *
 * <p>The checks, in order: both headers present and well-formed; one of the header's {@code v1=}
 * values equal, compared in constant time, to the HMAC-SHA256 of the timestamp, a dot and the body
 * under the secret (or the {@linkplain #previousSecret previous secret}); the timestamp no further
 * than the tolerance from the verifier's clock, either way (default five minutes, bounds
 * included). The signature comes before the time, so a stale timestamp is only reported for a
 * request the sender really signed: a replay, or clocks apart. The exact format, for receivers in
 * other languages, is on {@link WebhookHeaders}.
 *
 * <p>Verification proves who sent a request and when, not that it is the first of its event:
 * within the tolerance a captured request can be sent again, and the sender itself repeats
 * events. Receivers deduplicate by the event's id.
 *
 * <p>Instances are immutable and thread-safe; the methods that configure return a new one.
 */
public final class WebhookVerifier {
    /** How far a request's timestamp may be from the verifier's clock, unless set otherwise. */
    public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

    /** The widest tolerance allowed; a wider one would let captured requests be replayed for longer. */
    public static final Duration MAX_TOLERANCE = Duration.ofHours(1);

    /** The longest signature header read: room for dozens of signatures, and a bound on the work. */
    public static final int MAX_SIGNATURE_HEADER_CHARS = 4096;

    /** The most digits of a timestamp: Unix seconds until the year 33658. */
    private static final int MAX_TIMESTAMP_DIGITS = 12;

    private static final HexFormat HEX = HexFormat.of();

    private final List<WebhookSigning> signings;
    private final Duration tolerance;
    private final Clock clock;

    private WebhookVerifier(List<WebhookSigning> signings, Duration tolerance, Clock clock) {
        this.signings = List.copyOf(signings);
        this.tolerance = tolerance;
        this.clock = clock;
    }

    /**
     * A verifier for one secret, with the default tolerance and the system clock.
     *
     * @param secret the secret shared with the sender, at least 32 bytes; copied
     * @return the verifier
     * @throws InvalidConfigurationException if the secret is shorter; the message gives its length only
     */
    public static WebhookVerifier of(byte[] secret) {
        return new WebhookVerifier(List.of(WebhookSigning.of("secret", secret)), DEFAULT_TOLERANCE, Clock.systemUTC());
    }

    /**
     * The same verifier, also accepting requests signed with the secret being replaced, while a
     * rotation is under way (the sender may sign with either, or both).
     *
     * @param previousSecret the secret being replaced, at least 32 bytes; copied
     * @return a new verifier accepting either secret
     * @throws InvalidConfigurationException if it is shorter; the message gives its length only
     */
    public WebhookVerifier previousSecret(byte[] previousSecret) {
        List<WebhookSigning> both = List.of(signings.get(0), WebhookSigning.of("previousSecret", previousSecret));
        return new WebhookVerifier(both, tolerance, clock);
    }

    /**
     * The same verifier with another tolerance: how far a request's timestamp may lie from the
     * clock, in the past or the future. Shorter narrows the window for replays; it must still
     * cover the clocks' difference and the time a request spends on the way.
     *
     * @param tolerance from 1 second to {@link #MAX_TOLERANCE}
     * @return a new verifier
     */
    public WebhookVerifier tolerance(Duration tolerance) {
        if (tolerance == null || tolerance.compareTo(Duration.ofSeconds(1)) < 0 || tolerance.compareTo(MAX_TOLERANCE) > 0) {
            throw new InvalidConfigurationException("tolerance", "tolerance is " + tolerance
                    + "; allowed: from 1 second to " + MAX_TOLERANCE.toMinutes() + " minutes");
        }
        return new WebhookVerifier(signings, tolerance, clock);
    }

    /**
     * The same verifier on another clock (default the system clock), such as a test's.
     *
     * @param clock the clock timestamps are compared with
     * @return a new verifier
     */
    public WebhookVerifier clock(Clock clock) {
        return new WebhookVerifier(signings, tolerance, Objects.requireNonNull(clock, "clock"));
    }

    /**
     * Checks one request, and returns normally only if it is genuine and recent.
     *
     * @param timestamp the {@value WebhookHeaders#TIMESTAMP} header's value, {@code null} when absent
     * @param signature the {@value WebhookHeaders#SIGNATURE} header's value, {@code null} when absent
     * @param body the request's body, byte for byte as received
     * @throws WebhookSignatureException if a check fails; its {@linkplain WebhookSignatureException#reason()
     *     reason} says which
     */
    public void verify(@Nullable String timestamp, @Nullable String signature, byte[] body) {
        Objects.requireNonNull(body, "body");
        long seconds = timestamp(timestamp);
        List<byte[]> candidates = signatures(signature);
        boolean matched = false;
        for (WebhookSigning signing : signings) {
            for (byte[] candidate : candidates) {
                // Every pair is compared, so the time taken does not tell which one matched.
                matched |= signing.matches(seconds, body, candidate);
            }
        }
        if (!matched) {
            throw new WebhookSignatureException(Reason.SIGNATURE_MISMATCH, WebhookHeaders.SIGNATURE
                    + " holds no signature of this timestamp and body under the verifier's secrets: the body, the"
                    + " timestamp or the signature was changed on the way, or the secrets differ");
        }
        long age = clock.instant().getEpochSecond() - seconds;
        if (age > tolerance.toSeconds()) {
            throw new WebhookSignatureException(Reason.TIMESTAMP_TOO_OLD, WebhookHeaders.TIMESTAMP + " is " + age
                    + " s in the past; allowed: at most " + tolerance.toSeconds() + " s (a replayed request, or clocks apart)");
        }
        if (-age > tolerance.toSeconds()) {
            throw new WebhookSignatureException(Reason.TIMESTAMP_IN_FUTURE, WebhookHeaders.TIMESTAMP + " is " + -age
                    + " s in the future; allowed: at most " + tolerance.toSeconds() + " s (clocks apart)");
        }
    }

    /**
     * Checks one request as {@link #verify} does, then reads the event its body carries.
     *
     * @param timestamp the {@value WebhookHeaders#TIMESTAMP} header's value, {@code null} when absent
     * @param signature the {@value WebhookHeaders#SIGNATURE} header's value, {@code null} when absent
     * @param body the request's body, byte for byte as received
     * @return the event, equal to the one the sender was given; its payload is the body's
     *     {@code data} object as sent
     * @throws WebhookSignatureException if a check fails, or, with reason
     *     {@link Reason#UNREADABLE_BODY}, if the genuine body is not an event this version reads,
     *     such as one of a type added later; a receiver that wants to acknowledge those calls
     *     {@link #verify} and reads the body itself
     */
    public EarningsEvent verifyEvent(@Nullable String timestamp, @Nullable String signature, byte[] body) {
        verify(timestamp, signature, body);
        try {
            return WebhookEnvelope.read(body);
        } catch (IllegalArgumentException e) {
            throw new WebhookSignatureException(Reason.UNREADABLE_BODY,
                    "the body is signed, but not an event this version reads: " + e.getMessage());
        }
    }

    /**
     * Names the tolerance; never the secret.
     *
     * @return a description for logs
     */
    @Override
    public String toString() {
        return "WebhookVerifier[tolerance " + tolerance.toSeconds() + " s, " + signings.size()
                + (signings.size() == 1 ? " secret]" : " secrets]");
    }

    private static long timestamp(@Nullable String header) {
        String value = header == null ? "" : header.strip();
        if (value.isEmpty()) {
            throw new WebhookSignatureException(Reason.MISSING_HEADER, WebhookHeaders.TIMESTAMP + " is missing");
        }
        if (value.length() > MAX_TIMESTAMP_DIGITS || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new WebhookSignatureException(Reason.MALFORMED_HEADER, WebhookHeaders.TIMESTAMP
                    + " is not Unix seconds; allowed: 1 to " + MAX_TIMESTAMP_DIGITS + " decimal digits");
        }
        return Long.parseLong(value);
    }

    private static List<byte[]> signatures(@Nullable String header) {
        String value = header == null ? "" : header.strip();
        if (value.isEmpty()) {
            throw new WebhookSignatureException(Reason.MISSING_HEADER, WebhookHeaders.SIGNATURE + " is missing");
        }
        if (value.length() > MAX_SIGNATURE_HEADER_CHARS) {
            throw new WebhookSignatureException(Reason.MALFORMED_HEADER, WebhookHeaders.SIGNATURE + " has "
                    + value.length() + " characters; allowed: at most " + MAX_SIGNATURE_HEADER_CHARS);
        }
        List<byte[]> signatures = new ArrayList<>(2);
        String prefix = WebhookSigning.SCHEME + "=";
        for (String part : value.split(",", -1)) {
            String entry = part.strip();
            String hex = entry.startsWith(prefix) ? entry.substring(prefix.length()) : "";
            if (hex.length() == 2 * WebhookSigning.SIGNATURE_BYTES && hex.chars().allMatch(HexFormat::isHexDigit)) {
                signatures.add(HEX.parseHex(hex));
            }
        }
        if (signatures.isEmpty()) {
            throw new WebhookSignatureException(Reason.MALFORMED_HEADER, WebhookHeaders.SIGNATURE + " holds no "
                    + prefix + " value of " + 2 * WebhookSigning.SIGNATURE_BYTES + " hex digits");
        }
        return signatures;
    }
}
