package dev.earnings.jdbc.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a creator sees instead of a user id: a stable keyed pseudonym, HMAC-SHA256 of the user id
 * under the deployment's secret key, so the same user looks the same across dashboards but cannot
 * be reversed or guessed by hashing candidate ids.
 */
public final class Pseudonyms {
    private final SecretKeySpec key;

    /**
     * Creates the pseudonyms.
     *
     * @param key the deployment's key, from {@link Settings#pseudonymKey()}
     */
    public Pseudonyms(byte[] key) {
        this.key = new SecretKeySpec(key, "HmacSHA256");
    }

    /**
     * The pseudonym of a user.
     *
     * @param userId the user
     * @return {@code anon-} and 12 hex digits
     */
    public String of(String userId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] digest = mac.doFinal(userId.getBytes(StandardCharsets.UTF_8));
            StringBuilder out = new StringBuilder("anon-");
            for (int i = 0; i < 6; i++) {
                out.append(String.format("%02x", digest[i]));
            }
            return out.toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java runtime", e);
        }
    }
}
