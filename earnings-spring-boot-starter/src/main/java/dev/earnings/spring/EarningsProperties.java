package dev.earnings.spring;

import dev.earnings.jdbc.RateLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code earnings.*} properties: every {@link dev.earnings.jdbc.Earnings.Builder} setting that
 * a property can express, so an application configures the library where it configures the rest
 * of itself. A property left unset keeps the library's default (named in each description); the
 * library checks every value when the context starts, and a wrong one fails the start with the
 * library's own message naming the setting and what is allowed.
 *
 * <p>Settings that are objects (the rating rules, metadata rules, encryption key sets, the clock)
 * are given with an {@link EarningsBuilderCustomizer} bean.
 */
@ConfigurationProperties(prefix = "earnings")
public class EarningsProperties {
    /**
     * Directory of the embedded H2 database, used only when the application has no DataSource;
     * default earnings-data in the working directory.
     */
    private @Nullable Path embeddedDirectory;

    /**
     * Password that encrypts the embedded database's files (H2 CIPHER=AES): at least 12 characters
     * without spaces, the same at every start. Applies only to the embedded database.
     */
    private @Nullable String embeddedFilePassword;

    /**
     * Schema of the library's tables and migration history, created when missing: a-z, 0-9 and _,
     * not starting with a digit. Default: the connection's current schema.
     */
    private @Nullable String schema;

    /** Whether the library applies its migrations when the context starts. Default true. */
    private @Nullable Boolean migrateOnStart;

    /**
     * Whether start-up refuses a PostgreSQL login that row-level security does not filter
     * (superuser or BYPASSRLS). Default true; turn off only for a knowingly privileged login.
     */
    private @Nullable Boolean requireRowLevelSecurity;

    /**
     * Days that earnings are held for review after the UTC day of the use before they become
     * available: 0 to 365. Default 0.
     */
    private @Nullable Integer holdDays;

    /** The smallest payout, in minor units of the currency: 1 or more. Default 1. */
    private @Nullable Long minimumPayoutMinor;

    /** Attempts of a transaction that fails for a transient reason: 1 to 100. Default 10. */
    private @Nullable Integer maxAttempts;

    /**
     * Time after which no retry of a call starts, so calls fail instead of hanging while the
     * database is down: 0 to 10 minutes. Default 30s.
     */
    private @Nullable Duration retryBudget;

    /**
     * Size of the connection pool the library owns (the embedded database): 1 to 1000. Ignored with
     * the application's DataSource, whose own pool settings apply. Default 10.
     */
    private @Nullable Integer maximumPoolSize;

    /**
     * Transactions of synchronous logModelUsage calls that may run at once; concurrent calls join
     * them (group commit): 1 to 64. Default 2.
     */
    private @Nullable Integer groupCommitConcurrency;

    /**
     * Whether every recorded use also writes a USE_RECORDED event in its transaction (doubles the
     * rows recording writes). Default false.
     */
    private @Nullable Boolean useRecordedEvents;

    /**
     * How long an event is kept once every consumer has handled it: 1 minute to 10 years. Default
     * 7 days.
     */
    private @Nullable Duration eventRetention;

    /**
     * Base64 (RFC 4648, standard alphabet) of the secret that keys the pseudonyms creators see
     * instead of user ids: at least 32 random bytes. Default: a key the library generates and keeps
     * in its database.
     */
    private @Nullable String pseudonymKey;

    /**
     * Bulk payout schedules, schedule name to a six-field cron expression in UTC (second, minute,
     * hour, day of month, month, day of week), for example monthly=0 0 0 1 * *. Default none.
     */
    private Map<String, String> payoutSchedules = new LinkedHashMap<>();

    /** Bounds of the occurredAt a host may give a use. */
    private final OccurredAtWindow occurredAtWindow = new OccurredAtWindow();

    /** How the payout schedules are polled and their runs kept alive. */
    private final PayoutScheduler payoutScheduler = new PayoutScheduler();

    /** A separate login for the migrations, such as the owner of the library's tables. */
    private final Migration migration = new Migration();

    /** Limits on how fast uses are recorded, per user and per model. */
    private final RateLimitsProperties rateLimits = new RateLimitsProperties();

    /** The AsyncRecorder bean. */
    private final AsyncRecorderProperties asyncRecorder = new AsyncRecorderProperties();

    /** The HTTP endpoints, in a Spring MVC application. */
    private final Web web = new Web();

