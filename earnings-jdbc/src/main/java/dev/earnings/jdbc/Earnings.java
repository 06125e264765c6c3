package dev.earnings.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.earnings.core.EarningsCalculator;
import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.core.InvalidInputException;
import dev.earnings.core.UnknownUsageTypeException;
import com.google.crypto.tink.KeysetHandle;
import dev.earnings.jdbc.internal.Access;
import dev.earnings.jdbc.internal.AdminReports;
import dev.earnings.jdbc.internal.Alerts;
import dev.earnings.jdbc.internal.AtRest;
import dev.earnings.jdbc.internal.Citus;
import dev.earnings.jdbc.internal.AuditLog;
import dev.earnings.jdbc.internal.Corrections;
import dev.earnings.jdbc.internal.CreatorReports;
import dev.earnings.jdbc.internal.Dialect;
import dev.earnings.jdbc.internal.EmbeddedH2;
import dev.earnings.jdbc.internal.EventDelivery;
import dev.earnings.jdbc.internal.Exporter;
import dev.earnings.jdbc.internal.Failures;
import dev.earnings.jdbc.internal.Goals;
import dev.earnings.jdbc.internal.GroupCommit;
import dev.earnings.jdbc.internal.InsightChecks;
import dev.earnings.jdbc.internal.InsightReports;
import dev.earnings.jdbc.internal.IntegrityChecker;
import dev.earnings.jdbc.internal.Jdbis;
import dev.earnings.jdbc.internal.Ledger;
import dev.earnings.jdbc.internal.Metrics;
import dev.earnings.jdbc.internal.ModelCatalog;
import dev.earnings.jdbc.internal.Outbox;
import dev.earnings.jdbc.internal.PayoutScheduler;
import dev.earnings.jdbc.internal.Pseudonyms;
import dev.earnings.jdbc.internal.RateLimiter;
import dev.earnings.jdbc.internal.Recommendations;
import dev.earnings.jdbc.internal.Recording;
import dev.earnings.jdbc.internal.RuntimeRole;
import dev.earnings.jdbc.internal.Settings;
import dev.earnings.jdbc.internal.Tracing;
import dev.earnings.jdbc.internal.Transactor;
import dev.earnings.jdbc.internal.UsageLog;
import dev.earnings.jdbc.internal.UsageWriter;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jdbi.v3.core.Jdbi;
import org.jspecify.annotations.Nullable;

/**
 * The library's entry point: records model uses exactly once and keeps every creator's figures.
 *
 * <p>Build one per database at start-up and share it; it is thread-safe. Several instances in
 * several processes may write to one PostgreSQL database (or H2 in server mode) at once: nothing
 * that decides an ordinal or an amount is kept in memory. The embedded H2 file database is opened
 * by one process at a time.
 *
 * <pre>{@code
 * try (Earnings earnings = Earnings.builder().embeddedDatabase(Path.of("earnings-data")).build()) {
 *     earnings.models().register("sdxl-anime", "creator-7", ModelPricing.of("0.01", "0.0001"));
 *     RecordedUse use = earnings.logModelUsage("user-42", "sdxl-anime", 50, "image_generation", Map.of());
 *     System.out.println(use.result().explain());
 * }
 * }</pre>
 */
public final class Earnings implements AutoCloseable {
    /** The longest occurredAt window either way: ten years. */
    public static final Duration MAX_WINDOW = Duration.ofDays(3650);

    /** The directory of the embedded database when the host configures no database at all. */
    public static final Path DEFAULT_EMBEDDED_DIRECTORY = Path.of("earnings-data");
    /** The default k of {@link Builder#insightsMinimumCreators}. */
    public static final int DEFAULT_MINIMUM_CREATORS = 10;

    private final EarningsCalculator calculator;
    private final Recording recording;
    private final GroupCommit groupCommit;
    private final IntegrityChecker integrity;
    private final ModelRegistry models;
    private final Analytics analytics;
    private final Admin admin;
    private final Payouts payouts;
    private final Exports exports;
    private final Reversals reversals;
    private final Insights insights;
    private final @Nullable PayoutScheduler payoutScheduler;
    private final Transactor tx;
    private final HikariDataSource ownedPool;
    private final List<AsyncRecorder> recorders = new CopyOnWriteArrayList<>();
    private final Events events;
    private final List<EventConsumer> consumers = new CopyOnWriteArrayList<>();
    private final Metrics metrics;
    private final Tracing tracing;

    private Earnings(Builder b, Transactor tx, Dialect dialect, DataSource dataSource, HikariDataSource ownedPool) {
        this.calculator = b.calculator;
        this.tx = tx;
        this.ownedPool = ownedPool;
        this.metrics = tx.metrics();
        this.tracing = tx.tracing();
        AuditLog audit = new AuditLog(b.clock);
        Outbox outbox = new Outbox(b.clock, b.useRecordedEvents);
        Settings settings = new Settings(tx, audit);
        settings.requireCurrency(calculator.currency());
        ModelCatalog catalog = new ModelCatalog();
        UsageWriter writer = new UsageWriter(catalog, calculator, b.clock, b.maxAge, b.maxAhead, dialect, b.metadataRules,
                b.atRest, outbox);
        Ledger ledger = new Ledger(tx, b.clock, calculator.currency(), b.holdDays, b.minimumPayoutMinor, audit, outbox);
        Access access = new Access(ledger, catalog);
        // The host's key when given: then no key is generated into the database at all.
        byte[] pseudonymKey = b.pseudonymKey != null ? b.pseudonymKey : settings.pseudonymKey();
        UsageLog usageLog = new UsageLog(tx, dialect, b.clock, b.maxAge, ledger, audit);
        // This month and the next exist before the first use is written.
        usageLog.cover(List.of());
        this.recording = new Recording(tx, writer, limiter(b, tx, pseudonymKey, dataSource), usageLog);
        this.groupCommit = new GroupCommit(recording, b.lanes, UsageWriter.MAX_USES);
        this.integrity = new IntegrityChecker(tx, dialect, ledger);
        this.models = new ModelRegistry(tx, catalog, ledger, writer, b.clock, audit);
        this.analytics = new Analytics(new CreatorReports(tx, access, ledger, catalog, new Pseudonyms(pseudonymKey),
                calculator, b.clock), metrics, tracing);
        this.exports = new Exports(new Exporter(tx, access, new Pseudonyms(pseudonymKey), calculator.currency()));
        this.admin = new Admin(new AdminReports(tx, ledger, catalog, b.clock, calculator.currency()), tx, audit, usageLog,
                exports);
        this.payouts = new Payouts(tx, ledger, access);
        this.reversals = new Reversals(tx, new Corrections(tx, writer, ledger, b.clock, calculator.currency(), audit, outbox),
                access);
        this.events = new Events(new EventDelivery(tx, b.clock, b.eventRetention), this::started, consumers::remove);
        metrics.asyncQueueDepth(() -> recorders.stream().mapToLong(AsyncRecorder::queued).sum());
        InsightReports insightReports = new InsightReports(tx, access, catalog, calculator, b.clock,
                b.insightsMinimumCreators);
        Goals goals = new Goals(b.clock, calculator.currency(), outbox, insightReports);
        Alerts alerts = new Alerts(b.clock, calculator.currency(), outbox);
        InsightChecks checks = new InsightChecks(tx, alerts, goals, b.clock);
        this.insights = new Insights(tx, access, alerts, goals,
                new Recommendations(calculator.tiers(), b.clock), checks,
                insightReports, b.clock);
        if (b.payoutSchedules.isEmpty() && !b.insightChecks) {
            this.payoutScheduler = null;
        } else {
            this.payoutScheduler = new PayoutScheduler(dataSource, b.schema, dialect, List.copyOf(b.payoutSchedules.values()),
                    ledger, audit, tx, b.clock, b.schedulerPolling, b.schedulerHeartbeat, b.insightChecks ? checks : null);
            payoutScheduler.start();
        }
    }

