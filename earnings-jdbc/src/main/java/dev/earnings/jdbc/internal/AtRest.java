package dev.earnings.jdbc.internal;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.aead.AeadConfig2026;
import com.google.crypto.tink.prf.Prf;
import com.google.crypto.tink.prf.PrfConfig2026;
import com.google.crypto.tink.prf.PrfSet;
import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.jdbc.StorageException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What of a use's user id and metadata reaches the database: as given, or, with the host's key
 * sets, the user id as a keyed token and the metadata encrypted. Owner of the stored forms of
 * {@code model_usage_logs.user_id}, {@code .user_token_key} and {@code .metadata}, and of
 * {@code model_daily_users.user_id}.
 *
 * <ul>
 *   <li><b>User ids</b> become tokens: 16 bytes of a Tink PRF of the id's UTF-8 under the primary
 *       key of the user-id key set, base64url without padding (22 characters). A PRF is
 *       deterministic, so one user has one token and the database still counts unique users,
 *       and keyed, so nobody without the key can compute the token of a candidate id. Sixteen
 *       bytes because every PRF Tink offers (AES-CMAC too) gives that many; two users then share a
 *       token with a chance of about n^2 / 2^129. The id of the key that made a token is stored
 *       beside it ({@code user_token_key}, unsigned; {@code NULL} when the user id is stored
 *       plain), so a replay of a use recorded under an older key computes the token under that
 *       key.
 *   <li><b>Metadata</b> is encrypted with the metadata key set's AEAD under its primary key, the
 *       eventId as associated data, and stored as base64 of Tink's ciphertext, which begins with
 *       the id of the key that made it: after a new primary key is added, old rows still decrypt.
 *       A ciphertext copied to another row does not decrypt there. Plain stored metadata is always
 *       a JSON object, starting with <code>{</code>, which base64 never does, so plain rows written
 *       before encryption was turned on stay readable.
 * </ul>
 *
 * <p>Without key sets, everything is stored as given, as before this class existed.
 */
public final class AtRest {
    /** Bytes of PRF output in a user token: 16, the most that every Tink PRF gives. */
    static final int TOKEN_BYTES = 16;

    private static final AtRest PLAIN = new AtRest(null, Map.of(), 0, Set.of(), false);

    private static final Base64.Encoder TOKEN_TEXT = Base64.getUrlEncoder().withoutPadding();

    private final @Nullable Aead aead;
    /** The user-id key set's PRFs by unsigned key id. */
    private final Map<Long, Prf> prfs;
    private final long primaryUserKey;
    /** Unsigned ids of the metadata key set's keys, to name a missing key in a message. */
    private final Set<Long> metadataKeyIds;
    /** Whether the metadata key set has a key whose ciphertexts carry no key id (Tink's RAW). */
    private final boolean rawMetadataKeys;

    /**
     * The stored form of a user id.
     *
     * @param value the plain id, or its token
     * @param key the unsigned id of the key that made the token, or {@code null} for a plain id
     */
    public record StoredUser(String value, @Nullable Long key) {
    }

    private AtRest(@Nullable Aead aead, Map<Long, Prf> prfs, long primaryUserKey, Set<Long> metadataKeyIds,
            boolean rawMetadataKeys) {
        this.aead = aead;
        this.prfs = prfs;
        this.primaryUserKey = primaryUserKey;
        this.metadataKeyIds = metadataKeyIds;
        this.rawMetadataKeys = rawMetadataKeys;
    }

    /**
     * Storage as given: no key sets.
     *
     * @return the plain storage
     */
    public static AtRest plain() {
        return PLAIN;
    }

    /**
     * Storage under the host's key sets, checked at once.
     *
     * @param metadataKeys a Tink key set of AEAD keys
     * @param userIdKeys a Tink key set of PRF keys
     * @return the storage
     * @throws InvalidConfigurationException if a key set is missing or does not hold keys of its kind
     */
    public static AtRest of(@Nullable KeysetHandle metadataKeys, @Nullable KeysetHandle userIdKeys) {
        if (metadataKeys == null || userIdKeys == null) {
            throw new InvalidConfigurationException("encryption", "encryption needs two key sets, and the "
                    + (metadataKeys == null ? "metadata" : "user-id") + " key set is missing; allowed: a Tink key set of"
                    + " AEAD keys (such as AES256_GCM) for metadata and one of PRF keys (such as HMAC_SHA256_PRF) for user ids");
        }
        Aead aead;
        try {
            aead = metadataKeys.getPrimitive(AeadConfig2026.get(), Aead.class);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new InvalidConfigurationException("encryption", "the metadata key set does not give an AEAD (it holds "
                    + kinds(metadataKeys) + "); allowed: a Tink key set of AEAD keys with a primary key, such as AES256_GCM");
        }
        Set<Long> metadataKeyIds = new HashSet<>();
        boolean raw = false;
        for (int i = 0; i < metadataKeys.size(); i++) {
            KeysetHandle.Entry entry = metadataKeys.getAt(i);
            metadataKeyIds.add(Integer.toUnsignedLong(entry.getId()));
            raw |= entry.getKey().getIdRequirementOrNull() == null;
        }
        Map<Long, Prf> prfs = new HashMap<>();
        long primary;
        try {
            PrfSet set = userIdKeys.getPrimitive(PrfConfig2026.get(), PrfSet.class);
            for (Map.Entry<Integer, Prf> e : set.getPrfs().entrySet()) {
                // Every key must give a token's length: a key that cannot would fail only on the
                // first replay of a use it tokenized.
                e.getValue().compute(new byte[] {0}, TOKEN_BYTES);
                prfs.put(Integer.toUnsignedLong(e.getKey()), e.getValue());
            }
            primary = Integer.toUnsignedLong(set.getPrimaryId());
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new InvalidConfigurationException("encryption", "the user-id key set does not give a PRF of "
                    + TOKEN_BYTES + " bytes (it holds " + kinds(userIdKeys) + "); allowed: a Tink key set of PRF keys with"
                    + " a primary key, such as HMAC_SHA256_PRF");
        }
        return new AtRest(aead, Map.copyOf(prfs), primary, Set.copyOf(metadataKeyIds), raw);
    }

    /**
     * Whether key sets are configured.
     *
     * @return {@code true} with key sets
     */
    public boolean encrypts() {
        return aead != null;
    }

    /**
     * The stored form of a user id: its token under the primary key, or the id itself.
     *
     * @param userId the user id
     * @return the stored form
     */
    public StoredUser user(String userId) {
        if (aead == null) {
            return new StoredUser(userId, null);
        }
        return new StoredUser(token(primaryUserKey, userId), primaryUserKey);
    }

    /**
     * The stored form of metadata: encrypted, or as given.
     *
     * @param json the metadata as it will be stored, or {@code null}
     * @param eventId the use's eventId, the associated data
     * @return the stored form, or {@code null} for no metadata
     * @throws StorageException if the key set cannot encrypt
     */
    public @Nullable String metadata(@Nullable String json, String eventId) {
        if (json == null || aead == null) {
            return json;
        }
        try {
            return Base64.getEncoder().encodeToString(aead.encrypt(json.getBytes(StandardCharsets.UTF_8),
                    eventId.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new StorageException("could not encrypt the metadata of eventId " + eventId + " ("
                    + e.getClass().getSimpleName() + ")", e, false);
        }
    }

    /**
     * Whether a recorded use's stored user id is the given user's.
     *
     * @param eventId the recorded use's eventId, for messages
     * @param stored its stored user id
     * @param key the key that made its token, or {@code null} when it is stored plain
     * @param userId the user id of the request
     * @param prepared the request's stored form, computed before the first attempt
     * @return whether they are the same user
     * @throws StorageException if the row's token was made by a key that is not configured
     */
    public boolean sameUser(String eventId, String stored, @Nullable Long key, String userId, StoredUser prepared) {
        if (key == null) {
            return stored.equals(userId);
        }
        if (key.equals(prepared.key())) {
            return stored.equals(prepared.value());
        }
        if (aead == null) {
            throw unreadable(eventId, "its user id is stored as a token, and no key sets are configured;"
                    + " allowed: configure encryption(...) with the key sets the rows were written with", null);
        }
        if (!prfs.containsKey(key)) {
            throw unreadable(eventId, "its user id's token was made by key " + key + ", which the configured user-id"
                    + " key set lacks; allowed: a key set that keeps every key that made stored tokens", null);
        }
        return stored.equals(token(key, userId));
    }

    /**
     * Whether a recorded use's stored metadata is the request's.
     *
     * @param eventId the recorded use's eventId, the associated data
     * @param stored its stored metadata, or {@code null}
     * @param json the request's metadata as it would be stored, or {@code null}
     * @param prepared the request's stored form, computed before the first attempt
     * @return whether they are the same
     * @throws StorageException if the stored metadata is encrypted and does not decrypt
     */
    public boolean sameMetadata(String eventId, @Nullable String stored, @Nullable String json, @Nullable String prepared) {
        if (stored == null || json == null) {
            return stored == null && json == null;
        }
        if (stored.equals(prepared)) {
            // This call's own ciphertext (an attempt that committed) or the same plain text.
            return true;
        }
        return json.equals(open(eventId, stored));
    }

    /**
     * The plain text of stored metadata.
     *
     * @param eventId the use's eventId, the associated data
     * @param stored the stored metadata
     * @return the JSON
     * @throws StorageException if it is encrypted and does not decrypt
     */
    public String open(String eventId, String stored) {
        if (stored.startsWith("{")) {
            return stored;
        }
        if (aead == null) {
            throw unreadable(eventId, "its metadata is encrypted, and no key sets are configured; allowed: configure"
                    + " encryption(...) with the key sets the rows were written with", null);
        }
        byte[] ciphertext;
        try {
            ciphertext = Base64.getDecoder().decode(stored);
        } catch (IllegalArgumentException e) {
            throw unreadable(eventId, "its metadata is neither JSON nor base64 ciphertext", e);
        }
        try {
            return new String(aead.decrypt(ciphertext, eventId.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            Long key = keyIdOf(ciphertext);
            if (key != null && !metadataKeyIds.contains(key)) {
                throw unreadable(eventId, "its metadata was encrypted with key " + key + ", which the configured"
                        + " metadata key set lacks; allowed: a key set that keeps every key that encrypted stored rows", e);
            }
            throw unreadable(eventId, "its metadata does not decrypt as this row's: the ciphertext was made for another"
                    + " row (eventId) or altered", e);
        }
    }

    /**
     * The id of the key a Tink ciphertext names, or {@code null} when it cannot be told. Read by
     * hand because Tink has no call that says which key a ciphertext names; its wire format is
     * documented and fixed: a TINK prefix is byte 1 and the key id in four bytes big-endian, a
     * LEGACY or CRUNCHY one byte 0 and the same. With RAW keys in the set a ciphertext has no
     * prefix, so its first bytes say nothing.
     */
    private @Nullable Long keyIdOf(byte[] ciphertext) {
        if (rawMetadataKeys || ciphertext.length < 5 || (ciphertext[0] != 0 && ciphertext[0] != 1)) {
            return null;
        }
        return ((ciphertext[1] & 0xFFL) << 24) | ((ciphertext[2] & 0xFFL) << 16) | ((ciphertext[3] & 0xFFL) << 8)
                | (ciphertext[4] & 0xFFL);
    }

    /**
     * What keys a key set holds, for a message: each key's parameters (algorithm, sizes, prefix),
     * which Tink writes without key material, and which one is primary. Never Tink's exception
     * messages, which may print a key object.
     */
    private static String kinds(KeysetHandle keys) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < keys.size(); i++) {
            KeysetHandle.Entry entry = keys.getAt(i);
            text.append(i == 0 ? "" : "; ").append(entry.getKey().getParameters()).append(entry.isPrimary() ? ", primary" : "");
        }
        return text.length() == 0 ? "no keys" : text.toString();
    }

    private String token(long key, String userId) {
        try {
            return TOKEN_TEXT.encodeToString(prfs.get(key).compute(userId.getBytes(StandardCharsets.UTF_8), TOKEN_BYTES));
        } catch (GeneralSecurityException e) {
            throw new StorageException("could not compute a user token (" + e.getClass().getSimpleName() + ")", e, false);
        }
    }

    private static StorageException unreadable(String eventId, String why, @Nullable Throwable cause) {
        String message = "could not read the recorded use of eventId " + eventId + ": " + why;
        return new StorageException(message, cause != null ? cause : new GeneralSecurityException(why), false);
    }
}
