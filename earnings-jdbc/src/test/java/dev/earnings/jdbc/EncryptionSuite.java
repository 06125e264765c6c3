package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.aead.AeadConfig2026;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import com.google.crypto.tink.prf.PredefinedPrfParameters;
import com.google.crypto.tink.prf.PrfConfig2026;
import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.core.ModelPricing;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Encryption at rest: what reaches the database with the host's key sets, what a reader of the
 * database cannot learn from it, and that replays, counts, dashboards and the integrity check keep
 * working across a key rotation and across turning encryption on and off. The suite's library
 * instance encrypts with key sets of its own ({@link TestKeys}); the other suites run whole with
 * encryption on too ({@code *EncryptedUsageRecordingTest} and the like).
 */
abstract class EncryptionSuite extends DatabaseSuite {
    static final Instant START = Instant.parse("2026-03-10T12:00:00Z");
    static final LocalDate DAY = LocalDate.ofInstant(START, ZoneOffset.UTC);

    /** A fresh database of this suite's kind, without key sets. */
    abstract TestDatabase openPlainDatabase();

    @Override
    TestDatabase openDatabase() {
        return openPlainDatabase().encrypted(TestKeys.generate());
    }

    @Override
    Instant start() {
        return START;
    }

    private static Map<String, Object> metadata(String caption) {
        return Map.of("caption", caption, "steps", 314159265, "nested", Map.of("seedling", "seedling-" + caption));
    }

    /** Every text a plain-SQL reader sees of a model's rows: usage rows and daily users, all columns. */
    private List<String> storedTexts(TestDatabase on, String modelId) {
        List<String> texts = new ArrayList<>();
        for (String table : List.of("model_usage_logs", "model_daily_users")) {
            on.jdbi.useHandle(h -> h.createQuery("SELECT * FROM " + on.table(table) + " WHERE model_id = ?").bind(0, modelId)
                    .map((rs, ctx) -> {
                        for (int c = 1; c <= rs.getMetaData().getColumnCount(); c++) {
                            texts.add(String.valueOf(rs.getObject(c)));
                        }
                        return null;
                    }).list());
        }
        return texts;
    }

    private Map<String, Object> row(TestDatabase on, String eventId) {
        return on.jdbi.withHandle(h -> h.createQuery("SELECT user_id, user_token_key, metadata, self_use FROM "
                + on.table("model_usage_logs") + " WHERE event_id = ?").bind(0, eventId).mapToMap().one());
    }

    private long uniqueUsers(Earnings on, String modelId) {
        return on.analytics().modelReport(Caller.admin("auditor"), modelId, ReportPeriod.between(DAY, DAY.plusDays(1)), Granularity.DAY)
                .uniqueUsers();
    }

    // ------------------------------------------------------------------ what is stored

