package dev.earnings.spring;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.jdbc.AsyncRecorder;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.PayoutSchedule;
import dev.earnings.jdbc.RateLimits;
import dev.earnings.jdbc.StorageException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Configures an {@link Earnings} bean, so a Spring Boot application gets the library by adding
 * the starter and, at most, a few {@code earnings.*} properties.
 *
 * <p>The library runs on the application's {@code DataSource} when there is one (the primary one
 * when there are several), and migrates through it or through the {@code earnings.migration.*}
 * login; otherwise on its embedded H2 database in {@code earnings.embedded-directory}. Several
 * without a primary one fail the start: the embedded database would keep the earnings in a local
 * file while the application believes them in its own database. It runs
 * after Spring Boot's DataSource auto-configuration, so the application's pool is there first.
 * Every bean backs off when the application defines its own, and closes with the context: the
 * {@link AsyncRecorder} first (it writes what it accepted), then the {@link Earnings} bean.
 */
@AutoConfiguration(afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnClass(Earnings.class)
@EnableConfigurationProperties(EarningsProperties.class)
public class EarningsAutoConfiguration {
    /** The library's defaults of the settings that its builder takes in pairs. */
    static final Duration DEFAULT_WINDOW_BACK = Duration.ofDays(35);
    static final Duration DEFAULT_WINDOW_AHEAD = Duration.ofMinutes(5);
    static final Duration DEFAULT_POLLING = Duration.ofSeconds(10);
    static final Duration DEFAULT_HEARTBEAT = Duration.ofMinutes(1);

    /** Creates the auto-configuration; Spring calls it. */
    public EarningsAutoConfiguration() {
    }

    /**
     * The {@link Earnings} bean and what the health indicator needs to reach its database, unless
     * the application defines its own {@link Earnings} bean: then the starter cannot know which
     * database that one runs on, and configures neither.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(Earnings.class)
    static class EarningsConfiguration {
        /**
         * The library's entry point, built from the properties, the application's {@code DataSource}
         * (or the embedded database) and every {@link EarningsBuilderCustomizer}.
         *
         * @param properties the {@code earnings.*} properties
         * @param dataSources the application's data sources; the unique or primary one is used
         * @param beans the bean factory, to name the data sources when none of several is primary
         * @param customizers the customizers, applied in order after the properties
         * @return the started instance, its migrations applied unless turned off
         */
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        public Earnings earnings(EarningsProperties properties, ObjectProvider<DataSource> dataSources,
                ListableBeanFactory beans, ObjectProvider<EarningsBuilderCustomizer> customizers) {
            Earnings.Builder builder = Earnings.builder();
            DataSource dataSource = applicationDataSource(dataSources, beans);
            if (dataSource != null) {
                builder.dataSource(dataSource);
            } else if (properties.getEmbeddedDirectory() != null) {
                builder.embeddedDatabase(properties.getEmbeddedDirectory());
            }
            apply(properties, builder);
            customizers.orderedStream().forEach(c -> c.customize(builder));
            HikariDataSource migrations = migrationPool(properties.getMigration(), dataSource);
            try {
                if (migrations != null) {
                    builder.migrationDataSource(migrations);
                }
                return builder.build();
            } finally {
                // The migrations are done once build() returns; their login is not kept open.
                if (migrations != null) {
                    migrations.close();
                }
            }
        }

        /**
         * Where the auto-configured {@link Earnings} bean keeps its data, for the health indicator.
         *
         * @param properties the {@code earnings.*} properties
         * @param dataSources the application's data sources
         * @param beans the bean factory, to name the data sources when none of several is primary
         * @return the database
         */
        @Bean
        @ConditionalOnMissingBean
        EarningsDatabase earningsDatabase(EarningsProperties properties, ObjectProvider<DataSource> dataSources,
                ListableBeanFactory beans) {
            return new EarningsDatabase(applicationDataSource(dataSources, beans), properties);
        }
    }

    /**
     * The application's unique or primary {@code DataSource}, or {@code null} when it has none.
     * Several without a primary one are refused rather than read as none: the library would then
     * run on the embedded database, and a use recorded there is missing from the application's
     * database without any error saying so.
     */
    static @Nullable DataSource applicationDataSource(ObjectProvider<DataSource> dataSources, ListableBeanFactory beans) {
        DataSource unique = dataSources.getIfUnique();
        if (unique != null) {
            return unique;
        }
        String[] names = beans.getBeanNamesForType(DataSource.class);
        if (names.length > 1) {
            throw new InvalidConfigurationException("dataSource", "the application has " + names.length
                    + " DataSource beans (" + String.join(", ", names) + ") and none is primary; allowed: mark the one"
                    + " that holds the earnings @Primary, or define an Earnings bean of your own with dataSource(...)");
        }
        return null;
    }

    /**
     * A recorder that writes uses in the background, when {@code earnings.async-recorder.enabled}
     * is {@code true}. It depends on the {@link Earnings} bean, so the context closes it first:
     * everything it accepted is written (within its close timeout) before the library closes.
     *
     * @param earnings the library
     * @param properties the {@code earnings.async-recorder.*} properties
     * @return the recorder
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "earnings.async-recorder", name = "enabled", havingValue = "true")
    public AsyncRecorder earningsAsyncRecorder(Earnings earnings, EarningsProperties properties) {
        EarningsProperties.AsyncRecorderProperties p = properties.getAsyncRecorder();
        AsyncRecorder.Options.Builder options = AsyncRecorder.Options.builder();
        set(p.getCapacity(), options::capacity);
        set(p.getMaxBatch(), options::maxBatch);
        set(p.getFlushInterval(), options::flushInterval);
        set(p.getBlockWhenFull(), options::blockWhenFull);
        set(p.getWriters(), options::writers);
        set(p.getCloseTimeout(), options::closeTimeout);
        return earnings.asyncRecorder(options.build());
    }

    /**
     * The application's Micrometer registry, when Micrometer is on the class path and the
     * application has one: the library's meters go there.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static class MetricsConfiguration {
        @Bean
        EarningsBuilderCustomizer earningsMeterRegistry(
                ObjectProvider<io.micrometer.core.instrument.MeterRegistry> registries) {
            return builder -> registries.ifUnique(builder::meterRegistry);
        }
    }

    /**
     * The application's OpenTelemetry, when its API is on the class path and the application has
     * one: the library's spans join the application's traces.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.opentelemetry.api.OpenTelemetry")
    static class TracingConfiguration {
        @Bean
        EarningsBuilderCustomizer earningsOpenTelemetry(ObjectProvider<io.opentelemetry.api.OpenTelemetry> telemetry) {
            return builder -> telemetry.ifUnique(builder::openTelemetry);
        }
    }

    /** Applies every property that is set; the builder checks each value as it is given. */
    static void apply(EarningsProperties p, Earnings.Builder b) {
        set(p.getEmbeddedFilePassword(), v -> b.embeddedFileEncryption(v.toCharArray()));
        set(p.getSchema(), b::schema);
        set(p.getMigrateOnStart(), b::migrateOnStart);
        set(p.getRequireRowLevelSecurity(), b::requireRowLevelSecurity);
        set(p.getHoldDays(), b::holdDays);
        set(p.getMinimumPayoutMinor(), b::minimumPayoutMinor);
        set(p.getMaxAttempts(), b::maxAttempts);
        set(p.getRetryBudget(), b::retryBudget);
        set(p.getMaximumPoolSize(), b::maximumPoolSize);
        set(p.getGroupCommitConcurrency(), b::groupCommitConcurrency);
        set(p.getUseRecordedEvents(), b::useRecordedEvents);
        set(p.getEventRetention(), b::eventRetention);
        set(p.getPseudonymKey(), v -> b.pseudonymKey(decodeKey(v)));
        set(p.getInsights().getMinimumCreators(), b::insightsMinimumCreators);
        set(p.getInsights().getDailyChecks(), b::insightChecks);
        EarningsProperties.OccurredAtWindow window = p.getOccurredAtWindow();
        if (window.getBack() != null || window.getAhead() != null) {
            b.occurredAtWindow(orElse(window.getBack(), DEFAULT_WINDOW_BACK), orElse(window.getAhead(), DEFAULT_WINDOW_AHEAD));
        }
        EarningsProperties.PayoutScheduler scheduler = p.getPayoutScheduler();
        if (scheduler.getPolling() != null || scheduler.getHeartbeat() != null) {
            b.payoutSchedulerIntervals(orElse(scheduler.getPolling(), DEFAULT_POLLING),
                    orElse(scheduler.getHeartbeat(), DEFAULT_HEARTBEAT));
        }
        for (Map.Entry<String, String> schedule : p.getPayoutSchedules().entrySet()) {
            b.payoutSchedule(PayoutSchedule.cron(schedule.getKey(), schedule.getValue()));
        }
        EarningsProperties.RateLimitsProperties limits = p.getRateLimits();
        if (!limits.getPerUser().isEmpty() || !limits.getPerModel().isEmpty()) {
            RateLimits.Builder rates = RateLimits.builder().storage(limits.getStorage());
            for (EarningsProperties.Rate rate : limits.getPerUser()) {
                rates.perUser(rate.getUses(), requirePer(rate, "perUser"));
            }
            for (EarningsProperties.Rate rate : limits.getPerModel()) {
                rates.perModel(rate.getUses(), requirePer(rate, "perModel"));
            }
            b.rateLimits(rates.build());
        }
    }

    private static Duration requirePer(EarningsProperties.Rate rate, String name) {
        Duration per = rate.getPer();
        if (per == null) {
            throw new InvalidConfigurationException("rateLimits." + name, "earnings.rate-limits." + kebab(name)
                    + " has a rate of " + rate.getUses() + " uses without its period; allowed: a period such as 1m");
        }
        return per;
    }

    private static String kebab(String name) {
        return name.equals("perUser") ? "per-user" : "per-model";
    }

    /**
     * Decodes {@code earnings.pseudonym-key}. Base64, since a secret store hands out text and a
     * raw key is bytes; the message never quotes the value.
     */
    static byte[] decodeKey(String base64) {
        try {
            return Base64.getDecoder().decode(base64.strip().getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("pseudonymKey", "earnings.pseudonym-key is not Base64; allowed:"
                    + " at least 32 bytes of secure random data in Base64 (standard alphabet), as made by"
                    + " openssl rand -base64 32");
        }
    }

    /**
     * The pool of the {@code earnings.migration.*} login, or {@code null} when none is set. Two
     * connections: Flyway holds one while it migrates on another.
     */
    private static @Nullable HikariDataSource migrationPool(EarningsProperties.Migration migration,
            @Nullable DataSource dataSource) {
        if (migration.getUsername() == null) {
            if (migration.getUrl() != null || migration.getPassword() != null) {
                throw new InvalidConfigurationException("migrationCredentials", "earnings.migration.url or password is"
                        + " set without earnings.migration.username; allowed: the username with them, or none of them");
            }
            return null;
        }
        if (dataSource == null) {
            throw new InvalidConfigurationException("migrationCredentials", "earnings.migration.username applies to the"
                    + " application's DataSource, and there is none: the embedded database migrates itself; allowed: a"
                    + " DataSource (such as spring.datasource.url) with earnings.migration.*, or no earnings.migration.*");
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(migration.getUrl() != null ? migration.getUrl() : urlOf(dataSource));
        config.setUsername(migration.getUsername());
        config.setPassword(migration.getPassword());
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(0);
        config.setPoolName("earnings-migrations");
        try {
            return new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StorageException("could not connect as earnings.migration.username (" + e.getClass().getSimpleName()
                    + ")", e, false);
        }
    }

    /** The URL the application's DataSource connects to, as its driver reports it. */
    private static String urlOf(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            return c.getMetaData().getURL();
        } catch (SQLException e) {
            throw new StorageException("could not read the URL of the application's DataSource for"
                    + " earnings.migration.username (SQLSTATE " + e.getSQLState() + "); allowed: set earnings.migration.url",
                    e, true);
        }
    }

    private static <T> void set(@Nullable T value, Consumer<T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }

    private static Duration orElse(@Nullable Duration value, Duration otherwise) {
        return value != null ? value : otherwise;
    }
}