    /** Keeps a started consumer, to close it with this instance, and reports its lag. */
    private void started(EventConsumer consumer) {
        consumers.add(consumer);
        String name = consumer.name();
        metrics.consumerLag(name, () -> events.status(name).map(EventConsumerStatus::pending).orElse(0L));
    }

    private static RateLimiter limiter(Builder b, Transactor tx, byte[] pseudonymKey, DataSource dataSource) {
        if (b.rateLimits == null) {
            return RateLimiter.off();
        }
        if (b.rateLimits.storage() == RateLimits.Storage.LOCAL) {
            return RateLimiter.local(b.rateLimits, b.clock);
        }
        return RateLimiter.shared(b.rateLimits, b.clock, dataSource, b.schema, tx, pseudonymKey);
    }

    /**
     * Starts configuring an instance.
     *
     * @return a builder with the defaults: embedded database in {@link #DEFAULT_EMBEDDED_DIRECTORY},
     *     migrations applied on start, the contract's default rules, the system UTC clock
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The model registry: register models, change their pricing, switch monetization.
     *
     * @return the registry
     */
    public ModelRegistry models() {
        return models;
    }

    /**
     * Creator analytics: dashboards, model reports, balances.
     *
     * @return the analytics
     */
    public Analytics analytics() {
        return analytics;
    }

    /**
     * Admin views: platform totals, the creators overview, the transaction summary.
     *
     * @return the admin views
     */
    public Admin admin() {
        return admin;
    }

    /**
     * Payouts to creators.
     *
     * @return the payouts
     */
    public Payouts payouts() {
        return payouts;
    }

    /**
     * Exports of uses, reversals, payouts and the audit log, as CSV or JSON Lines, streamed.
     *
     * @return the exports
     */
    public Exports exports() {
        return exports;
    }

    /**
     * Reversals of recorded uses: refunds, fraud, chargebacks.
     *
     * @return the reversals
     */
    public Reversals reversals() {
        return reversals;
    }

    /**
     * Insights for creators: alerts on unusual days, monthly goals, recommendations.
     *
     * @return the insights
     */
    public Insights insights() {
        return insights;
    }

    /**
     * Events out of the library, and their consumers.
     *
     * @return the events
     */
    public Events events() {
        return events;
    }

    /**
     * Records one use that happened now, with a library-assigned eventId.
     *
     * <p>One transaction writes the usage row, the model's aggregate and the daily rollup, or
     * nothing. Hosts that retry on failure should use {@link #logModelUsage(UsageRequest)} with an
     * eventId, so that a retry cannot record the use twice.
     *
     * @param userId the user, 1 to 128 characters, no control characters
     * @param modelId a registered model
     * @param tokensConsumed tokens of the use, from 0 to the configured maximum
     * @param usageType a configured usage type, such as {@code image_generation} or {@code chat}
     * @param metadata a JSON-like map (strings, booleans, whole numbers, BigDecimals, lists, maps),
     *     or {@code null}; its {@code prompt} is cut to 100 code points
     * @return the recorded use with its explained result, ordinal and eventId
     * @throws InvalidInputException if an argument is not allowed; nothing is written
     * @throws UnknownModelException if the model is not registered; nothing is written
     * @throws UnknownUsageTypeException if the usage type is not configured; nothing is written
     * @throws RateLimitedException if the use is over a configured rate limit; nothing is written
     * @throws StorageException if the database fails after the retries; nothing is written
     */
    public RecordedUse logModelUsage(String userId, String modelId, long tokensConsumed, String usageType,
            @Nullable Map<String, ?> metadata) {
        return logModelUsage(UsageRequest.builder(userId, modelId).tokensConsumed(tokensConsumed)
                .usageType(usageType).metadata(metadata).build());
    }

    /**
     * Records one use exactly once.
     *
     * <p>With an eventId that was recorded before: the same payload returns the original record
     * ({@link RecordedUse#replayed()} is {@code true}) and writes nothing; a different payload is an
     * {@link IdempotencyConflictException}. The payload is the user, model, tokens, usage type,
     * metadata and, when the request gives one, occurredAt.
     *
     * @param request the use
     * @return the recorded use
     * @throws InvalidInputException if the request breaks a rule (tokens, usage type, occurredAt
     *     window); nothing is written
     * @throws UnknownModelException if the model is not registered; nothing is written
     * @throws IdempotencyConflictException if the eventId was recorded with another payload
     * @throws RateLimitedException if the use is over a configured rate limit; nothing is written.
     *     A replay of a recorded eventId is answered even then, and takes nothing from a limit
     * @throws StorageException if the database fails after the retries; nothing is written
     */
    public RecordedUse logModelUsage(UsageRequest request) {
        if (request == null) {
            throw new InvalidInputException("request", "request is missing; allowed: a UsageRequest");
        }
        long started = System.nanoTime();
        try (Tracing.Span span = tracing.start("earnings.record")) {
            span.attribute("earnings.model_id", String.valueOf(request.modelId()));
            try {
                RecordedUse use = groupCommit.record(recording.pending(request));
                span.attribute("earnings.replayed", use.replayed() ? 1 : 0);
                return use;
            } catch (RuntimeException e) {
                span.failed(e);
                throw e;
            }
        } finally {
            metrics.recordLatency(System.nanoTime() - started);
        }
    }