    /** The insights: forecasts, comparisons, market patterns, alerts and goals. */
    private final InsightsProperties insights = new InsightsProperties();

    /**
     * The embedded database's directory.
     *
     * @return the directory, or {@code null} for the library's default
     */
    public @Nullable Path getEmbeddedDirectory() {
        return embeddedDirectory;
    }

    /**
     * Sets the embedded database's directory.
     *
     * @param embeddedDirectory the directory
     */
    public void setEmbeddedDirectory(@Nullable Path embeddedDirectory) {
        this.embeddedDirectory = embeddedDirectory;
    }

    /**
     * The embedded database's file password.
     *
     * @return the password, or {@code null} for unencrypted files
     */
    public @Nullable String getEmbeddedFilePassword() {
        return embeddedFilePassword;
    }

    /**
     * Sets the embedded database's file password.
     *
     * @param embeddedFilePassword the password
     */
    public void setEmbeddedFilePassword(@Nullable String embeddedFilePassword) {
        this.embeddedFilePassword = embeddedFilePassword;
    }

    /**
     * The library's schema.
     *
     * @return the schema, or {@code null} for the connection's current one
     */
    public @Nullable String getSchema() {
        return schema;
    }

    /**
     * Sets the library's schema.
     *
     * @param schema the schema
     */
    public void setSchema(@Nullable String schema) {
        this.schema = schema;
    }

    /**
     * Whether migrations run on start.
     *
     * @return the setting, or {@code null} for the default
     */
    public @Nullable Boolean getMigrateOnStart() {
        return migrateOnStart;
    }

    /**
     * Sets whether migrations run on start.
     *
     * @param migrateOnStart the setting
     */
    public void setMigrateOnStart(@Nullable Boolean migrateOnStart) {
        this.migrateOnStart = migrateOnStart;
    }

    /**
     * Whether an unfiltered PostgreSQL login is refused.
     *
     * @return the setting, or {@code null} for the default
     */
    public @Nullable Boolean getRequireRowLevelSecurity() {
        return requireRowLevelSecurity;
    }

    /**
     * Sets whether an unfiltered PostgreSQL login is refused.
     *
     * @param requireRowLevelSecurity the setting
     */
    public void setRequireRowLevelSecurity(@Nullable Boolean requireRowLevelSecurity) {
        this.requireRowLevelSecurity = requireRowLevelSecurity;
    }

    /**
     * The hold in days.
     *
     * @return the days, or {@code null} for the default
     */
    public @Nullable Integer getHoldDays() {
        return holdDays;
    }

    /**
     * Sets the hold in days.
     *
     * @param holdDays the days
     */
    public void setHoldDays(@Nullable Integer holdDays) {
        this.holdDays = holdDays;
    }

    /**
     * The smallest payout.
     *
     * @return minor units, or {@code null} for the default
     */
    public @Nullable Long getMinimumPayoutMinor() {
        return minimumPayoutMinor;
    }

    /**
     * Sets the smallest payout.
     *
     * @param minimumPayoutMinor minor units
     */
    public void setMinimumPayoutMinor(@Nullable Long minimumPayoutMinor) {
        this.minimumPayoutMinor = minimumPayoutMinor;
    }

    /**
     * The attempts per transaction.
     *
     * @return the attempts, or {@code null} for the default
     */
    public @Nullable Integer getMaxAttempts() {
        return maxAttempts;
    }

    /**
     * Sets the attempts per transaction.
     *
     * @param maxAttempts the attempts
     */
    public void setMaxAttempts(@Nullable Integer maxAttempts) {
        this.maxAttempts = maxAttempts;
    }

    /**
     * The retry budget.
     *
     * @return the budget, or {@code null} for the default
     */
    public @Nullable Duration getRetryBudget() {
        return retryBudget;
    }

    /**
     * Sets the retry budget.
     *
     * @param retryBudget the budget
     */
    public void setRetryBudget(@Nullable Duration retryBudget) {
        this.retryBudget = retryBudget;
    }

    /**
     * The size of the library's own pool.
     *
     * @return the size, or {@code null} for the default
     */
    public @Nullable Integer getMaximumPoolSize() {
        return maximumPoolSize;
    }

    /**
     * Sets the size of the library's own pool.
     *
     * @param maximumPoolSize the size
     */
    public void setMaximumPoolSize(@Nullable Integer maximumPoolSize) {
        this.maximumPoolSize = maximumPoolSize;
    }