    /**
     * Guards the attack: user ids and metadata sat in the database as given. On every path (one
     * use, a batch, the recorder) the stored bytes hold neither the user id nor any text of the
     * metadata, keys included; the user id is its token under the primary key, which is named
     * beside it, and the metadata decrypts, with the eventId, to its canonical JSON.
     */
    @Test
    void storedRows_holdNeitherTheUserIdNorAnyMetadataText_onEveryPath() throws Exception {
        String modelId = newModel("creator-plain-7", ModelPricing.of("0.01", "0.0001"));
        String user = "user-SECRET-4c1d";
        List<String> eventIds = new ArrayList<>();
        eventIds.add(earnings.logModelUsage(user, modelId, 10, "chat", metadata("CAPTION-one")).eventId());
        eventIds.add(earnings.logModelUsageBatch(List.of(UsageRequest.builder(user, modelId).tokensConsumed(20)
                .usageType("chat").metadata(metadata("CAPTION-two")).build())).items().get(0).use().orElseThrow().eventId());
        try (AsyncRecorder recorder = earnings.asyncRecorder(AsyncRecorder.Options.defaults())) {
            eventIds.add(recorder.logModelUsage(user, modelId, 30, "chat", metadata("CAPTION-three"))
                    .get(30, TimeUnit.SECONDS).eventId());
        }
        // The creator's own use: self-use is decided on the plain id, before it becomes a token.
        RecordedUse own = earnings.logModelUsage("creator-plain-7", modelId, 5, "chat", null);
        assertThat(own.useOrdinal()).isEmpty();
        assertThat(own.userId()).isEqualTo("creator-plain-7");
        assertThat(row(db, own.eventId())).containsEntry("self_use", true)
                .containsEntry("user_id", db.keys().token("creator-plain-7"));

        List<String> texts = storedTexts(db, modelId);
        assertThat(texts).hasSizeGreaterThan(4 * 20);
        // Creator ids stay plain by design (reports group by them): the creator's own use shows
        // in creator_id, never in user_id, checked above.
        for (String secret : List.of(user, "SECRET", "CAPTION", "caption", "314159265", "steps", "seedling")) {
            assertThat(texts).as("stored texts holding %s", secret).noneMatch(text -> text.contains(secret));
        }
        String[] captions = {"CAPTION-one", "CAPTION-two", "CAPTION-three"};
        for (int i = 0; i < eventIds.size(); i++) {
            Map<String, Object> stored = row(db, eventIds.get(i));
            assertThat(stored.get("user_id")).isEqualTo(db.keys().token(user));
            assertThat(((Number) stored.get("user_token_key")).longValue()).isEqualTo(db.keys().userKey());
            String ciphertext = (String) stored.get("metadata");
            assertThat(Base64.getDecoder().decode(ciphertext)[0]).as("Tink's prefix version byte").isEqualTo((byte) 1);
            assertThat(db.keys().decrypt(ciphertext, eventIds.get(i))).isEqualTo("{\"caption\":\"" + captions[i]
                    + "\",\"nested\":{\"seedling\":\"seedling-" + captions[i] + "\"},\"steps\":314159265}");
        }
        // Unique users count tokens: one user, and the creator.
        assertThat(uniqueUsers(earnings, modelId)).isEqualTo(2);
        assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    /** The same metadata twice is two different ciphertexts: AEAD encryption is randomized. */
    @Test
    void sameMetadata_isStoredAsDifferentCiphertexts_andBothReplay() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0"));
        UsageRequest first = UsageRequest.builder("user-1", modelId).usageType("chat").metadata(metadata("same"))
                .eventId("same-a-" + modelId).build();
        UsageRequest second = UsageRequest.builder("user-1", modelId).usageType("chat").metadata(metadata("same"))
                .eventId("same-b-" + modelId).build();
        earnings.logModelUsage(first);
        earnings.logModelUsage(second);
        assertThat(row(db, "same-a-" + modelId).get("metadata")).isNotEqualTo(row(db, "same-b-" + modelId).get("metadata"));
        assertThat(earnings.logModelUsage(first).replayed()).isTrue();
        assertThat(earnings.logModelUsage(second).replayed()).isTrue();
    }

    // ------------------------------------------------------------------ replays

    /**
     * A replay compares the user as a token and the metadata after decrypting: the same payload
     * (metadata keys in another order too) returns the record with the plain user id, and each
     * differing field is the conflict it names, one use or in a batch.
     */
    @Test
    void replays_compareTokensAndDecryptedMetadata_andNameTheDifferingField() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0"));
        String eventId = "replay-" + modelId;
        UsageRequest original = UsageRequest.builder("user-1", modelId).tokensConsumed(7).usageType("chat")
                .metadataJson("{\"b\":1,\"a\":[\"x\"]}").eventId(eventId).build();
        RecordedUse recorded = earnings.logModelUsage(original);

        RecordedUse replay = earnings.logModelUsage(UsageRequest.builder("user-1", modelId).tokensConsumed(7)
                .usageType("chat").metadataJson("{\"a\":[\"x\"],\"b\":1}").eventId(eventId).build());
        assertThat(replay.replayed()).isTrue();
        assertThat(replay.userId()).isEqualTo("user-1");
        assertThat(replay.useOrdinal()).isEqualTo(recorded.useOrdinal());
        assertThat(earnings.logModelUsageBatch(List.of(original)).items().get(0).use().orElseThrow().replayed()).isTrue();