    /**
     * Records many uses in one transaction. Every use that passes validation is written, or none
     * is; a rejected use is reported in its item and does not stop the others. Replays of earlier
     * eventIds, and repeats of an eventId within the batch, return the original record.
     *
     * <p>Under {@linkplain Builder#rateLimits rate limits} each use is judged on its own, in the
     * batch's order, like any other rejection: the uses that find room in their user's and model's
     * limits are written, the rest are items failed with {@link RateLimitedException}.
     *
     * @param requests up to 10,000 uses
     * @return one item per use, in order
     * @throws InvalidInputException if the list is missing or too long
     * @throws StorageException if the database fails after the retries; nothing of the batch is written
     */
    public BatchResult logModelUsageBatch(List<UsageRequest> requests) {
        if (requests == null || requests.size() > UsageWriter.MAX_USES) {
            throw new InvalidInputException("requests", "requests is " + (requests == null ? "missing"
                    : requests.size() + " uses") + "; allowed: a list of up to " + UsageWriter.MAX_USES + " uses");
        }
        long started = System.nanoTime();
        try (Tracing.Span span = tracing.start("earnings.batch")) {
            span.attribute("earnings.uses", requests.size());
            try {
                // Assigned once, before the first attempt, so a retried transaction writes the same ids.
                List<UsageWriter.Pending> uses = new ArrayList<>(requests.size());
                for (UsageRequest request : requests) {
                    uses.add(recording.pending(request));
                }
                BatchResult result = recording.batch(uses);
                span.attribute("earnings.recorded", result.recorded()).attribute("earnings.rejected", result.rejected());
                return result;
            } catch (RuntimeException e) {
                span.failed(e);
                throw e;
            }
        } finally {
            metrics.batch(requests.size(), System.nanoTime() - started);
        }
    }

    /**
     * Starts a recorder that writes uses in the background, in groups. Close it (or this instance)
     * to write everything it accepted.
     *
     * @param options queue size, group size and interval, full-queue policy, failure handling,
     *     close timeout
     * @return the running recorder
     * @throws InvalidConfigurationException if the options are missing
     */
    public AsyncRecorder asyncRecorder(AsyncRecorder.Options options) {
        AsyncRecorder recorder = new AsyncRecorder(recording, AsyncRecorder.requireOptions(options), recorders::remove);
        recorders.add(recorder);
        return recorder;
    }

    /**
     * Recomputes every model aggregate and daily rollup from the usage rows and reports what
     * differs. It reads every usage row, so run it as an audit, not on a request path.
     *
     * @return the report; {@link IntegrityReport#isClean()} when everything matches to the last digit
     * @throws StorageException if the database fails
     */
    public IntegrityReport verifyIntegrity() {
        return integrity.verify();
    }

    /**
     * Checks one month (UTC) of the usage log: the daily rollups, the users of each day and the
     * quarter-hour rollups of the month's days against the month's usage rows (on PostgreSQL, its
     * partition alone) and the reversals booked on those days, and that no use of the month is
     * reversed beyond what it earned. An archived month is checked against what its archive
     * recorded. The model totals and the balances span every month: {@link #verifyIntegrity()}
     * checks them. Cheaper than the whole check by the number of months, so a large usage log can
     * be audited a month at a time.
     *
     * @param month the month
     * @return the report of the month
     * @throws InvalidInputException if the month is missing
     * @throws StorageException if the database fails
     */
    public IntegrityReport verifyIntegrity(YearMonth month) {
        if (month == null) {
            throw new InvalidInputException("month", "month is missing; allowed: a YearMonth");
        }
        return integrity.verify(month);
    }

    /**
     * The rules uses are rated with.
     *
     * @return the calculator
     */
    public EarningsCalculator calculator() {
        return calculator;
    }

    /**
     * How many times a transaction was run again after a transient failure, since this instance
     * was built: a figure for monitoring, and for tests that must show a run needed no retry.
     *
     * @return the number of retries
     */
    public long retries() {
        return tx.retries();
    }

    /**
     * Closes the asynchronous recorders (each writes everything it accepted, within its close
     * timeout), then the connection pool when the library created it; a host's
     * {@code DataSource} is left open, since the host owns it.
     */
    @Override
    public void close() {
        for (EventConsumer consumer : consumers) {
            consumer.close();
        }
        if (payoutScheduler != null) {
            payoutScheduler.close();
        }
        for (AsyncRecorder recorder : recorders) {
            recorder.close();
        }
        if (ownedPool != null) {
            ownedPool.close();
        }
        metrics.close();
    }

    /**
     * Configures an {@link Earnings} instance. Each setter validates at once; {@link #build()}
     * connects, applies migrations and checks the stored settings.
     */
    public static final class Builder {
        private DataSource dataSource;
        private String jdbcUrl;
        private String username;
        private String password;
        private DataSource migrationDataSource;
        private boolean migrationCredentials;
        private String migrationUsername;
        private String migrationPassword;
        private boolean requireRowLevelSecurity = true;
        private Path embeddedDirectory;
        private Optional<String> schema = Optional.empty();
        private boolean migrateOnStart = true;
        private boolean distributeOnCitus;
        private EarningsCalculator calculator = EarningsCalculator.defaults();
        private Clock clock = Clock.systemUTC();
        private Duration maxAge = Duration.ofDays(35);
        private Duration maxAhead = Duration.ofMinutes(5);
        private int maxAttempts = 10;
        private Duration retryBudget = Duration.ofSeconds(30);
        private int maximumPoolSize = 10;
        private int lanes = 2;
        private int holdDays;
        private long minimumPayoutMinor = 1;
        private boolean useRecordedEvents;
        private Duration eventRetention = Duration.ofDays(7);
        private final Map<String, PayoutSchedule> payoutSchedules = new LinkedHashMap<>();
        private Duration schedulerPolling = Duration.ofSeconds(10);
        private Duration schedulerHeartbeat = Duration.ofMinutes(1);
        private boolean insightChecks;
        private int insightsMinimumCreators = DEFAULT_MINIMUM_CREATORS;
        private byte @Nullable [] pseudonymKey;
        private MetadataRules metadataRules = MetadataRules.defaults();
        private @Nullable RateLimits rateLimits;
        /** An {@code io.micrometer.core.instrument.MeterRegistry}, kept as an Object so that no Micrometer class loads with the builder. */
        private @Nullable Object meterRegistry;
        /** An {@code io.opentelemetry.api.OpenTelemetry}, kept as an Object for the same reason. */
        private @Nullable Object openTelemetry;
        private AtRest atRest = AtRest.plain();
        private char @Nullable [] filePassword;