    /**
     * The group commit concurrency.
     *
     * @return the transactions, or {@code null} for the default
     */
    public @Nullable Integer getGroupCommitConcurrency() {
        return groupCommitConcurrency;
    }

    /**
     * Sets the group commit concurrency.
     *
     * @param groupCommitConcurrency the transactions
     */
    public void setGroupCommitConcurrency(@Nullable Integer groupCommitConcurrency) {
        this.groupCommitConcurrency = groupCommitConcurrency;
    }

    /**
     * Whether every use writes an event.
     *
     * @return the setting, or {@code null} for the default
     */
    public @Nullable Boolean getUseRecordedEvents() {
        return useRecordedEvents;
    }

    /**
     * Sets whether every use writes an event.
     *
     * @param useRecordedEvents the setting
     */
    public void setUseRecordedEvents(@Nullable Boolean useRecordedEvents) {
        this.useRecordedEvents = useRecordedEvents;
    }

    /**
     * The event retention.
     *
     * @return the retention, or {@code null} for the default
     */
    public @Nullable Duration getEventRetention() {
        return eventRetention;
    }

    /**
     * Sets the event retention.
     *
     * @param eventRetention the retention
     */
    public void setEventRetention(@Nullable Duration eventRetention) {
        this.eventRetention = eventRetention;
    }

    /**
     * The pseudonym key, Base64.
     *
     * @return the key, or {@code null} for the library's stored key
     */
    public @Nullable String getPseudonymKey() {
        return pseudonymKey;
    }

    /**
     * Sets the pseudonym key, Base64.
     *
     * @param pseudonymKey the key
     */
    public void setPseudonymKey(@Nullable String pseudonymKey) {
        this.pseudonymKey = pseudonymKey;
    }

    /**
     * The payout schedules, name to cron.
     *
     * @return the schedules, in the order given
     */
    public Map<String, String> getPayoutSchedules() {
        return payoutSchedules;
    }

    /**
     * Sets the payout schedules.
     *
     * @param payoutSchedules name to cron
     */
    public void setPayoutSchedules(Map<String, String> payoutSchedules) {
        this.payoutSchedules = payoutSchedules;
    }

    /**
     * The occurredAt window.
     *
     * @return the window's properties
     */
    public OccurredAtWindow getOccurredAtWindow() {
        return occurredAtWindow;
    }

    /**
     * The payout scheduler's intervals.
     *
     * @return the intervals' properties
     */
    public PayoutScheduler getPayoutScheduler() {
        return payoutScheduler;
    }

    /**
     * The migration login.
     *
     * @return the login's properties
     */
    public Migration getMigration() {
        return migration;
    }

    /**
     * The rate limits.
     *
     * @return the limits' properties
     */
    public RateLimitsProperties getRateLimits() {
        return rateLimits;
    }

    /**
     * The AsyncRecorder bean's options.
     *
     * @return the options' properties
     */
    public AsyncRecorderProperties getAsyncRecorder() {
        return asyncRecorder;
    }

    /**
     * The HTTP endpoints' options.
     *
     * @return the options' properties
     */
    public Web getWeb() {
        return web;
    }

    /**
     * The insights' options.
     *
     * @return the options' properties
     */
    public InsightsProperties getInsights() {
        return insights;
    }

    /** The insights: k of the figures creators see about others, and the daily check for alerts and goals. */
    public static class InsightsProperties {
        /**
         * The fewest creators a figure about other creators may cover when a creator sees it
         * (market insights, concentration shares, a model's standing among the platform's models);
         * a figure over fewer is withheld from creators, admins see it: 2 to 1000. Default 10.
         */
        private @Nullable Integer minimumCreators;

        /**
         * Whether each completed UTC day is checked for alerts, and the goals not yet reached,
         * shortly after it ends (00:15 UTC), once across all instances; runs a scheduler thread in
         * every instance. Default false: admins check days with POST /api/admin/insights/check.
         */
        private @Nullable Boolean dailyChecks;

        /**
         * The fewest creators a figure shown to a creator may cover.
         *
         * @return k, or {@code null} for the library's default
         */
        public @Nullable Integer getMinimumCreators() {
            return minimumCreators;
        }