        IdempotencyConflictException otherUser = catchThrowableOfType(IdempotencyConflictException.class,
                () -> earnings.logModelUsage(UsageRequest.builder("user-2", modelId).tokensConsumed(7).usageType("chat")
                        .metadataJson("{\"b\":1,\"a\":[\"x\"]}").eventId(eventId).build()));
        assertThat(otherUser.field()).isEqualTo("userId");
        assertThat(otherUser.getMessage()).doesNotContain("user-1").doesNotContain("user-2")
                .doesNotContain(db.keys().token("user-1"));
        IdempotencyConflictException otherMetadata = catchThrowableOfType(IdempotencyConflictException.class,
                () -> earnings.logModelUsage(UsageRequest.builder("user-1", modelId).tokensConsumed(7).usageType("chat")
                        .metadataJson("{\"b\":2,\"a\":[\"x\"]}").eventId(eventId).build()));
        assertThat(otherMetadata.field()).isEqualTo("metadata");
        IdempotencyConflictException noMetadata = catchThrowableOfType(IdempotencyConflictException.class,
                () -> earnings.logModelUsage(UsageRequest.builder("user-1", modelId).tokensConsumed(7).usageType("chat")
                        .eventId(eventId).build()));
        assertThat(noMetadata.field()).isEqualTo("metadata");
        BatchResult batch = earnings.logModelUsageBatch(List.of(UsageRequest.builder("user-2", modelId).tokensConsumed(7)
                .usageType("chat").metadataJson("{\"b\":1,\"a\":[\"x\"]}").eventId(eventId).build()));
        assertThat(batch.items().get(0).error().orElseThrow()).isInstanceOf(IdempotencyConflictException.class)
                .extracting(e -> ((IdempotencyConflictException) e).field()).isEqualTo("userId");
        assertThat(db.usesOf(modelId)).isEqualTo(1);
    }

    /**
     * Guards: a ciphertext copied from another row (to pass one use's metadata off as another's)
     * does not decrypt under the eventId of its new row. The replay fails with a storage error that
     * names the eventId and says why, and no metadata text.
     */
    @Test
    void aCiphertextCopiedToAnotherRow_doesNotDecrypt_andTheReplayFailsClearly() {
        String modelId = newModel("creator-1", ModelPricing.of("0.01", "0"));
        UsageRequest a = UsageRequest.builder("user-1", modelId).usageType("chat").metadata(metadata("for-a"))
                .eventId("moved-a-" + modelId).build();
        UsageRequest b = UsageRequest.builder("user-1", modelId).usageType("chat").metadata(metadata("for-a"))
                .eventId("moved-b-" + modelId).build();
        earnings.logModelUsage(a);
        earnings.logModelUsage(b);
        // Read, then written: Citus runs no UPDATE whose value comes from another row's shard.
        db.jdbi.useHandle(h -> h.execute("UPDATE " + db.table("model_usage_logs") + " SET metadata = ? WHERE event_id = ?",
                h.createQuery("SELECT metadata FROM " + db.table("model_usage_logs") + " WHERE event_id = ?")
                        .bind(0, "moved-a-" + modelId).mapTo(String.class).one(), "moved-b-" + modelId));
        assertThat(earnings.logModelUsage(a).replayed()).isTrue();
        StorageException failure = catchThrowableOfType(StorageException.class, () -> earnings.logModelUsage(b));
        assertThat(failure).isNotNull();
        assertThat(failure.isTransient()).isFalse();
        assertThat(failure.getMessage()).contains("eventId moved-b-" + modelId)
                .contains("does not decrypt as this row's: the ciphertext was made for another row (eventId) or altered")
                .doesNotContain("for-a");
        // The cause keeps Tink's exception type, its message withheld like every cause's.
        assertThat(failure.getCause()).hasMessageStartingWith("java.security.GeneralSecurityException (message withheld)");
    }

    // ------------------------------------------------------------------ rotation

    /**
     * Keys rotate without rewriting a row: uses recorded under K1, then a new primary key K2 added
     * to both key sets, then more uses. With K1 and K2 every old and new use replays (and a changed
     * old one conflicts), dashboards show both, the integrity check is clean, and new rows carry
     * K2's id while old rows keep K1's. A user seen before and after counts twice in the day's
     * unique users, and their pseudonym changes, as documented. Key sets that lack K1 (or K2)
     * fail clearly on the rows it made, and on no other.
     */
    @Test
    void rotation_readsOldAndNewRows_andAKeySetWithoutTheOldKeyFailsClearlyOnOldRows() {
        String modelId = newModel("creator-r", ModelPricing.of("0.01", "0"));
        TestKeys k1 = db.keys();
        TestKeys k2 = k1.rotated();
        assertThat(k2.userKey()).isNotEqualTo(k1.userKey());
        assertThat(k2.metadataKey()).isNotEqualTo(k1.metadataKey());
        List<UsageRequest> before = new ArrayList<>();
        for (String user : List.of("user-both", "user-old")) {
            before.add(UsageRequest.builder(user, modelId).tokensConsumed(3).usageType("chat").metadata(metadata(user))
                    .eventId("k1-" + before.size() + "-" + modelId).build());
        }
        before.forEach(earnings::logModelUsage);
        assertThat(uniqueUsers(earnings, modelId)).isEqualTo(2);

        List<UsageRequest> after = new ArrayList<>();
        Map<String, RecordedUse> recorded = new HashMap<>();
        try (Earnings rotated = db.builder().clock(clock).migrateOnStart(false).encryption(k2.metadata, k2.userIds).build()) {
            for (String user : List.of("user-both", "user-new")) {
                after.add(UsageRequest.builder(user, modelId).tokensConsumed(4).usageType("chat").metadata(metadata(user))
                        .eventId("k2-" + after.size() + "-" + modelId).build());
            }
            after.forEach(r -> recorded.put(r.eventId().orElseThrow(), rotated.logModelUsage(r)));
            for (UsageRequest r : before) {
                assertThat(row(db, r.eventId().orElseThrow()).get("user_token_key")).as("old row").matches(
                        key -> ((Number) key).longValue() == k1.userKey());
            }
            for (UsageRequest r : after) {
                Map<String, Object> stored = row(db, r.eventId().orElseThrow());
                assertThat(((Number) stored.get("user_token_key")).longValue()).as("new row").isEqualTo(k2.userKey());
                assertThat(stored.get("user_id")).isEqualTo(k2.token(r.userId()));
                assertThat(k2.decrypt((String) stored.get("metadata"), r.eventId().orElseThrow()))
                        .contains("\"caption\":\"" + r.userId() + "\"");
            }

            // Old and new replay, one by one and as one batch; an old use sent changed conflicts.
            List<UsageRequest> all = new ArrayList<>(before);
            all.addAll(after);
            for (UsageRequest r : all) {
                RecordedUse replay = rotated.logModelUsage(r);
                assertThat(replay.replayed()).as("replay of %s", r.eventId()).isTrue();
                assertThat(replay.userId()).isEqualTo(r.userId());
            }
            assertThat(rotated.logModelUsageBatch(all).items()).allMatch(item -> item.use().orElseThrow().replayed());
            UsageRequest changed = before.get(0);
            assertThat(catchThrowableOfType(IdempotencyConflictException.class, () -> rotated.logModelUsage(
                    UsageRequest.builder("user-old", modelId).tokensConsumed(3).usageType("chat")
                            .metadata(metadata("user-both")).eventId(changed.eventId().orElseThrow()).build())).field())
                    .isEqualTo("userId");
            assertThat(catchThrowableOfType(IdempotencyConflictException.class, () -> rotated.logModelUsage(
                    UsageRequest.builder("user-both", modelId).tokensConsumed(3).usageType("chat")
                            .metadata(metadata("other")).eventId(changed.eventId().orElseThrow()).build())).field())
                    .isEqualTo("metadata");

            // Dashboards show both; user-both is two users today, with two pseudonyms.
            CreatorDashboard dashboard = rotated.analytics().creatorDashboard(Caller.creator("creator-r"), "creator-r",
                    DashboardQuery.of(ReportPeriod.between(DAY, DAY.plusDays(1))).limits(5, 10, 0));
            assertThat(dashboard.uses()).isEqualTo(4);
            assertThat(dashboard.recentActivity()).hasSize(4);
            assertThat(dashboard.uniqueUsers()).as("user-both counted once per key").isEqualTo(4);
            assertThat(uniqueUsers(rotated, modelId)).isEqualTo(4);
            Set<String> pseudonyms = dashboard.recentActivity().stream().map(CreatorDashboard.Activity::userPseudonym)
                    .collect(Collectors.toSet());
            assertThat(pseudonyms).as("four tokens, four pseudonyms").hasSize(4);
            assertThat(rotated.verifyIntegrity().isClean()).isTrue();
        }

        // K1 alone reads its rows and fails clearly on K2's, naming the key it lacks.
        assertThat(earnings.logModelUsage(before.get(1)).replayed()).isTrue();
        StorageException lacksK2 = catchThrowableOfType(StorageException.class,
                () -> earnings.logModelUsage(after.get(1)));
        assertThat(lacksK2.getMessage()).contains("eventId " + after.get(1).eventId().orElseThrow())
                .contains("token was made by key " + k2.userKey() + ", which the configured user-id key set lacks");

        // K2 alone (K1 dropped) reads K2's rows and fails clearly on K1's: first on the user token...
        TestKeys k2Only = k2.primariesOnly();
        try (Earnings dropped = db.builder().clock(clock).migrateOnStart(false)
                .encryption(k2Only.metadata, k2Only.userIds).build()) {
            assertThat(dropped.logModelUsage(after.get(1)).replayed()).isTrue();
            StorageException lacksK1 = catchThrowableOfType(StorageException.class,
                    () -> dropped.logModelUsage(before.get(1)));
            assertThat(lacksK1.getMessage()).contains("eventId " + before.get(1).eventId().orElseThrow())
                    .contains("token was made by key " + k1.userKey() + ", which the configured user-id key set lacks")
                    .doesNotContain("user-old");
            assertThat(lacksK1.isTransient()).isFalse();
            // Nothing else is refused: new uses, dashboards and the integrity check need no old key.
            assertThat(dropped.logModelUsage("user-later", modelId, 1, "chat", null).replayed()).isFalse();
            assertThat(dropped.verifyIntegrity().isClean()).isTrue();
        }
        // ...and, with the user key kept, on the metadata.
        try (Earnings metadataDropped = db.builder().clock(clock).migrateOnStart(false)
                .encryption(k2Only.metadata, k2.userIds).build()) {
            StorageException lacksMetadataKey = catchThrowableOfType(StorageException.class,
                    () -> metadataDropped.logModelUsage(before.get(1)));
            assertThat(lacksMetadataKey.getMessage()).contains("eventId " + before.get(1).eventId().orElseThrow())
                    .contains("its metadata was encrypted with key " + k1.metadataKey()
                            + ", which the configured metadata key set lacks");
        }
    }

    // ------------------------------------------------------------------ turning encryption on and off

    /**
     * A database with plain rows, then encryption turned on: the plain rows stay as they are and
     * replay, compared plain; new rows are tokens and ciphertext; the integrity check is clean; a
     * user seen before and after counts twice that day (as after a rotation). Turned off again,
     * plain rows still replay and encrypted ones fail with an error that says key sets are needed.
     */
    @Test
    void encryptionTurnedOnLater_keepsPlainRowsReadable_andTurnedOffFailsClearlyOnEncryptedRows() {
        try (TestDatabase mixed = openPlainDatabase(); Earnings plain = mixed.builder().clock(clock).build()) {
            String modelId = "model-" + UUID.randomUUID();
            plain.models().register(modelId, "creator-m", ModelPricing.of("0.01", "0"));
            UsageRequest old = UsageRequest.builder("user-1", modelId).tokensConsumed(2).usageType("chat")
                    .metadata(metadata("plain")).eventId("plain-" + modelId).build();
            RecordedUse oldUse = plain.logModelUsage(old);
            assertThat(row(mixed, oldUse.eventId())).containsEntry("user_id", "user-1").containsEntry("user_token_key", null);

            TestKeys keys = TestKeys.generate();
            UsageRequest fresh = UsageRequest.builder("user-1", modelId).tokensConsumed(2).usageType("chat")
                    .metadata(metadata("encrypted")).eventId("encrypted-" + modelId).build();
            try (Earnings encrypted = mixed.builder().clock(clock).migrateOnStart(false)
                    .encryption(keys.metadata, keys.userIds).build()) {
                RecordedUse replay = encrypted.logModelUsage(old);
                assertThat(replay.replayed()).isTrue();
                assertThat(replay.useOrdinal()).isEqualTo(OptionalLong.of(1));
                assertThat(catchThrowableOfType(IdempotencyConflictException.class, () -> encrypted.logModelUsage(
                        UsageRequest.builder("user-1", modelId).tokensConsumed(2).usageType("chat")
                                .metadata(metadata("other")).eventId("plain-" + modelId).build())).field())
                        .isEqualTo("metadata");
                assertThat(catchThrowableOfType(IdempotencyConflictException.class, () -> encrypted.logModelUsage(
                        UsageRequest.builder("user-2", modelId).tokensConsumed(2).usageType("chat")
                                .metadata(metadata("plain")).eventId("plain-" + modelId).build())).field())
                        .isEqualTo("userId");
                assertThat(encrypted.logModelUsage(fresh).useOrdinal()).isEqualTo(OptionalLong.of(2));
                assertThat(row(mixed, fresh.eventId().orElseThrow())).containsEntry("user_id", keys.token("user-1"));
                assertThat(uniqueUsers(encrypted, modelId)).as("user-1 plain and as a token").isEqualTo(2);
                assertThat(encrypted.verifyIntegrity().isClean()).isTrue();
            }

            assertThat(plain.logModelUsage(old).replayed()).isTrue();
            StorageException failure = catchThrowableOfType(StorageException.class, () -> plain.logModelUsage(fresh));
            assertThat(failure.getMessage()).contains("eventId " + fresh.eventId().orElseThrow())
                    .contains("its user id is stored as a token, and no key sets are configured");
            assertThat(plain.verifyIntegrity().isClean()).isTrue();
        }
    }

    // ------------------------------------------------------------------ configuration

    /** Guards: key sets of the wrong kind, or none, are refused when configured, naming what they hold. */
    @Test
    void keySetsOfTheWrongKind_areRefusedAtOnce() throws Exception {
        KeysetHandle aead = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM, AeadConfig2026.get());
        KeysetHandle prf = KeysetHandle.generateNew(PredefinedPrfParameters.HMAC_SHA256_PRF, PrfConfig2026.get());
        assertThatThrownBy(() -> Earnings.builder().encryption(prf, aead)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("the metadata key set does not give an AEAD (it holds HMAC PRF Parameters")
                .hasMessageContaining("allowed: a Tink key set of AEAD keys");
        assertThatThrownBy(() -> Earnings.builder().encryption(aead, aead)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("the user-id key set does not give a PRF of 16 bytes (it holds AesGcm Parameters");
        assertThatThrownBy(() -> Earnings.builder().encryption(aead, null)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("the user-id key set is missing");
        assertThatThrownBy(() -> Earnings.builder().encryption(null, prf)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("the metadata key set is missing");
    }
}
