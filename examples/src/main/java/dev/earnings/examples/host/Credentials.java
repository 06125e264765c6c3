package dev.earnings.examples.host;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The bearer credentials the app accepts: the demo sign-ins of people, and the service
 * credential of the host's own backend, which alone may record uses.
 *
 * <p>Only SHA-256 digests are kept, and a presented token is compared with every one of them by
 * {@link MessageDigest#isEqual}, without stopping at a match: how long a check takes says nothing
 * about how much of a guess was right, nor which entry it matched. A real host verifies a session,
 * a JWT or its secret store here, and keeps its service credential out of the source.
 *
 * <p>Public so that the Spring Boot example signs in with the same demo tokens, checked the same
 * way, as this app.
 */
public final class Credentials {
    /** What a signed-in principal is. */
    public enum Role {
        /** An end user of the platform: uses models, has no analytics. */
        USER,
        /** A model creator: reads their own analytics. */
        CREATOR,
        /** An admin: reads everything and manages payouts. */
        ADMIN,
        /** The host's backend, which served a model and records the use: tracking only. */
        SERVICE
    }

    /**
     * Who a credential belongs to.
     *
     * @param id the principal's id: a user id, a creator id, an admin's name, a service's name
     * @param role what the principal is
     */
    public record Principal(String id, Role role) {
    }

    private record Entry(byte[] digest, Principal principal) {
    }

    /** The demo credentials, token to principal; printed at start. */
    static final Map<String, Principal> DEMO = demoTokens();

    private final List<Entry> entries;

    private Credentials(Map<String, Principal> tokens) {
        this.entries = tokens.entrySet().stream().map(e -> new Entry(sha256(e.getKey()), e.getValue())).toList();
    }

    /**
     * The demo credentials: {@code demo-user} (an end user), {@code demo-ada} and {@code demo-lin}
     * (creators), {@code demo-admin} and {@code demo-backend} (the service credential).
     *
     * @return the credentials
     */
    public static Credentials demo() {
        return new Credentials(DEMO);
    }

    private static Map<String, Principal> demoTokens() {
        Map<String, Principal> tokens = new LinkedHashMap<>();
        tokens.put("demo-user", new Principal("user-42", Role.USER));
        tokens.put("demo-ada", new Principal("ada", Role.CREATOR));
        tokens.put("demo-lin", new Principal("lin", Role.CREATOR));
        tokens.put("demo-admin", new Principal("admin-1", Role.ADMIN));
        tokens.put("demo-backend", new Principal("inference-backend", Role.SERVICE));
        return Collections.unmodifiableMap(tokens);
    }

    /**
     * The principal a presented token belongs to.
     *
     * @param presented the token as sent
     * @return the principal, or empty if no credential matches
     */
    public Optional<Principal> verify(String presented) {
        byte[] digest = sha256(presented);
        Principal match = null;
        for (Entry entry : entries) {
            // Every entry is compared, matched or not, so the time taken does not depend on which.
            if (MessageDigest.isEqual(entry.digest(), digest)) {
                match = entry.principal();
            }
        }
        return Optional.ofNullable(match);
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