        /**
         * Sets the fewest creators a figure shown to a creator may cover.
         *
         * @param minimumCreators k, or {@code null} for the library's default
         */
        public void setMinimumCreators(@Nullable Integer minimumCreators) {
            this.minimumCreators = minimumCreators;
        }

        /**
         * Whether the daily check runs.
         *
         * @return true if on, {@code null} for the library's default (off)
         */
        public @Nullable Boolean getDailyChecks() {
            return dailyChecks;
        }

        /**
         * Sets whether the daily check runs.
         *
         * @param dailyChecks true to run it
         */
        public void setDailyChecks(@Nullable Boolean dailyChecks) {
            this.dailyChecks = dailyChecks;
        }
    }

    /** The HTTP endpoints: off unless enabled, and the roles the default EarningsCallerResolver reads. */
    public static class Web {
        /**
         * Whether the HTTP endpoints (tracking, creator analytics, insights, admin, payouts,
         * reversals, audit log) are served, in a Spring MVC application. Default false: endpoints
         * that record and move money are turned on on purpose.
         */
        private boolean enabled;

        /**
         * The role of admins, who read any creator's analytics (with Spring Security, the authority
         * ROLE_ followed by it). Default EARNINGS_ADMIN.
         */
        private String adminRole = "EARNINGS_ADMIN";

        /**
         * The role of the host's backend, the only caller that records uses. Default EARNINGS_TRACKER.
         */
        private String trackerRole = "EARNINGS_TRACKER";

        /**
         * The largest request body read, in bytes; a longer one is answered 413 after reading no
         * more than this and one byte. Default 65536.
         */
        private int maxBodyBytes = 64 * 1024;

        /**
         * Each signed-in caller's allowance of requests to the endpoints, as a token bucket of
         * uses refilled evenly over per (for example uses=200, per=1s); a request over it is
         * answered 429 with Retry-After. Unset: no limit here (the library's rate-limits still
         * limit uses per user and per model).
         */
        private @Nullable Rate requestsPerCaller;

        /**
         * Whether the endpoints are served.
         *
         * @return true if enabled
         */
        public boolean isEnabled() {
            return enabled;
        }

        /**
         * Sets whether the endpoints are served.
         *
         * @param enabled true to serve them
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /**
         * The admins' role.
         *
         * @return the role
         */
        public String getAdminRole() {
            return adminRole;
        }

        /**
         * Sets the admins' role.
         *
         * @param adminRole the role
         */
        public void setAdminRole(String adminRole) {
            this.adminRole = adminRole;
        }

        /**
         * The host backend's role.
         *
         * @return the role
         */
        public String getTrackerRole() {
            return trackerRole;
        }

        /**
         * Sets the host backend's role.
         *
         * @param trackerRole the role
         */
        public void setTrackerRole(String trackerRole) {
            this.trackerRole = trackerRole;
        }

        /**
         * The largest request body read.
         *
         * @return the limit in bytes
         */
        public int getMaxBodyBytes() {
            return maxBodyBytes;
        }

        /**
         * Sets the largest request body read.
         *
         * @param maxBodyBytes the limit in bytes, at least 1
         */
        public void setMaxBodyBytes(int maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
        }

        /**
         * Each caller's allowance of requests.
         *
         * @return the rate, or null for no limit
         */
        public @Nullable Rate getRequestsPerCaller() {
            return requestsPerCaller;
        }

        /**
         * Sets each caller's allowance of requests.
         *
         * @param requestsPerCaller the rate, or null for no limit
         */
        public void setRequestsPerCaller(@Nullable Rate requestsPerCaller) {
            this.requestsPerCaller = requestsPerCaller;
        }
    }

    /** How far from now a host-given occurredAt may lie. */
    public static class OccurredAtWindow {
        /** How far in the past an occurredAt may lie: 0 to 3650 days. Default 35 days. */
        private @Nullable Duration back;

        /** How far in the future an occurredAt may lie: 0 to 3650 days. Default 5 minutes. */
        private @Nullable Duration ahead;

        /**
         * The past bound.
         *
         * @return the bound, or {@code null} for the default
         */
        public @Nullable Duration getBack() {
            return back;
        }

        /**
         * Sets the past bound.
         *
         * @param back the bound
         */
        public void setBack(@Nullable Duration back) {
            this.back = back;
        }

        /**
         * The future bound.
         *
         * @return the bound, or {@code null} for the default
         */
        public @Nullable Duration getAhead() {
            return ahead;
        }

