package dev.earnings.examples.host;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The app's rate limits, as token buckets (Bucket4j) kept per key in bounded caches (Caffeine).
 *
 * <ul>
 *   <li>Tracking, per service credential: {@value #TRACK_PER_CREDENTIAL} calls a second, so that
 *       one backend cannot swamp the store.
 *   <li>Tracking, per end user: a burst of {@value #TRACK_PER_USER} uses, refilled at
 *       {@value #TRACK_PER_USER} a minute, so that one user's flood of calls cannot move a model's
 *       usage tier.
 *   <li>Failed sign-ins, per client address: {@value #SIGN_IN_FAILURES} wrong credentials, then a
 *       lockout that lets one more guess through every {@code 10 min / }{@value #SIGN_IN_FAILURES}
 *       (one a minute). While an address is locked out, even a right credential from it is
 *       answered 429, or the lockout would not slow a guesser down.
 * </ul>
 *
 * <p>Every refusal is an {@link HttpError} 429 with {@code Retry-After}. The buckets run on the
 * app's clock, so tests move time instead of waiting. Each cache forgets a key an hour after its
 * last use: by then every bucket has refilled, so forgetting it forgives nothing. Behind a proxy
 * the client address is the proxy's; a host there keys failures on the address its proxy reports.
 */
final class RateLimits {
    static final int TRACK_PER_CREDENTIAL = 200;
    static final int TRACK_PER_USER = 20;
    static final int SIGN_IN_FAILURES = 10;
    private static final Duration FAILURE_REFILL = Duration.ofMinutes(10);
    private static final Duration FORGET_AFTER = Duration.ofHours(1);
    private static final long MAX_KEYS = 100_000;

    private final TimeMeter time;
    private final Cache<String, Bucket> perCredential = cache();
    private final Cache<String, Bucket> perUser = cache();
    private final Cache<InetAddress, Bucket> signInFailures = cache();

    RateLimits(Clock clock) {
        this.time = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                Instant now = clock.instant();
                return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L), now.getNano());
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
    }

    private static <K> Cache<K, Bucket> cache() {
        return Caffeine.newBuilder().maximumSize(MAX_KEYS).expireAfterAccess(FORGET_AFTER).build();
    }

    /**
     * Verifies a presented credential unless the client's address is locked out; a failure is
     * counted against the address.
     *
     * <p>The attempt takes a token first and gives it back when the credential was right, so that
     * however many guesses arrive at once, no more than {@value #SIGN_IN_FAILURES} are checked.
     *
     * @param <T> what a right credential gives
     * @param client the client's address
     * @param verify checks the credential: what it gives if it is right, else empty
     * @return what {@code verify} gave
     * @throws HttpError 429 while the address is locked out
     */
    <T> Optional<T> signIn(InetAddress client, Supplier<Optional<T>> verify) {
        Bucket bucket = signInFailures.get(client, k -> bucket(SIGN_IN_FAILURES, FAILURE_REFILL));
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            throw HttpError.tooManyRequests("authorization", "too many failed sign-ins from this address",
                    Duration.ofNanos(probe.getNanosToWaitForRefill()));
        }
        Optional<T> verified = verify.get();
        if (verified.isPresent()) {
            bucket.addTokens(1);
        }
        return verified;
    }

    /**
     * Takes one tracking call from a service credential's allowance.
     *
     * @param credential the service principal's id
     * @throws HttpError 429 when the credential's allowance is used up
     */
    void trackingCall(String credential) {
        take(perCredential.get(credential, k -> bucket(TRACK_PER_CREDENTIAL, Duration.ofSeconds(1))), "authorization",
                "too many tracking calls with this credential");
    }

    /**
     * Takes one use from an end user's allowance.
     *
     * @param credential the service principal's id that records for the user
     * @param userId the end user
     * @throws HttpError 429 when the user's allowance is used up
     */
    void use(String credential, String userId) {
        // The key pairs the two, so that two backends' users of the same id do not share a bucket.
        take(perUser.get(credential + '\u0000' + userId, k -> bucket(TRACK_PER_USER, Duration.ofMinutes(1))), "userId",
                "too many uses by this user");
    }

    /** A bucket that holds {@code capacity} tokens and refills them evenly over {@code period}. */
    private Bucket bucket(long capacity, Duration period) {
        return Bucket.builder().addLimit(limit -> limit.capacity(capacity).refillGreedy(capacity, period))
                .withCustomTimePrecision(time).build();
    }

    private static void take(Bucket bucket, String field, String message) {
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            throw HttpError.tooManyRequests(field, message, Duration.ofNanos(probe.getNanosToWaitForRefill()));
        }
    }
}