        private Builder() {
        }

        /**
         * Uses the host's connection pool. The library borrows connections and never closes the pool.
         *
         * @param dataSource the host's data source
         * @return this builder
         */
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            return this;
        }

        /**
         * Connects to a JDBC URL with a HikariCP pool the library owns and closes on {@link Earnings#close()}.
         *
         * @param jdbcUrl for example {@code jdbc:postgresql://db:5432/app}
         * @return this builder
         */
        public Builder jdbcUrl(String jdbcUrl) {
            return jdbcUrl(jdbcUrl, null, null);
        }

        /**
         * Connects to a JDBC URL with credentials, with a pool the library owns.
         *
         * @param jdbcUrl the URL
         * @param username the user, or {@code null}
         * @param password the password, or {@code null}
         * @return this builder
         */
        public Builder jdbcUrl(String jdbcUrl, @Nullable String username, @Nullable String password) {
            if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:")) {
                // Never the URL itself: it may hold a password.
                throw new InvalidConfigurationException("jdbcUrl", "jdbcUrl is " + (jdbcUrl == null ? "missing" : "not a JDBC URL")
                        + "; allowed: a JDBC URL such as jdbc:postgresql://host:5432/database");
            }
            this.jdbcUrl = jdbcUrl;
            this.username = username;
            this.password = password;
            return this;
        }

        /**
         * Applies the migrations through another pool: on PostgreSQL, one that logs in as the owner
         * of the library's tables, while the pool of {@link #dataSource} or {@link #jdbcUrl} logs
         * in as a runtime role that owns nothing. The runtime role then cannot change the schema or
         * turn row-level security off, and the policies filter every query it runs. The library
         * borrows connections and never closes the pool.
         *
         * @param dataSource the owner's data source
         * @return this builder
         */
        public Builder migrationDataSource(DataSource dataSource) {
            this.migrationDataSource = Objects.requireNonNull(dataSource, "migrationDataSource");
            return this;
        }

        /**
         * Applies the migrations as another login on the {@link #jdbcUrl} database: on PostgreSQL,
         * the owner of the library's tables, while the URL's own credentials are those of a runtime
         * role that owns nothing (see {@link #migrationDataSource} for why). The migrations run on
         * connections of their own, opened for them and closed after.
         *
         * @param username the owner's user
         * @param password the owner's password, or {@code null}
         * @return this builder
         */
        public Builder migrationCredentials(String username, @Nullable String password) {
            this.migrationCredentials = true;
            this.migrationUsername = Objects.requireNonNull(username, "username");
            this.migrationPassword = password;
            return this;
        }

        /**
         * Whether {@link #build()} refuses a PostgreSQL login that row-level security does not
         * filter: a superuser or a role with BYPASSRLS (default {@code true}). For such a login a
         * query that forgot its creator filter would return every creator's rows, so a payments
         * library does not run as one by accident. Turn it off only where one privileged login is
         * run knowingly, such as a throwaway test database; the library then logs a warning. H2 has
         * no row-level security and ignores this.
         *
         * @param require whether to refuse
         * @return this builder
         */
        public Builder requireRowLevelSecurity(boolean require) {
            this.requireRowLevelSecurity = require;
            return this;
        }

        /**
         * Uses the embedded H2 database, kept in files in {@code directory} (created when missing).
         * This is the default, in {@link #DEFAULT_EMBEDDED_DIRECTORY}, when no database is configured.
         *
         * @param directory where the database files live
         * @return this builder
         */
        public Builder embeddedDatabase(Path directory) {
            this.embeddedDirectory = requireEmbeddedDirectory(directory);
            return this;
        }

        /**
         * What is done to a use's metadata before it is stored: which keys are prompt-like (their
         * strings cut to 100 code points at any depth) and which are denied (metadata holding one
         * is refused). The defaults are the contract's; a host adds the keys its own clients use
         * for free text or secrets.
         *
         * @param rules the rules
         * @return this builder
         */
        public Builder metadataRules(MetadataRules rules) {
            if (rules == null) {
                throw new InvalidConfigurationException("metadataRules", "metadataRules is missing; allowed:"
                        + " MetadataRules.defaults() or MetadataRules.of(promptKeys, deniedKeys)");
            }
            this.metadataRules = rules;
            return this;
        }

        /**
         * Stores each use's metadata encrypted and its user id as a keyed token, with the host's
         * own keys, so that a copy of the database (a backup, a replica, a stolen disk image)
         * holds neither what users' metadata said nor which user made a use. Without it both are
         * stored as given.
         *
         * <ul>
         *   <li>Metadata is encrypted with the AEAD of {@code metadataKeys}, the use's eventId as
         *       associated data, so a ciphertext copied to another row does not decrypt there.
         *   <li>A user id is stored as a 128-bit token, a PRF of the id under {@code userIdKeys}:
         *       deterministic, so replays, unique-user counts and dashboards work on tokens, and
         *       keyed, so nobody without the key can find a user by hashing candidate ids.
         *       Whether a use is the creator's own is decided on the plain id before it is
         *       tokenized.
         * </ul>
         *
         * <p>The types are Tink's {@link KeysetHandle}, taken as they are, for three reasons: a
         * host loads them the way it keeps secrets (for example a key set encrypted by a KMS key,
         * read with Tink), so the library never handles serialized key material; a key set holds
         * several keys, one of them primary, which is how keys rotate; and Tink checks the
         * algorithms. Tink is therefore a dependency of this API.
         *
         * <p><b>Rotation</b> without rewriting a row: add a new key to a key set, make it primary,
         * keep the old keys. New rows use the primary key; old rows stay readable because a
         * ciphertext names the key that made it and each row keeps the id of the key that made
         * its token. A key set without a key that made stored rows fails clearly on a replay of
         * those rows. A new user-id key gives every user a new token: a user seen before and
         * after the rotation on the same day counts twice in that day's unique users, and the
         * pseudonym creators see for that user changes.
         *
         * <p>Turning encryption on for a database with plain rows leaves those rows as they are,
         * readable: replays compare them plain. Their users get tokens in new rows, with the same
         * effect on counts and pseudonyms as a rotation. Turning it off again makes replays of
         * encrypted rows fail with a {@link StorageException} that says so.
         *
         * <p>Amounts, model and creator ids, usage types and times stay plain: the database sums,
         * groups and orders by them. Encrypting the disk is the operator's part.
         *
         * @param metadataKeys a Tink key set of AEAD keys, such as {@code AES256_GCM}
         * @param userIdKeys a Tink key set of PRF keys, such as {@code HMAC_SHA256_PRF}
         * @return this builder
         * @throws InvalidConfigurationException if a key set is missing or not of its kind
         */
        public Builder encryption(KeysetHandle metadataKeys, KeysetHandle userIdKeys) {
            this.atRest = AtRest.of(metadataKeys, userIdKeys);
            return this;
        }

        /**
         * Encrypts the embedded database's files with H2's file encryption ({@code CIPHER=AES}),
         * so its files on disk hold no readable row, amounts and ids included. It protects files
         * that leave the machine (a copied directory, a backup); the key is in the process while
         * it runs. The same password must be given every time; a wrong one, or encrypted files
         * opened without it, fails {@link #build()} with a {@link StorageException} that never
         * repeats the password. To encrypt an existing embedded database, run H2's
         * {@code ChangeFileEncryption} tool on its directory while no instance is running.
         *
         * @param filePassword at least 12 characters, no spaces (H2 takes a space as the end of
         *     the file password); copied
         * @return this builder
         * @throws InvalidConfigurationException if the password is missing, too short or has a space
         */
        public Builder embeddedFileEncryption(char[] filePassword) {
            if (filePassword == null || filePassword.length < 12) {
                throw new InvalidConfigurationException("embeddedFileEncryption", "the file password is "
                        + (filePassword == null ? "missing" : filePassword.length + " characters long")
                        + "; allowed: at least 12 characters without spaces");
            }
            for (int i = 0; i < filePassword.length; i++) {
                if (Character.isWhitespace(filePassword[i]) || Character.isISOControl(filePassword[i])) {
                    throw new InvalidConfigurationException("embeddedFileEncryption", "the file password has a space or"
                            + " control character at index " + i + "; allowed: at least 12 characters without spaces");
                }
            }
            this.filePassword = filePassword.clone();
            return this;
        }

        /**
         * Keys the pseudonyms that creators see instead of user ids with the host's own secret,
         * kept where the host keeps its secrets, rather than with a key the library generates and
         * stores in its own database (where anyone who can read the data can read the key too).
         *
         * <p>A pseudonym is keyed by the creator and the user, so one user looks different to two
         * creators. Changing the key changes every pseudonym at once (recent activity then shows
         * new ones; counts of unique users are not affected, they count users, not pseudonyms): to
         * rotate, deploy the new key to every instance together.
         *
         * @param key at least 32 bytes from a secure random source; copied
         * @return this builder
         * @throws InvalidConfigurationException if the key is missing or shorter than 32 bytes
         */
        public Builder pseudonymKey(byte[] key) {
            if (key == null || key.length < 32) {
                throw new InvalidConfigurationException("pseudonymKey", "pseudonymKey is "
                        + (key == null ? "missing" : key.length + " bytes") + "; allowed: at least 32 bytes of secure random data");
            }
            this.pseudonymKey = key.clone();
            return this;
        }

        /**
         * Keeps the library's tables and its migration history in a schema of their own, created
         * when missing. By default they go to the connection's current schema.
         *
         * @param schema a lower-case identifier: a-z, 0-9 and _, not starting with a digit
         * @return this builder
         */
        public Builder schema(String schema) {
            this.schema = Optional.of(Jdbis.requireSchema(schema));
            return this;
        }

        /**
         * Whether to apply the library's migrations on start (default {@code true}). Hosts that
         * migrate at deploy time turn it off; the library then expects the schema to be current.
         *
         * @param migrate whether to migrate
         * @return this builder
         */
        public Builder migrateOnStart(boolean migrate) {
            this.migrateOnStart = migrate;
            return this;
        }

        /**
         * Whether to distribute the library's tables with Citus on start (default {@code false}):
         * after the migrations, once per database (Flyway records it in
         * {@code earnings_citus_history}), as the login that migrates. Models and everything keyed
         * by model are distributed by model and placed together, creators and payouts by creator,
         * eventIds and correction ids by themselves (each kept once over all shards); the
         * settings become a reference table; the event outbox, the audit log and the schedulers'
         * tables stay on the coordinator. Whether or not this instance
         * distributed them, every instance on distributed tables uses the statements Citus runs.
         * See {@code docs/scale-out.md}.
         *
         * @param distribute whether to distribute
         * @return this builder
         */
        public Builder distributeOnCitus(boolean distribute) {
            this.distributeOnCitus = distribute;
            return this;
        }

        /**
         * Sets the rating rules: currency, tiers, usage types, token maximum, self-use policy.
         *
         * @param calculator the rules; default {@link EarningsCalculator#defaults()}
         * @return this builder
         */
        public Builder calculator(EarningsCalculator calculator) {
            this.calculator = Objects.requireNonNull(calculator, "calculator");
            return this;
        }

        /**
         * Sets the clock for "now": occurredAt defaults, recordedAt, the occurredAt window.
         *
         * @param clock the clock; default the system clock in UTC
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets how far from now a host-given occurredAt may lie.
         *
         * @param back how far in the past, default 35 days
         * @param ahead how far in the future, default 5 minutes
         * @return this builder
         */
        public Builder occurredAtWindow(Duration back, Duration ahead) {
            if (back == null || back.isNegative() || ahead == null || ahead.isNegative()
                    || back.compareTo(MAX_WINDOW) > 0 || ahead.compareTo(MAX_WINDOW) > 0) {
                throw new InvalidConfigurationException("occurredAtWindow", "occurredAtWindow is (" + back + ", " + ahead
                        + "); allowed: two durations from zero to " + MAX_WINDOW.toDays() + " days (back, ahead)");
            }
            this.maxAge = back;
            this.maxAhead = ahead;
            return this;
        }

        /**
         * Writes an {@link EventType#USE_RECORDED} event for every use recorded, in the use's
         * transaction (default off: it doubles the rows recording writes). The other events are
         * always written.
         *
         * @param on whether every use is an event
         * @return this builder
         */
        public Builder useRecordedEvents(boolean on) {
            this.useRecordedEvents = on;
            return this;
        }

        /**
         * How long an event is kept once every consumer has handled it (default 7 days); pruning
         * never deletes an event a consumer has yet to handle or holds as a dead letter.
         *
         * @param retention 1 minute to 10 years
         * @return this builder
         */
        public Builder eventRetention(Duration retention) {
            if (retention == null || retention.compareTo(Duration.ofMinutes(1)) < 0 || retention.compareTo(MAX_WINDOW) > 0) {
                throw new InvalidConfigurationException("eventRetention", "eventRetention is "
                        + (retention == null ? "missing" : retention) + "; allowed: 1 minute to 10 years");
            }
            this.eventRetention = retention;
            return this;
        }

        /**
         * Holds earnings for fraud review: a use's earnings count in the creator's balance at
         * once, as {@linkplain Balance#held() held}, and become available after the UTC day of the
         * use and {@code days} more full UTC days (a use of March 10 with 7 days is available from
         * March 18, 00:00 UTC). Reversals of held uses lower what is held.
         *
         * @param days from 0 (no hold: earnings are available at once) to 365; default 0
         * @return this builder
         */
        public Builder holdDays(int days) {
            if (days < 0 || days > 365) {
                throw new InvalidConfigurationException("holdDays", "holdDays is " + days + "; allowed: 0 to 365");
            }
            this.holdDays = days;
            return this;
        }

        /**
         * Runs bulk payouts on a schedule: at each time it names, every creator at or above the
         * minimum payout gets one pending payout of their available balance, exactly once per
         * period across every application instance built with the same schedule on the same
         * database (the schedules' state lives there, in {@code earnings_scheduled_tasks}). A run
         * that an instance's death cuts short is run again by another instance once the dead
         * one's heartbeat has stopped, paying only those the first run had not paid. Completing
         * the payouts stays with the host, as for any payout.
         *
         * @param schedule a schedule; several may be given, each with a name of its own
         * @return this builder
         */
        public Builder payoutSchedule(PayoutSchedule schedule) {
            if (schedule == null) {
                throw new InvalidConfigurationException("payoutSchedule", "payoutSchedule is missing; allowed: for example"
                        + " PayoutSchedule.monthly(\"monthly\")");
            }
            if (payoutSchedules.containsKey(schedule.name())) {
                throw new InvalidConfigurationException("payoutSchedule", "payoutSchedule '" + schedule.name()
                        + "' is given twice; allowed: one schedule per name");
            }
            payoutSchedules.put(schedule.name(), schedule);
            return this;
        }

        /**
         * Checks each completed UTC day for alerts, and the goals not yet reached, shortly after
         * the day ends (at 00:15 UTC), once across all instances of the application: the check
         * runs on the payout scheduler (db-scheduler, its state in {@code earnings_scheduled_tasks})
         * and looks at every day after the last one checked, up to yesterday and at most the last
         * 7, so that a run missed while no instance was up is made up by the next. Off by default,
         * since it runs a scheduler thread in every instance; without it, an admin checks days with
         * {@link Insights#checkAlerts}.
         *
         * @param on whether the daily check runs
         * @return this builder
         */
        public Builder insightChecks(boolean on) {
            this.insightChecks = on;
            return this;
        }

        /**
         * Sets k, the fewest creators whose models a figure about other creators may cover when a
         * creator sees it: market insights by usage type, hour and weekday, concentration shares,
         * and a model's standing among the platform's models. A figure over fewer creators is
         * withheld from creators (admins see it), so that no creator can read another's figures
         * out of an aggregate (k-anonymity).
         *
         * @param k 2 to 1,000; 10 by default
         * @return this builder
         * @throws InvalidInputException if k is out of range
         */
        public Builder insightsMinimumCreators(int k) {
            if (k < 2 || k > 1000) {
                throw new InvalidInputException("insightsMinimumCreators", "insightsMinimumCreators is " + k
                        + "; allowed: 2 to 1000 (10 by default)");
            }
            this.insightsMinimumCreators = k;
            return this;
        }

        /**
         * Sets how often an instance looks for due payout periods (and for the daily insight
         * check, when {@link #insightChecks(boolean) on}), and how often one running a period says
         * it is alive (it is taken for dead after four missed beats, and another
         * instance runs the period again).
         *
         * @param polling from 100 ms to 1 hour; default 10 seconds
         * @param heartbeat from 1 second to 1 hour; default 1 minute
         * @return this builder
         */
        public Builder payoutSchedulerIntervals(Duration polling, Duration heartbeat) {
            if (polling == null || heartbeat == null || polling.compareTo(Duration.ofMillis(100)) < 0
                    || polling.compareTo(Duration.ofHours(1)) > 0 || heartbeat.compareTo(Duration.ofSeconds(1)) < 0
                    || heartbeat.compareTo(Duration.ofHours(1)) > 0) {
                throw new InvalidConfigurationException("payoutSchedulerIntervals", "payoutSchedulerIntervals is ("
                        + polling + ", " + heartbeat + "); allowed: polling from 100 ms to 1 hour, heartbeat from 1 second"
                        + " to 1 hour");
            }
            this.schedulerPolling = polling;
            this.schedulerHeartbeat = heartbeat;
            return this;
        }

        /**
         * Sets the smallest payout: every payout must be at least this much, so nothing is paid
         * while a creator's available balance is below it (as while they owe the platform after a
         * reversal), and bulk payouts skip creators below it whatever their own threshold.
         *
         * @param minorUnits 1 or more minor units of the currency; default 1
         * @return this builder
         */
        public Builder minimumPayoutMinor(long minorUnits) {
            if (minorUnits < 1) {
                throw new InvalidConfigurationException("minimumPayoutMinor", "minimumPayoutMinor is " + minorUnits
                        + "; allowed: 1 or more minor units");
            }
            this.minimumPayoutMinor = minorUnits;
            return this;
        }

        /**
         * Sets how many times a transaction is attempted when it fails for a transient reason
         * (serialization failure, deadlock, lock timeout, lost connection).
         *
         * @param attempts from 1 to 100; default 10
         * @return this builder
         */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1 || attempts > 100) {
                throw new InvalidConfigurationException("maxAttempts", "maxAttempts is " + attempts + "; allowed: 1 to 100");
            }
            this.maxAttempts = attempts;
            return this;
        }

        /**
         * Sets the time budget of a call's retries: no attempt starts after this much time since
         * the first began, so a call fails within about this time (plus one attempt) when the
         * database is down, instead of hanging.
         *
         * @param budget from 0 to 10 minutes; default 30 seconds
         * @return this builder
         */
        public Builder retryBudget(Duration budget) {
            if (budget == null || budget.isNegative() || budget.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new InvalidConfigurationException("retryBudget", "retryBudget is " + budget
                        + "; allowed: a duration from zero to 10 minutes");
            }
            this.retryBudget = budget;
            return this;
        }

        /**
         * Sets how many transactions of synchronous {@code logModelUsage} calls may run at once.
         * Concurrent calls are group-committed: while these transactions run, newly arriving calls
         * wait and then join one transaction together, so fewer transactions carry more uses. Two
         * running transactions never share a model.
         *
         * @param transactions from 1 to 64; default 2
         * @return this builder
         */
        public Builder groupCommitConcurrency(int transactions) {
            if (transactions < 1 || transactions > 64) {
                throw new InvalidConfigurationException("groupCommitConcurrency", "groupCommitConcurrency is "
                        + transactions + "; allowed: 1 to 64");
            }
            this.lanes = transactions;
            return this;
        }

        /**
         * Limits how fast uses are recorded, per user and per model, so that one user (or a script
         * with a user's credentials) cannot record thousands of uses in seconds and move a model's
         * tier. A use over a limit fails with a {@link RateLimitedException} that says when to
         * retry, and nothing of it is written; every way of recording is limited alike. Off by
         * default.
         *
         * @param limits the limits; {@link RateLimits.Storage#SHARED} needs PostgreSQL
         * @return this builder
         */
        public Builder rateLimits(RateLimits limits) {
            this.rateLimits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Reports the library's figures to a Micrometer registry: uses recorded, replayed,
         * rejected and conflicting, the latency of recording, batches and dashboards, retries and
         * storage failures, the asynchronous recorders' queues and groups, payout transitions and
         * each event consumer's lag (the README's "Metrics and tracing" lists every meter). Tags hold
         * bounded values only, never an id. Off by default: without a registry nothing of Micrometer
         * is loaded, so hosts without it need not ship it.
         *
         * @param registry the host's registry, Spring's or any other
         * @return this builder
         */
        public Builder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Traces the library's calls through OpenTelemetry: a span around recording
         * ({@code earnings.record}, {@code earnings.batch}), dashboards and reports
         * ({@code earnings.dashboard}), payouts ({@code earnings.payout.create},
         * {@code earnings.payout.transition}, {@code earnings.payout.bulk}) and reversals
         * ({@code earnings.reversal}), and, with {@code org.jdbi:jdbi3-opentelemetry} on the
         * class path, a child span per SQL statement, without its bound values. Attributes carry
         * counts and model ids, never a user id or metadata. Off by default: without it nothing of
         * OpenTelemetry is loaded.
         *
         * @param openTelemetry the host's instance, such as its SDK or {@code GlobalOpenTelemetry.get()}
         * @return this builder
         */
        public Builder openTelemetry(io.opentelemetry.api.OpenTelemetry openTelemetry) {
            this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
            return this;
        }

        /**
         * Sets the size of the pool the library owns (with {@link #jdbcUrl} or the embedded
         * database); ignored with a host's {@link DataSource}.
         *
         * @param size from 1 to 1000; default 10
         * @return this builder
         */
        public Builder maximumPoolSize(int size) {
            if (size < 1 || size > 1000) {
                throw new InvalidConfigurationException("maximumPoolSize", "maximumPoolSize is " + size + "; allowed: 1 to 1000");
            }
            this.maximumPoolSize = size;
            return this;
        }

        /**
         * Connects, applies the migrations when enabled, and checks the stored currency.
         *
         * @return the ready instance
         * @throws InvalidConfigurationException if more than one database is configured, the
         *     migration login does not fit the database, the database is neither H2 nor
         *     PostgreSQL, it holds another currency, (see {@link #requireRowLevelSecurity}) the
         *     PostgreSQL login is not filtered by row-level security, or shared rate limits are
         *     asked of H2
         * @throws StorageException if the database cannot be reached or migrated
         */
        public Earnings build() {
            int configured = (dataSource != null ? 1 : 0) + (jdbcUrl != null ? 1 : 0) + (embeddedDirectory != null ? 1 : 0);
            if (configured > 1) {
                throw new InvalidConfigurationException("database", "configure one database: dataSource(...),"
                        + " jdbcUrl(...) or embeddedDatabase(...), not " + configured);
            }
            if (migrationDataSource != null && migrationCredentials) {
                throw new InvalidConfigurationException("migrationCredentials", "configure one migration login:"
                        + " migrationDataSource(...) or migrationCredentials(...), not both");
            }
            if (migrationCredentials && jdbcUrl == null) {
                throw new InvalidConfigurationException("migrationCredentials", "migrationCredentials(...) log in to the"
                        + " jdbcUrl(...) database, and none is configured; allowed: jdbcUrl(...), or"
                        + " migrationDataSource(...) with dataSource(...)");
            }
            if (migrationDataSource != null && dataSource == null && jdbcUrl == null) {
                throw new InvalidConfigurationException("migrationDataSource", "the embedded database migrates itself;"
                        + " allowed: migrationDataSource(...) with dataSource(...) or jdbcUrl(...)");
            }
            if (filePassword != null && configured == 1 && embeddedDirectory == null) {
                throw new InvalidConfigurationException("embeddedFileEncryption", "embeddedFileEncryption applies to the"
                        + " embedded database, and " + (dataSource != null ? "dataSource" : "jdbcUrl") + " is configured;"
                        + " allowed: embeddedFileEncryption with embeddedDatabase(...) or no database setting");
            }
            HikariDataSource owned = null;
            DataSource ds = dataSource;
            try {
                if (ds == null) {
                    owned = pool();
                    ds = owned;
                }
                Jdbi jdbi = Jdbis.create(ds, schema, calculator.currency());
                Tracing tracing = openTelemetry == null ? Tracing.NONE : Tracing.openTelemetry(openTelemetry);
                tracing.instrument(jdbi);
                // Known before anything is migrated: another database is refused untouched.
                Dialect dialect = Dialect.detect(jdbi);
                if (rateLimits != null && rateLimits.storage() == RateLimits.Storage.SHARED
                        && !dialect.isPostgres()) {
                    throw new InvalidConfigurationException("rateLimits.storage", "rateLimits.storage is SHARED on an H2"
                            + " database; allowed: SHARED on PostgreSQL only (Bucket4j keeps shared buckets there), or"
                            + " LOCAL, which on the embedded H2 database, opened by one process, limits every use");
                }
                if (migrateOnStart) {
                    flyway(dialect.migrationLocations(), "earnings_schema_history", true, owned != null ? null : ds);
                }
                if (dialect.isPostgres()) {
                    if (distributeOnCitus) {
                        if (!Citus.installed(jdbi)) {
                            throw new InvalidConfigurationException("distributeOnCitus", "distributeOnCitus is on and the"
                                    + " database has no citus extension; allowed: a database with CREATE EXTENSION citus,"
                                    + " or distributeOnCitus(false)");
                        }
                        flyway(List.of(Citus.LOCATION), Citus.HISTORY, false, owned != null ? null : ds);
                    }
                    if (Citus.distributed(jdbi, schema)) {
                        dialect = Dialect.CITUS;
                    }
                    RuntimeRole.check(jdbi, schema, requireRowLevelSecurity);
                }
                return new Earnings(this, new Transactor(jdbi, dialect, maxAttempts, retryBudget,
                        meterRegistry == null ? Metrics.NONE : Metrics.micrometer(meterRegistry), tracing), dialect, ds, owned);
            } catch (RuntimeException e) {
                if (owned != null) {
                    owned.close();
                }
                throw e;
            }
        }

        private HikariDataSource pool() {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url());
            config.setUsername(jdbcUrl != null ? username : "sa");
            config.setPassword(jdbcUrl != null ? password : embeddedPassword());
            if (url().startsWith("jdbc:postgresql:")) {
                // Driver messages then never quote a row's values (user ids, metadata).
                config.addDataSourceProperty("logServerErrorDetail", "false");
            }
            config.setMaximumPoolSize(maximumPoolSize);
            config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
            // Within the retry budget: a pool that cannot hand out a connection fails an attempt,
            // and the next attempt may find one.
            config.setConnectionTimeout(Math.max(250, Math.min(10_000, retryBudget.toMillis())));
            config.setPoolName("earnings");
            try {
                return new HikariDataSource(config);
            } catch (RuntimeException e) {
                throw new StorageException("could not connect to the " + product(config.getJdbcUrl()) + " database ("
                        + Failures.describe(e) + ")", e, Failures.isTransient(e));
            }
        }

        /** The URL of the pool the library owns: the host's, or the embedded database's. */
        private String url() {
            if (jdbcUrl != null) {
                return jdbcUrl;
            }
            try {
                Class.forName("org.h2.Driver", false, Earnings.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new InvalidConfigurationException("embeddedDatabase", "the embedded database needs the H2 driver"
                        + " (com.h2database:h2) on the classpath, and it is not there; allowed: add the dependency, or"
                        + " configure dataSource(...) or jdbcUrl(...)");
            }
            // Checked again as it goes into the URL: a relative path, and the default, become
            // absolute through the working directory, whose name the check has not seen yet.
            Path directory = requireEmbeddedDirectory(
                    (embeddedDirectory != null ? embeddedDirectory : DEFAULT_EMBEDDED_DIRECTORY).toAbsolutePath());
            createPrivately(directory);
            // A lock timeout longer than H2's 1 s default: uses of one popular model queue on its
            // row, and a short wait there is normal, not an error. H2 gathers a query's whole result
            // before its first row, in memory up to MAX_MEMORY_ROWS and on disk beyond: its default
            // grows with the heap and suits small rows, and an export's rows are not small.
            return "jdbc:h2:file:" + directory.resolve("earnings") + ";LOCK_TIMEOUT=10000;MAX_MEMORY_ROWS=10000"
                    + (filePassword != null ? ";CIPHER=AES" : "");
        }

        /**
         * The embedded database's password: with file encryption, H2 takes the file password and
         * the user's password separated by a space; the user's is empty.
         */
        private String embeddedPassword() {
            return filePassword != null ? new String(filePassword) + " " : "";
        }

        /**
         * Checks an embedded database's directory. Its path becomes part of H2's URL, where a
         * {@code ;} starts a setting ({@code ;INIT=...} runs SQL), so no character H2 reads as
         * URL syntax may appear in it.
         */
        static Path requireEmbeddedDirectory(@Nullable Path directory) {
            if (directory == null) {
                throw new InvalidConfigurationException("embeddedDatabase", "the embedded database's directory is missing;"
                        + " allowed: a directory path");
            }
            String text = directory.toString();
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == ';' || Character.isISOControl(c)) {
                    throw new InvalidConfigurationException("embeddedDatabase", "the embedded database's directory has a "
                            + (c == ';' ? "';'" : "control character") + " at position " + i + ", which H2 would read as part"
                            + " of its URL; allowed: a path without ';' or control characters");
                }
            }
            if (text.isBlank()) {
                throw new InvalidConfigurationException("embeddedDatabase", "the embedded database's directory is blank;"
                        + " allowed: a directory path");
            }
            return directory;
        }

        /**
         * Creates the embedded database's directory readable by its owner only, where the file
         * system has POSIX permissions, so the database files in it are not world-readable
         * whatever the process's umask. An existing directory is left as the host made it.
         */
        private static void createPrivately(Path directory) {
            if (Files.isDirectory(directory)) {
                return;
            }
            try {
                if (directory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                    Path parent = directory.getParent();
                    if (parent != null) {
                        Files.createDirectories(parent);
                    }
                    Files.createDirectory(directory,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(directory);
                }
            } catch (FileAlreadyExistsException e) {
                // Created by another instance at the same moment: as good as ours.
            } catch (IOException e) {
                throw new StorageException("could not create the embedded database's directory (" + e.getClass().getSimpleName()
                        + ")", e, false);
            }
        }

        /**
         * The product a JDBC URL names ({@code postgresql} of {@code jdbc:postgresql://...}): a
         * URL's other parts may hold credentials in more forms than can be told apart, so a message
         * names only this.
         */
        static String product(String url) {
            String rest = url.substring("jdbc:".length());
            int end = rest.indexOf(':');
            String product = end < 0 ? rest : rest.substring(0, end);
            return product.matches("[A-Za-z0-9]{1,32}") ? product : "configured";
        }

        /**
         * Applies migrations (the library's, or the Citus distribution step, which runs outside a
         * transaction), each location with its own history table: on the migration data source, or the host's data source, or on
         * connections of their own when the library owns the pool (as the migration login when
         * one is given), since Flyway holds one connection while it migrates on another and a pool
         * of one could not serve both.
         */
        private void flyway(List<String> locations, String table, boolean inTransaction,
                @Nullable DataSource hostDataSource) {
            var flyway = Flyway.configure(Earnings.class.getClassLoader())
                    .locations(locations.toArray(new String[0]))
                    .table(table)
                    .executeInTransaction(inTransaction)
                    .baselineOnMigrate(true)
                    .baselineVersion("0")
                    .failOnMissingLocations(true);
            if (migrationDataSource != null) {
                flyway.dataSource(migrationDataSource);
            } else if (hostDataSource != null) {
                flyway.dataSource(hostDataSource);
            } else if (migrationCredentials) {
                flyway.dataSource(url(), migrationUsername, migrationPassword);
            } else if (jdbcUrl != null) {
                flyway.dataSource(url(), username, password);
            } else {
                flyway.dataSource(EmbeddedH2.dataSource(url(), "sa", embeddedPassword()));
            }
            schema.ifPresent(s -> flyway.schemas(s).defaultSchema(s).createSchemas(true));
            try {
                flyway.load().migrate();
            } catch (FlywayException e) {
                throw new StorageException("could not apply the earnings migrations (" + Failures.describe(e) + ")", e,
                        Failures.isTransient(e));
            }
        }
    }
}