        /**
         * Sets the future bound.
         *
         * @param ahead the bound
         */
        public void setAhead(@Nullable Duration ahead) {
            this.ahead = ahead;
        }
    }

    /** The payout scheduler's intervals. */
    public static class PayoutScheduler {
        /** How often an instance looks for due payout periods: 100ms to 1 hour. Default 10s. */
        private @Nullable Duration polling;

        /**
         * How often an instance running a period says it is alive (taken for dead after four missed
         * beats): 1 second to 1 hour. Default 1 minute.
         */
        private @Nullable Duration heartbeat;

        /**
         * The polling interval.
         *
         * @return the interval, or {@code null} for the default
         */
        public @Nullable Duration getPolling() {
            return polling;
        }

        /**
         * Sets the polling interval.
         *
         * @param polling the interval
         */
        public void setPolling(@Nullable Duration polling) {
            this.polling = polling;
        }

        /**
         * The heartbeat interval.
         *
         * @return the interval, or {@code null} for the default
         */
        public @Nullable Duration getHeartbeat() {
            return heartbeat;
        }

        /**
         * Sets the heartbeat interval.
         *
         * @param heartbeat the interval
         */
        public void setHeartbeat(@Nullable Duration heartbeat) {
            this.heartbeat = heartbeat;
        }
    }

    /**
     * A login of its own for the migrations: on PostgreSQL the owner of the library's tables, while
     * the application's DataSource logs in as a runtime role that owns nothing.
     */
    public static class Migration {
        /**
         * User the migrations log in as. When set, they run on connections of their own to
         * earnings.migration.url, opened for the migrations and closed once they are applied.
         */
        private @Nullable String username;

        /** Password of the migration user. */
        private @Nullable String password;

        /** JDBC URL the migrations connect to. Default: the URL of the application's DataSource. */
        private @Nullable String url;

        /**
         * The migration user.
         *
         * @return the user, or {@code null} to migrate through the application's DataSource
         */
        public @Nullable String getUsername() {
            return username;
        }

        /**
         * Sets the migration user.
         *
         * @param username the user
         */
        public void setUsername(@Nullable String username) {
            this.username = username;
        }

        /**
         * The migration password.
         *
         * @return the password, or {@code null}
         */
        public @Nullable String getPassword() {
            return password;
        }

        /**
         * Sets the migration password.
         *
         * @param password the password
         */
        public void setPassword(@Nullable String password) {
            this.password = password;
        }

        /**
         * The migration URL.
         *
         * @return the URL, or {@code null} for the application's DataSource's
         */
        public @Nullable String getUrl() {
            return url;
        }

        /**
         * Sets the migration URL.
         *
         * @param url the URL
         */
        public void setUrl(@Nullable String url) {
            this.url = url;
        }
    }

    /** Rate limits; on when at least one rate is given. */
    public static class RateLimitsProperties {
        /** Rates every user's uses must keep to, across every model: at most 4. */
        private List<Rate> perUser = new ArrayList<>();

        /** Rates every model's uses must keep to, whoever uses it: at most 4. */
        private List<Rate> perModel = new ArrayList<>();

        /**
         * Where the buckets are kept: LOCAL (this instance's memory) or SHARED (the PostgreSQL
         * database, one bucket for every instance). Default LOCAL.
         */
        private RateLimits.Storage storage = RateLimits.Storage.LOCAL;

        /**
         * The per-user rates.
         *
         * @return the rates
         */
        public List<Rate> getPerUser() {
            return perUser;
        }

        /**
         * Sets the per-user rates.
         *
         * @param perUser the rates
         */
        public void setPerUser(List<Rate> perUser) {
            this.perUser = perUser;
        }

        /**
         * The per-model rates.
         *
         * @return the rates
         */
        public List<Rate> getPerModel() {
            return perModel;
        }

        /**
         * Sets the per-model rates.
         *
         * @param perModel the rates
         */
        public void setPerModel(List<Rate> perModel) {
            this.perModel = perModel;
        }

        /**
         * Where the buckets are kept.
         *
         * @return the storage
         */
        public RateLimits.Storage getStorage() {
            return storage;
        }

        /**
         * Sets where the buckets are kept.
         *
         * @param storage the storage
         */
        public void setStorage(RateLimits.Storage storage) {
            this.storage = storage;
        }
    }

