package dev.earnings.jdbc;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.AeadConfig2026;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import com.google.crypto.tink.prf.PredefinedPrfParameters;
import com.google.crypto.tink.prf.PrfConfig;
import com.google.crypto.tink.prf.PrfConfig2026;
import com.google.crypto.tink.prf.PrfSet;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

/**
 * A host's two key sets for encryption at rest, made with Tink as a host would make them, and
 * what the tests need to read stored rows independently of the library: the token a user id must
 * be stored as (16 bytes of the primary PRF, base64url) and the plain text of stored metadata.
 */
final class TestKeys {
    static {
        try {
            // Tink's key set builder creates keys through its registry, as hosts do.
            AeadConfig.register();
            PrfConfig.register();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final KeysetHandle metadata;
    final KeysetHandle userIds;

    private TestKeys(KeysetHandle metadata, KeysetHandle userIds) {
        this.metadata = metadata;
        this.userIds = userIds;
    }

    /** Fresh key sets of one key each: AES256_GCM for metadata, HMAC_SHA256_PRF for user ids. */
    static TestKeys generate() {
        try {
            return new TestKeys(KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM, AeadConfig2026.get()),
                    KeysetHandle.generateNew(PredefinedPrfParameters.HMAC_SHA256_PRF, PrfConfig2026.get()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** These key sets with a new primary key added to each; the old keys stay. */
    TestKeys rotated() {
        try {
            return new TestKeys(KeysetHandle.newBuilder(metadata).addEntry(KeysetHandle
                            .generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM).withRandomId().makePrimary()).build(),
                    KeysetHandle.newBuilder(userIds).addEntry(KeysetHandle
                            .generateEntryFromParameters(PredefinedPrfParameters.HMAC_SHA256_PRF).withRandomId().makePrimary())
                            .build());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The primary keys alone: the key sets after the older keys were dropped. */
    TestKeys primariesOnly() {
        try {
            return new TestKeys(KeysetHandle.newBuilder().addEntry(KeysetHandle.importKey(metadata.getPrimary().getKey())
                            .withFixedId(metadata.getPrimary().getId()).makePrimary()).build(),
                    KeysetHandle.newBuilder().addEntry(KeysetHandle.importKey(userIds.getPrimary().getKey())
                            .withFixedId(userIds.getPrimary().getId()).makePrimary()).build());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The id of the primary user-id key, unsigned, as {@code user_token_key} stores it. */
    long userKey() {
        return Integer.toUnsignedLong(userIds.getPrimary().getId());
    }

    /** The id of the primary metadata key, unsigned. */
    long metadataKey() {
        return Integer.toUnsignedLong(metadata.getPrimary().getId());
    }

    /** The token a user id is stored as under the primary user-id key. */
    String token(String userId) {
        try {
            PrfSet prf = userIds.getPrimitive(PrfConfig2026.get(), PrfSet.class);
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(prf.computePrimary(userId.getBytes(StandardCharsets.UTF_8), 16));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The plain text of metadata stored for eventId. */
    String decrypt(String stored, String eventId) {
        try {
            return new String(metadata.getPrimitive(AeadConfig2026.get(), Aead.class).decrypt(Base64.getDecoder().decode(stored),
                    eventId.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("stored metadata of " + eventId + " does not decrypt", e);
        }
    }
}
