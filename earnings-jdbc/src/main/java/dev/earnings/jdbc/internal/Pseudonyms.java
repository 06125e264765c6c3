package dev.earnings.jdbc.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a creator sees instead of a user id: a stable keyed pseudonym, HMAC-SHA256 of the creator
 * and the user under the deployment's key. Keyed by the creator too, so that two creators who
 * compare their dashboards cannot tell that they share a user; keyed by a secret, so that nobody
 * without the key can hash candidate ids to find one. Sixty-four bits of the MAC are shown, so
 * that two of a creator's users share a pseudonym only with a chance of about n^2 / 2^65.
 */
public final class Pseudonyms {
    /** Bytes of the MAC shown: 8, that is 64 bits. */
    static final int SHOWN_BYTES = 8;

    private final SecretKeySpec key;

    /**
     * Creates the pseudonyms.
     *
     * @param key the deployment's key: the host's, or the generated one of {@link Settings#pseudonymKey()}
     */
    public Pseudonyms(byte[] key) {
        this.key = new SecretKeySpec(key, "HmacSHA256");
    }

    /**
     * The pseudonym of a user as one creator sees it.
     *
     * @param creatorId the creator who looks
     * @param userId the user
     * @return {@code anon-} and 16 hex digits
     */
    public String of(String creatorId, String userId) {
        return sequence().of(creatorId, userId);
    }

    /**
     * A maker of many pseudonyms, one after another on one thread: it keeps one MAC, where
     * {@link #of} looks one up for each pseudonym, which an export of millions of rows would feel.
     *
     * @return the maker, for one thread
     */
    public Sequence sequence() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return new Sequence(mac);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java runtime", e);
        }
    }

    /** Pseudonyms under one MAC; not thread-safe. */
    public static final class Sequence {
        private final Mac mac;

        private Sequence(Mac mac) {
            this.mac = mac;
        }

        /**
         * The pseudonym of a user as one creator sees it, the same as {@link Pseudonyms#of}.
         *
         * @param creatorId the creator who looks
         * @param userId the user
         * @return {@code anon-} and 16 hex digits
         */
        public String of(String creatorId, String userId) {
            byte[] creator = creatorId.getBytes(StandardCharsets.UTF_8);
            byte[] user = userId.getBytes(StandardCharsets.UTF_8);
            // Length-prefixed, so that no creator and user pair can be read as another pair.
            ByteBuffer input = ByteBuffer.allocate(4 + creator.length + user.length).putInt(creator.length).put(creator)
                    .put(user);
            byte[] digest = mac.doFinal(input.array());
            return "anon-" + HexFormat.of().formatHex(digest, 0, SHOWN_BYTES);
        }
    }
}
