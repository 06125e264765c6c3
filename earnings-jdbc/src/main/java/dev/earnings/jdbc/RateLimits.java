package dev.earnings.jdbc;

import dev.earnings.core.InvalidConfigurationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Optional limits on how fast uses are recorded, per user and per model; immutable. Pass them to
 * {@link Earnings.Builder#rateLimits(RateLimits)}; without them nothing is limited.
 *
 * <p>A host that records a use for every request of its clients records whatever a client sends:
 * a script calling as fast as it can would be recorded in full, earn its model money and move the
 * model's tier. A limit per user caps what one user (or one stolen token) can record; a limit per
 * model caps what a model can take in at all. A use over a limit is not recorded: it fails with a
 * {@link RateLimitedException} that says which limit refused it and when to retry.
 *
 * <p>Each limit is a token bucket (Bucket4j's): a user or model starts with {@code uses} tokens,
 * each recorded use takes one, and tokens come back steadily, {@code uses} per {@code per}
 * (greedy refill), never above {@code uses}. Several rates for one subject all apply, for example
 * a burst of 10 per second within 500 per hour.
 *
 * <pre>{@code
 * RateLimits limits = RateLimits.builder()
 *         .perUser(100, Duration.ofMinutes(1))
 *         .perModel(20_000, Duration.ofMinutes(1))
 *         .storage(RateLimits.Storage.SHARED)      // every instance on one PostgreSQL database
 *         .build();
 * }</pre>
 */
public final class RateLimits {
    /** The most uses a rate may allow in its period. */
    public static final long MAX_USES = 1_000_000_000L;

    /** The longest period of a rate. */
    public static final Duration MAX_PERIOD = Duration.ofDays(366);

    /** The most rates per subject (per user, or per model). */
    public static final int MAX_RATES = 4;

    /** What a limit counts uses of. */
    public enum Per {
        /** Each user's uses, across every model. */
        USER,
        /** Each model's uses, across every user. */
        MODEL
    }

    /** Where the buckets are kept. */
    public enum Storage {
        /**
         * In this instance's memory: each instance enforces the limits on what it records. Right
         * for one instance, and for the embedded H2 database, which one process opens at a time.
         */
        LOCAL,
        /**
         * In the database, so every instance on it shares one bucket per user and per model
         * (PostgreSQL only, through Bucket4j's PostgreSQL back-end). Costs one short transaction
         * per user and per model of each write.
         */
        SHARED
    }

    /**
     * One rate: at most {@code uses} uses at once, refilled at {@code uses} per {@code per}.
     *
     * @param uses the bucket's capacity and the uses refilled per period, 1 to {@link #MAX_USES}
     * @param per the period, from 1 millisecond to {@link #MAX_PERIOD}, at least {@code uses} nanoseconds
     */
    public record Rate(long uses, Duration per) {

        /**
         * Checks the rate.
         *
         * @param uses the uses per period
         * @param per the period
         */
        public Rate {
            check("rateLimits", uses, per);
        }

        private static void check(String setting, long uses, Duration per) {
            // Bucket4j refills at most one token per nanosecond.
            if (uses < 1 || uses > MAX_USES || per == null || per.compareTo(Duration.ofMillis(1)) < 0
                    || per.compareTo(MAX_PERIOD) > 0 || uses > per.toNanos()) {
                throw new InvalidConfigurationException(setting, setting + " is " + uses + " uses per " + per
                        + "; allowed: 1 to " + MAX_USES + " uses per a period from 1 ms to " + MAX_PERIOD.toDays()
                        + " days, at most one use per nanosecond");
            }
        }

        @Override
        public String toString() {
            return uses + (uses == 1 ? " use per " : " uses per ") + per;
        }
    }

    private final List<Rate> perUser;
    private final List<Rate> perModel;
    private final Storage storage;

    private RateLimits(Builder b) {
        this.perUser = List.copyOf(b.perUser);
        this.perModel = List.copyOf(b.perModel);
        this.storage = b.storage;
    }

    /**
     * Starts configuring limits: none yet, kept {@link Storage#LOCAL}.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The rates each user's uses must keep to.
     *
     * @return the rates, empty when users are not limited
     */
    public List<Rate> perUser() {
        return perUser;
    }

    /**
     * The rates each model's uses must keep to.
     *
     * @return the rates, empty when models are not limited
     */
    public List<Rate> perModel() {
        return perModel;
    }

    /**
     * The rates of one subject.
     *
     * @param per users or models
     * @return {@link #perUser()} or {@link #perModel()}
     */
    public List<Rate> rates(Per per) {
        return per == Per.USER ? perUser : perModel;
    }

    /**
     * Where the buckets are kept.
     *
     * @return local or shared
     */
    public Storage storage() {
        return storage;
    }

    @Override
    public String toString() {
        return "RateLimits[perUser=" + perUser + ", perModel=" + perModel + ", storage=" + storage + "]";
    }

    /** Builds {@link RateLimits}; each setter checks its value at once. */
    public static final class Builder {
        private final List<Rate> perUser = new ArrayList<>();
        private final List<Rate> perModel = new ArrayList<>();
        private Storage storage = Storage.LOCAL;

        private Builder() {
        }

        /**
         * Adds a rate that every user's uses must keep to; each call adds one more.
         *
         * @param uses at most this many uses at once, refilled at this many per {@code per}
         * @param per the period, from 1 millisecond to {@link #MAX_PERIOD}
         * @return this builder
         * @throws InvalidConfigurationException if the rate is out of range, or the user has
         *     {@link #MAX_RATES} rates already
         */
        public Builder perUser(long uses, Duration per) {
            return add(perUser, "perUser", uses, per);
        }

        /**
         * Adds a rate that every model's uses must keep to, whoever uses it; each call adds one more.
         *
         * @param uses at most this many uses at once, refilled at this many per {@code per}
         * @param per the period, from 1 millisecond to {@link #MAX_PERIOD}
         * @return this builder
         * @throws InvalidConfigurationException if the rate is out of range, or the model has
         *     {@link #MAX_RATES} rates already
         */
        public Builder perModel(long uses, Duration per) {
            return add(perModel, "perModel", uses, per);
        }

        /**
         * Sets where the buckets are kept.
         *
         * @param storage {@link Storage#LOCAL} (the default) or {@link Storage#SHARED}
         * @return this builder
         */
        public Builder storage(Storage storage) {
            this.storage = Objects.requireNonNull(storage, "storage");
            return this;
        }

        /**
         * Builds the limits.
         *
         * @return the limits
         * @throws InvalidConfigurationException if no rate was added
         */
        public RateLimits build() {
            if (perUser.isEmpty() && perModel.isEmpty()) {
                throw new InvalidConfigurationException("rateLimits", "rateLimits has no rate; allowed: at least one rate"
                        + " with perUser(uses, per) or perModel(uses, per)");
            }
            return new RateLimits(this);
        }

        private Builder add(List<Rate> rates, String name, long uses, Duration per) {
            String setting = "rateLimits." + name;
            Rate.check(setting, uses, per);
            if (rates.size() >= MAX_RATES) {
                throw new InvalidConfigurationException(setting, setting + " has " + MAX_RATES
                        + " rates already; allowed: at most " + MAX_RATES);
            }
            rates.add(new Rate(uses, per));
            return this;
        }
    }
}
