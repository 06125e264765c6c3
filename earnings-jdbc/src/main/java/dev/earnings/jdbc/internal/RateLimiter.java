package dev.earnings.jdbc.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.earnings.jdbc.RateLimitedException;
import dev.earnings.jdbc.RateLimits;
import dev.earnings.jdbc.StorageException;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConfigurationBuilder;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.local.LocalBucketBuilder;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.github.bucket4j.postgresql.PostgreSQLSelectForUpdateBasedProxyManager;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.IntPredicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rate limits on recording: decides, before a write, which of its uses may be written, and
 * gives back the tokens of the uses that the write then did not record.
 *
 * <p>Each limited subject (a user, a model) has a Bucket4j token bucket. A write takes, per
 * bucket, as many tokens as it has uses of that subject, in the order the uses are given, in one
 * operation ({@code tryConsumeAsMuchAsPossible}): the first uses that find a token pass, the rest
 * are refused with the wait until the bucket has a token again. The user limit is asked first;
 * a use it passed that the model limit then refuses gives its user token back. After the write,
 * every use that took tokens and was not recorded by this call (a replay, a use the writer
 * rejected, a write that failed) gives them back, so only uses that were recorded spend tokens.
 *
 * <p>Buckets live in this instance's memory (a Caffeine cache whose entries leave once idle for
 * the longest period, when they are full again and so no different from a new bucket), or in
 * the table {@code earnings_rate_limit_buckets} through Bucket4j's PostgreSQL back-end, where
 * each operation on a bucket is a short transaction of its own that locks the bucket's row
 * ({@code SELECT ... FOR UPDATE}), shared by every instance. That table's rows are keyed by
 * {@code model:} and the model id, or {@code user:} and an HMAC of the user id (no user id is
 * stored), each after a fingerprint of the rates, so changed rates start from new buckets.
 * Bucket4j owns the table's statements; this class is its only user.
 */