    /** One rate: at most {@code uses} uses at once, refilled at {@code uses} per {@code per}. */
    public static class Rate {
        /** The bucket's capacity and the uses refilled per period: 1 to 1,000,000,000. */
        private long uses;

        /** The period: 1 millisecond to 366 days, at least uses nanoseconds. */
        private @Nullable Duration per;

        /**
         * The uses per period.
         *
         * @return the uses
         */
        public long getUses() {
            return uses;
        }

        /**
         * Sets the uses per period.
         *
         * @param uses the uses
         */
        public void setUses(long uses) {
            this.uses = uses;
        }

        /**
         * The period.
         *
         * @return the period, or {@code null} when not given
         */
        public @Nullable Duration getPer() {
            return per;
        }

        /**
         * Sets the period.
         *
         * @param per the period
         */
        public void setPer(@Nullable Duration per) {
            this.per = per;
        }
    }

    /**
     * The AsyncRecorder bean: a queue that records uses in the background in groups, for hosts
     * that do not wait for each use's transaction.
     */
    public static class AsyncRecorderProperties {
        /** Whether an AsyncRecorder bean is created. Default false. */
        private boolean enabled;

        /** Uses that may wait in the queue: 1 to 1,000,000. Default 10,000. */
        private @Nullable Integer capacity;

        /** Uses written in one transaction at most: 1 to 10,000. Default 500. */
        private @Nullable Integer maxBatch;

        /** How long a writer waits for a group to fill: 0 to 10 seconds. Default 10ms. */
        private @Nullable Duration flushInterval;

        /** Whether a submit waits while the queue is full (else it fails at once). Default true. */
        private @Nullable Boolean blockWhenFull;

        /** Writer threads: 1 to 64. Default 4. */
        private @Nullable Integer writers;

        /**
         * How long closing waits for queued uses to be written: 0 to 1 hour. Default 30s.
         */
        private @Nullable Duration closeTimeout;

        /**
         * Whether the bean is created.
         *
         * @return the setting
         */
        public boolean isEnabled() {
            return enabled;
        }

        /**
         * Sets whether the bean is created.
         *
         * @param enabled the setting
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /**
         * The queue's capacity.
         *
         * @return the capacity, or {@code null} for the default
         */
        public @Nullable Integer getCapacity() {
            return capacity;
        }

        /**
         * Sets the queue's capacity.
         *
         * @param capacity the capacity
         */
        public void setCapacity(@Nullable Integer capacity) {
            this.capacity = capacity;
        }

        /**
         * The largest group.
         *
         * @return the size, or {@code null} for the default
         */
        public @Nullable Integer getMaxBatch() {
            return maxBatch;
        }

        /**
         * Sets the largest group.
         *
         * @param maxBatch the size
         */
        public void setMaxBatch(@Nullable Integer maxBatch) {
            this.maxBatch = maxBatch;
        }

        /**
         * The flush interval.
         *
         * @return the interval, or {@code null} for the default
         */
        public @Nullable Duration getFlushInterval() {
            return flushInterval;
        }

        /**
         * Sets the flush interval.
         *
         * @param flushInterval the interval
         */
        public void setFlushInterval(@Nullable Duration flushInterval) {
            this.flushInterval = flushInterval;
        }

        /**
         * Whether a submit waits while the queue is full.
         *
         * @return the setting, or {@code null} for the default
         */
        public @Nullable Boolean getBlockWhenFull() {
            return blockWhenFull;
        }

        /**
         * Sets whether a submit waits while the queue is full.
         *
         * @param blockWhenFull the setting
         */
        public void setBlockWhenFull(@Nullable Boolean blockWhenFull) {
            this.blockWhenFull = blockWhenFull;
        }

        /**
         * The writer threads.
         *
         * @return the count, or {@code null} for the default
         */
        public @Nullable Integer getWriters() {
            return writers;
        }

        /**
         * Sets the writer threads.
         *
         * @param writers the count
         */
        public void setWriters(@Nullable Integer writers) {
            this.writers = writers;
        }

        /**
         * The close timeout.
         *
         * @return the timeout, or {@code null} for the default
         */
        public @Nullable Duration getCloseTimeout() {
            return closeTimeout;
        }

        /**
         * Sets the close timeout.
         *
         * @param closeTimeout the timeout
         */
        public void setCloseTimeout(@Nullable Duration closeTimeout) {
            this.closeTimeout = closeTimeout;
        }
    }
}
