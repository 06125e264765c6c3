package dev.earnings.examples.host;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Where the app's webhooks go, signed with which secret, and how often a failing one is tried.
 *
 * <p>By default the app posts every event to its own receiver ({@value #RECEIVER_PATH}) under a
 * secret made at start: the example shows both ends of a webhook in one process. A host that has
 * a receiver elsewhere names it, as the JDK server's settings are named, with a system property,
 * and gives the secret it shares with that receiver in an environment variable (a command line is
 * visible to every user of the machine):
 * <pre>{@code
 * EARNINGS_HOST_WEBHOOK_SECRET=<64 or more hex digits> mvn ... -Dearnings.host.webhookUrl=https://hooks.example.com/earnings
 * }</pre>
 */
final class WebhookSettings {
    /** Where the app's own receiver takes webhooks. */
    static final String RECEIVER_PATH = "/webhooks/earnings";
    /** The system property naming a receiver elsewhere. */
    static final String URL_PROPERTY = "earnings.host.webhookUrl";
    /** The environment variable holding the secret, as hex, for a receiver elsewhere. */
    static final String SECRET_VARIABLE = "EARNINGS_HOST_WEBHOOK_SECRET";
    /** Attempts of an event before it is a dead letter; the waits between them double from 1 s to 1 min. */
    static final int ATTEMPTS = 5;
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
    private static final int SECRET_BYTES = 32;

    private final @Nullable URI endpoint;
    private final byte[] secret;
    private final int maxAttempts;
    private final Duration firstBackoff;
    private final Duration maxBackoff;

    WebhookSettings(@Nullable URI endpoint, byte[] secret, int maxAttempts, Duration firstBackoff, Duration maxBackoff) {
        this.endpoint = endpoint;
        this.secret = secret.clone();
        this.maxAttempts = maxAttempts;
        this.firstBackoff = firstBackoff;
        this.maxBackoff = maxBackoff;
    }

    /** The app's own receiver, under a secret made now, with the default retries. */
    static WebhookSettings builtIn() {
        byte[] secret = new byte[SECRET_BYTES];
        new SecureRandom().nextBytes(secret);
        return new WebhookSettings(null, secret, ATTEMPTS, FIRST_BACKOFF, MAX_BACKOFF);
    }

    /**
     * The settings the operator gave: a receiver elsewhere if {@value #URL_PROPERTY} names one, with
     * the secret in {@value #SECRET_VARIABLE}; otherwise the built-in receiver.
     *
     * @param property reads a system property, {@code null} when unset
     * @param environment reads an environment variable, {@code null} when unset
     * @throws IllegalArgumentException if a URL is given without a secret, or the secret is not
     *     hex of at least 32 bytes; the message never quotes the secret
     */
    static WebhookSettings of(Function<String, @Nullable String> property, Function<String, @Nullable String> environment) {
        String url = property.apply(URL_PROPERTY);
        if (url == null || url.isBlank()) {
            return builtIn();
        }
        String hex = environment.apply(SECRET_VARIABLE);
        if (hex == null || hex.isBlank()) {
            throw new IllegalArgumentException(URL_PROPERTY + " names a receiver, but " + SECRET_VARIABLE
                    + " holds no secret to share with it; set it to 64 or more hex digits");
        }
        byte[] secret;
        try {
            secret = HexFormat.of().parseHex(hex.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(SECRET_VARIABLE + " is not hex; allowed: 64 or more hex digits", e);
        }
        if (secret.length < SECRET_BYTES) {
            throw new IllegalArgumentException(SECRET_VARIABLE + " holds " + secret.length + " bytes; allowed: "
                    + SECRET_BYTES + " or more (64 or more hex digits)");
        }
        return new WebhookSettings(URI.create(url.strip()), secret, ATTEMPTS, FIRST_BACKOFF, MAX_BACKOFF);
    }

    /** The receiver elsewhere; empty for the app's own. */
    Optional<URI> endpoint() {
        return Optional.ofNullable(endpoint);
    }

    /** The shared secret; a copy. */
    byte[] secret() {
        return secret.clone();
    }

    int maxAttempts() {
        return maxAttempts;
    }

    Duration firstBackoff() {
        return firstBackoff;
    }

    Duration maxBackoff() {
        return maxBackoff;
    }

    /** Names the receiver; never the secret. */
    @Override
    public String toString() {
        return "WebhookSettings[" + (endpoint == null ? "the app's own receiver" : "a receiver elsewhere") + ", "
                + maxAttempts + " attempts]";
    }
}