public final class RateLimiter {
    private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);

    /** The shared buckets' table, created by migration V6. */
    public static final String TABLE = "earnings_rate_limit_buckets";

    /** How often an instance removes shared buckets that are full again, and how many per batch. */
    private static final long SWEEP_EVERY_NANOS = TimeUnit.MINUTES.toNanos(10);
    private static final int SWEEP_BATCH = 1000;
    private static final int SWEEP_MAX_BATCHES = 20;

    private static final RateLimiter OFF = new RateLimiter();

    private final @Nullable Limit users;
    private final @Nullable Limit models;
    private final @Nullable Store store;

    /** What one admission decided: the refusals by index, and the keys each passed use took a token from. */
    public static final class Admission {
        private static final Admission NONE = new Admission(Map.of(), new String[0], new String[0]);

        private final Map<Integer, RateLimitedException> refused;
        private final @Nullable String[] userKeys;
        private final @Nullable String[] modelKeys;

        private Admission(Map<Integer, RateLimitedException> refused, @Nullable String[] userKeys,
                @Nullable String[] modelKeys) {
            this.refused = refused;
            this.userKeys = userKeys;
            this.modelKeys = modelKeys;
        }

        /**
         * The uses a limit refused, by index.
         *
         * @return the refusals
         */
        public Map<Integer, RateLimitedException> refused() {
            return refused;
        }

    }

    private RateLimiter() {
        this.users = null;
        this.models = null;
        this.store = null;
    }

    private RateLimiter(RateLimits limits, Store store, Function<String, String> userKey) {
        this.store = store;
        this.users = limits.perUser().isEmpty() ? null : new Limit(RateLimits.Per.USER, limits.perUser(),
                "user:" + fingerprint(limits.perUser()) + ":", userKey);
        this.models = limits.perModel().isEmpty() ? null : new Limit(RateLimits.Per.MODEL, limits.perModel(),
                "model:" + fingerprint(limits.perModel()) + ":", Function.identity());
    }

    /**
     * No limits: every use passes, and nothing is asked of any bucket.
     *
     * @return the limiter that limits nothing
     */
    public static RateLimiter off() {
        return OFF;
    }

    /**
     * Limits kept in this instance's memory.
     *
     * @param limits the limits
     * @param clock the library's clock, which the buckets refill by
     * @return the limiter
     */
    public static RateLimiter local(RateLimits limits, Clock clock) {
        return new RateLimiter(limits, new LocalStore(limits, clock), Function.identity());
    }

    /**
     * Limits shared through the database (PostgreSQL), in the library's table.
     *
     * @param limits the limits
     * @param clock the library's clock, which the buckets refill by
     * @param dataSource the library's data source; each bucket operation takes a connection of its own
     * @param schema the library's schema, or empty
     * @param tx the transaction runner, which retries the bucket operations that fail for a transient reason
     * @param userIdKey the deployment's secret key, under which user ids become bucket keys
     * @return the limiter
     */
    public static RateLimiter shared(RateLimits limits, Clock clock, DataSource dataSource, Optional<String> schema,
            Transactor tx, byte[] userIdKey) {
        SecretKeySpec key = new SecretKeySpec(userIdKey, "HmacSHA256");
        return new RateLimiter(limits, new SharedStore(clock, dataSource, schema, tx), userId -> hmac(key, userId));
    }

    /**
     * Takes a token for each use that may be written, from its user's and its model's buckets.
     *
     * @param uses the uses of a write
     * @param rejected the uses, by index, that will not be written whatever the limits say
     *     (broken rules, missing requests): they take nothing
     * @return the refusals, and what to give back later
     * @throws StorageException if the shared buckets cannot be reached after the retries;
     *     whatever this admission took is then given back as far as possible
     */
    public Admission admit(List<UsageWriter.Pending> uses, Set<Integer> rejected) {
        if (store == null) {
            return Admission.NONE;
        }
        int n = uses.size();
        @Nullable String[] userKeys = new String[n];
        @Nullable String[] modelKeys = new String[n];
        Map<Integer, RateLimitedException> refused = new HashMap<>();
        try {
            if (users != null) {
                take(users, uses, rejected, refused, userKeys, p -> p.request().userId());
            }
            if (models != null) {
                take(models, uses, rejected, refused, modelKeys, p -> p.request().modelId());
                // A use the model refused gives back the token its user gave it.
                Map<String, Long> back = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    if (userKeys[i] != null && modelKeys[i] == null) {
                        back.merge(userKeys[i], 1L, Long::sum);
                        userKeys[i] = null;
                    }
                }
                giveBack(users, back);
            }
        } catch (RuntimeException e) {
            settle(new Admission(refused, userKeys, modelKeys), i -> false);
            throw e;
        }
        store.maintain();
        return new Admission(refused, userKeys, modelKeys);
    }

    /**
     * Gives back the tokens of the uses that took them and were not recorded by this call.
     * Never throws: a token that cannot be given back makes the limit stricter, never looser.
     *
     * @param admission what the admission took
     * @param recorded whether the use at an index was recorded by this call (not a replay, not
     *     rejected, not failed)
     */
    public void settle(Admission admission, IntPredicate recorded) {
        if (store == null) {
            return;
        }
        Map<String, Long> userBack = new LinkedHashMap<>();
        Map<String, Long> modelBack = new LinkedHashMap<>();
        for (int i = 0; i < admission.userKeys.length; i++) {
            if (recorded.test(i)) {
                continue;
            }
            if (admission.userKeys[i] != null) {
                userBack.merge(admission.userKeys[i], 1L, Long::sum);
            }
            if (admission.modelKeys[i] != null) {
                modelBack.merge(admission.modelKeys[i], 1L, Long::sum);
            }
        }
        giveBackQuietly(users, userBack);
        giveBackQuietly(models, modelBack);
    }

    private void giveBackQuietly(@Nullable Limit limit, Map<String, Long> tokens) {
        tokens.forEach((key, count) -> {
            try {
                giveBack(limit, Map.of(key, count));
            } catch (RuntimeException e) {
                LOG.warn("giving back {} rate limit tokens of uses that were not recorded failed ({}); the limit is"
                        + " stricter until its bucket refills", count, Failures.describe(e));
            }
        });
    }

    /**
     * Takes a limit's tokens: per subject, as many as it has uses that are still passing, first
     * uses first. A use refused here is recorded in {@code refused} and leaves {@code keys} empty.
     */
    private void take(Limit limit, List<UsageWriter.Pending> uses, Set<Integer> rejected,
            Map<Integer, RateLimitedException> refused, @Nullable String[] keys, Function<UsageWriter.Pending, String> subject) {
        Map<String, List<Integer>> byKey = new LinkedHashMap<>();
        for (int i = 0; i < uses.size(); i++) {
            UsageWriter.Pending p = uses.get(i);
            if (p.request() != null && !rejected.contains(i) && !refused.containsKey(i)) {
                byKey.computeIfAbsent(limit.key(subject.apply(p)), k -> new ArrayList<>()).add(i);
            }
        }
        for (Map.Entry<String, List<Integer>> entry : byKey.entrySet()) {
            List<Integer> indexes = entry.getValue();
            Grant grant = store.apply(limit, entry.getKey(), bucket -> grant(bucket, indexes.size()));
            for (int j = 0; j < indexes.size(); j++) {
                int i = indexes.get(j);
                if (j < grant.taken) {
                    keys[i] = entry.getKey();
                } else {
                    UsageWriter.Pending p = uses.get(i);
                    refused.put(i, new RateLimitedException(limit.per, p.request().modelId(), p.eventId(), limit.rates,
                            grant.retryAfter));
                }
            }
        }
    }

    private static Grant grant(Bucket bucket, int wanted) {
        VerboseResult<Long> result = bucket.asVerbose().tryConsumeAsMuchAsPossible(wanted);
        long taken = result.getValue();
        long waitNanos = taken >= wanted ? 0 : result.getState().calculateDelayNanosAfterWillBePossibleToConsume(1,
                result.getOperationTimeNanos(), false);
        return new Grant(taken, Duration.ofNanos(Math.max(1, waitNanos)));
    }

    private void giveBack(@Nullable Limit limit, Map<String, Long> tokens) {
        if (limit == null) {
            return;
        }
        tokens.forEach((key, count) -> store.apply(limit, key, bucket -> {
            bucket.addTokens(count);
            return Boolean.TRUE;
        }));
    }

    private static String fingerprint(List<RateLimits.Rate> rates) {
        StringBuilder text = new StringBuilder();
        rates.forEach(r -> text.append(r.uses()).append('/').append(r.per().toNanos()).append(';'));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }

    private static String hmac(SecretKeySpec key, String userId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            // Kept apart from the pseudonyms made under the same key.
            mac.update("earnings rate limit\u0000".getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(userId.getBytes(StandardCharsets.UTF_8)), 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java runtime", e);
        }
    }

    /** The library's clock as Bucket4j's time: nanoseconds since the epoch, the same on every instance. */
    private static TimeMeter timeMeter(Clock clock) {
        return new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                Instant now = clock.instant();
                return now.getEpochSecond() * 1_000_000_000L + now.getNano();
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
    }

    private record Grant(long taken, Duration retryAfter) {
    }

    /** One limit: whose uses it counts, its rates, and how a subject becomes a bucket key. */
    private static final class Limit {
        final RateLimits.Per per;
        final List<RateLimits.Rate> rates;
        final String prefix;
        final Function<String, String> subjectKey;
        final BucketConfiguration configuration;

        Limit(RateLimits.Per per, List<RateLimits.Rate> rates, String prefix, Function<String, String> subjectKey) {
            this.per = per;
            this.rates = rates;
            this.prefix = prefix;
            this.subjectKey = subjectKey;
            ConfigurationBuilder builder = BucketConfiguration.builder();
            rates.forEach(r -> builder.addLimit(limit -> limit.capacity(r.uses()).refillGreedy(r.uses(), r.per())));
            this.configuration = builder.build();
        }

        String key(String subject) {
            return prefix + subjectKey.apply(subject);
        }

        String what() {
            return per == RateLimits.Per.USER ? "taking a token of a user's rate limit" : "taking a token of a model's rate limit";
        }
    }

    /** Where buckets live. */
    private interface Store {
        /** Runs {@code operation} on the bucket of {@code key}, creating it full when it is missing. */
        <T> T apply(Limit limit, String key, Function<Bucket, T> operation);

        /** Housekeeping after an admission. */
        default void maintain() {
        }
    }

    /**
     * Buckets in this instance's memory. A bucket is used under its cache entry's lock, so an
     * entry never leaves while a use takes from it; an entry leaves after being idle for the
     * longest period of all rates, when its bucket is full again.
     */
    private static final class LocalStore implements Store {
        private final Cache<String, Bucket> buckets;
        private final TimeMeter time;

        LocalStore(RateLimits limits, Clock clock) {
            this.time = timeMeter(clock);
            Duration longest = Duration.ZERO;
            for (RateLimits.Per per : RateLimits.Per.values()) {
                for (RateLimits.Rate rate : limits.rates(per)) {
                    longest = rate.per().compareTo(longest) > 0 ? rate.per() : longest;
                }
            }
            this.buckets = Caffeine.newBuilder().expireAfterAccess(longest).ticker(time::currentTimeNanos)
                    .executor(Runnable::run).build();
        }

        @Override
        public <T> T apply(Limit limit, String key, Function<Bucket, T> operation) {
            List<T> result = new ArrayList<>(1);
            buckets.asMap().compute(key, (k, bucket) -> {
                Bucket b = bucket;
                if (b == null) {
                    LocalBucketBuilder builder = Bucket.builder().withCustomTimePrecision(time);
                    for (io.github.bucket4j.Bandwidth bandwidth : limit.configuration.getBandwidths()) {
                        builder.addLimit(bandwidth);
                    }
                    b = builder.build();
                }
                result.add(operation.apply(b));
                return b;
            });
            return result.get(0);
        }
    }

    /** Buckets in the database, through Bucket4j's PostgreSQL back-end on the library's data source. */
    private static final class SharedStore implements Store {
        private final PostgreSQLSelectForUpdateBasedProxyManager<String> proxies;
        private final Transactor tx;
        private final AtomicLong nextSweep = new AtomicLong(System.nanoTime());

        SharedStore(Clock clock, DataSource dataSource, Optional<String> schema, Transactor tx) {
            this.tx = tx;
            this.proxies = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
                    .primaryKeyMapper(PrimaryKeyMapper.STRING)
                    .table(schema.map(s -> '"' + Jdbis.requireSchema(s) + "\".").orElse("") + TABLE)
                    .idColumn("id")
                    .stateColumn("state")
                    .expiresAtColumn("expires_at")
                    .clientClock(timeMeter(clock))
                    // A row may go a minute after its bucket is full again: it is then a new bucket.
                    .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                            Duration.ofMinutes(1)))
                    .build();
        }

        @Override
        public <T> T apply(Limit limit, String key, Function<Bucket, T> operation) {
            return tx.retrying(limit.what(), () -> operation.apply(proxies.builder().build(key, () -> limit.configuration)));
        }

        /** Removes, at most every ten minutes per instance, rows whose buckets are full again. */
        @Override
        public void maintain() {
            long due = nextSweep.get();
            long now = System.nanoTime();
            if (now - due < 0 || !nextSweep.compareAndSet(due, now + SWEEP_EVERY_NANOS)) {
                return;
            }
            try {
                for (int batch = 0; batch < SWEEP_MAX_BATCHES; batch++) {
                    int removed = tx.retrying("removing rate limit buckets that are full again",
                            () -> proxies.removeExpired(SWEEP_BATCH));
                    if (removed < SWEEP_BATCH) {
                        break;
                    }
                }
            } catch (StorageException e) {
                LOG.warn("removing rate limit buckets that are full again failed; the next sweep tries again: {}",
                        e.getMessage());
            }
        }
    }
}
