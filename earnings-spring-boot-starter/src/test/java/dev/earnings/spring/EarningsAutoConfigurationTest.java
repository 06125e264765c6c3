package dev.earnings.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.AsyncRecorder;
import dev.earnings.jdbc.Balance;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.EventType;
import dev.earnings.jdbc.Payout;
import dev.earnings.jdbc.PayoutRequest;
import dev.earnings.jdbc.RateLimitedException;
import dev.earnings.jdbc.UsageRequest;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** The auto-configuration's conditions, and the properties proved by what the library then does. */
class EarningsAutoConfigurationTest {
    private static final String CREATOR = "creator-7";
    private static final String MODEL = "sdxl-anime";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EarningsAutoConfiguration.class, EarningsHealthAutoConfiguration.class));

    @TempDir
    Path temp;

    /** A runner whose application has an H2 DataSource bean; the database outlives the context. */
    private ApplicationContextRunner withH2(JdbcDataSource h2) {
        return runner.withBean(DataSource.class, () -> h2);
    }

    private static void registerAndUse(Earnings earnings, int uses) {
        earnings.models().register(MODEL, CREATOR, ModelPricing.of("10.00", "0"));
        for (int i = 0; i < uses; i++) {
            earnings.logModelUsage("user-" + i, MODEL, 0, "image_generation", Map.of());
        }
    }

    static long count(DataSource ds, String sql) {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    private static Throwable rootCause(AssertableApplicationContext context) {
        Throwable t = context.getStartupFailure();
        assertThat(t).as("the context should have failed to start").isNotNull();
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    @Test
    void withTheApplicationsDataSource_theLibraryMigratesAndRecordsThere() {
        JdbcDataSource h2 = TestDatabases.h2();
        withH2(h2).run(context -> {
            assertThat(context).hasSingleBean(Earnings.class).doesNotHaveBean(AsyncRecorder.class);
            registerAndUse(context.getBean(Earnings.class), 3);
        });
        // Read after the context closed: everything went to the application's database.
        assertThat(count(h2, "SELECT COUNT(*) FROM \"earnings_schema_history\" WHERE \"success\"")).isGreaterThan(10);
        assertThat(count(h2, "SELECT COUNT(*) FROM model_usage_logs")).isEqualTo(3);
    }

    @Test
    void withoutADataSource_theEmbeddedDatabaseIsInTheConfiguredDirectory_andKeepsItsData() {
        Path directory = temp.resolve("embedded");
        ApplicationContextRunner embedded = runner.withPropertyValues("earnings.embedded-directory=" + directory);
        embedded.run(context -> {
            assertThat(context).hasSingleBean(Earnings.class);
            registerAndUse(context.getBean(Earnings.class), 2);
            assertThat(Files.exists(directory.resolve("earnings.mv.db"))).isTrue();
        });
        embedded.run(context -> {
            Balance balance = context.getBean(Earnings.class).analytics().balance(Caller.creator(CREATOR), CREATOR);
            assertThat(balance.earned().amount()).isEqualByComparingTo("20.00");
        });
    }

    @Test
    void anEarningsBeanOfTheApplicationWins() {
        Path directory = temp.resolve("host");
        runner.withUserConfiguration(HostEarnings.class)
                .withPropertyValues("host.directory=" + directory, "earnings.embedded-directory=" + temp.resolve("unused"))
                .run(context -> assertThat(context).hasSingleBean(Earnings.class).hasBean("hostEarnings"));
        assertThat(Files.exists(directory.resolve("earnings.mv.db"))).isTrue();
        assertThat(Files.exists(temp.resolve("unused"))).isFalse();
    }

    @Configuration(proxyBeanMethods = false)
    static class HostEarnings {
        @Bean(destroyMethod = "close")
        Earnings hostEarnings(Environment environment) {
            return Earnings.builder().embeddedDatabase(Path.of(environment.getRequiredProperty("host.directory"))).build();
        }
    }

    @Test
    void anAsyncRecorderBeanOfTheApplicationWins_andTheOwnIsOffUnlessEnabled() {
        JdbcDataSource h2 = TestDatabases.h2();
        withH2(h2).withUserConfiguration(HostRecorder.class)
                .withPropertyValues("earnings.async-recorder.enabled=true")
                .run(context -> {
                    assertThat(context).hasSingleBean(AsyncRecorder.class).hasBean("hostRecorder")
                            .doesNotHaveBean("earningsAsyncRecorder");
                });
        withH2(h2).withPropertyValues("earnings.async-recorder.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(AsyncRecorder.class));
        withH2(h2).withPropertyValues("earnings.async-recorder.enabled=true")
                .run(context -> assertThat(context).hasSingleBean(AsyncRecorder.class).hasBean("earningsAsyncRecorder"));
    }

    @Configuration(proxyBeanMethods = false)
    static class HostRecorder {
        @Bean(destroyMethod = "close")
        AsyncRecorder hostRecorder(Earnings earnings) {
            return earnings.asyncRecorder(AsyncRecorder.Options.defaults());
        }
    }

    @Test
    void theAsyncRecorderWritesEverythingItAcceptedWhenTheContextCloses() {
        JdbcDataSource h2 = TestDatabases.h2();
        List<CompletableFuture<?>> futures = new ArrayList<>();
        withH2(h2).withPropertyValues("earnings.async-recorder.enabled=true", "earnings.async-recorder.flush-interval=2s",
                        "earnings.async-recorder.max-batch=10000", "earnings.async-recorder.writers=1",
                        "earnings.async-recorder.close-timeout=1m")
                .run(context -> {
                    context.getBean(Earnings.class).models().register(MODEL, CREATOR, ModelPricing.of("10.00", "0"));
                    AsyncRecorder recorder = context.getBean(AsyncRecorder.class);
                    for (int i = 0; i < 300; i++) {
                        futures.add(recorder.logModelUsage("user-" + i, MODEL, 0, "image_generation", Map.of()));
                    }
                    // A group waits up to the flush interval of 2 s to fill: nothing is written yet.
                    assertThat(futures).anyMatch(f -> !f.isDone());
                });
        assertThat(futures).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        assertThat(count(h2, "SELECT COUNT(*) FROM model_usage_logs")).isEqualTo(300);
    }

    @Test
    void holdDays_holdsTheEarningsInTheBalance() {
        withH2(TestDatabases.h2()).withPropertyValues("earnings.hold-days=7").run(context -> {
            Earnings earnings = context.getBean(Earnings.class);
            registerAndUse(earnings, 1);
            Balance balance = earnings.analytics().balance(Caller.creator(CREATOR), CREATOR);
            assertThat(balance.earned().amount()).isEqualByComparingTo("10.00");
            assertThat(balance.held().amount()).isEqualByComparingTo("10.00");
            assertThat(balance.available().amount()).isEqualByComparingTo(BigDecimal.ZERO);
        });
        withH2(TestDatabases.h2()).run(context -> {
            Earnings earnings = context.getBean(Earnings.class);
            registerAndUse(earnings, 1);
            Balance balance = earnings.analytics().balance(Caller.creator(CREATOR), CREATOR);
            assertThat(balance.held().amount()).isEqualByComparingTo(BigDecimal.ZERO);
            assertThat(balance.available().amount()).isEqualByComparingTo("10.00");
        });
    }

    @Test
    void minimumPayoutMinor_refusesASmallerPayout() {
        withH2(TestDatabases.h2()).withPropertyValues("earnings.minimum-payout-minor=500").run(context -> {
            Earnings earnings = context.getBean(Earnings.class);
            registerAndUse(earnings, 1);
            assertThatThrownBy(() -> earnings.payouts().create(Caller.admin("admin-1"), PayoutRequest.of(CREATOR, 499, "p-1")))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("minimum payout of 500 minor units");
            Payout payout = earnings.payouts().create(Caller.admin("admin-1"), PayoutRequest.of(CREATOR, 500, "p-2"));
            assertThat(payout.amountMinor()).isEqualTo(500);
        });
    }

    @Test
    void theApplicationsMeterRegistryAndOpenTelemetry_getTheLibrarysMetersAndSpans() {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter spans = io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter.create();
        io.opentelemetry.sdk.OpenTelemetrySdk telemetry = io.opentelemetry.sdk.OpenTelemetrySdk.builder()
                .setTracerProvider(io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
                        .addSpanProcessor(io.opentelemetry.sdk.trace.export.SimpleSpanProcessor.create(spans)).build())
                .build();
        withH2(TestDatabases.h2()).withBean(io.micrometer.core.instrument.MeterRegistry.class, () -> registry)
                .withBean(io.opentelemetry.api.OpenTelemetry.class, () -> telemetry)
                .run(context -> {
                    registerAndUse(context.getBean(Earnings.class), 3);
                    // Read before the context closes: closing shuts the SDK down, which empties the exporter.
                    assertThat(spans.getFinishedSpanItems()).filteredOn(s -> s.getName().equals("earnings.record")).hasSize(3);
                });
        assertThat(registry.get("earnings.uses.recorded").counter().count()).isEqualTo(3.0);
    }

    @Test
    void withoutMicrometerOrOpenTelemetryOnTheClassPath_theLibraryStillStarts() {
        withH2(TestDatabases.h2())
                .withClassLoader(new org.springframework.boot.test.context.FilteredClassLoader("io.micrometer",
                        "io.opentelemetry"))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    registerAndUse(context.getBean(Earnings.class), 2);
                    assertThat(context.getBean(Earnings.class).analytics()).isNotNull();
                });
    }

    @Test
    void useRecordedEvents_writesAnEventForEveryUse() {
        String sql = "SELECT COUNT(*) FROM earnings_events WHERE event_type = '" + EventType.USE_RECORDED.wireName() + "'";
        JdbcDataSource on = TestDatabases.h2();
        withH2(on).withPropertyValues("earnings.use-recorded-events=true")
                .run(context -> registerAndUse(context.getBean(Earnings.class), 4));
        assertThat(count(on, sql)).isEqualTo(4);
        JdbcDataSource off = TestDatabases.h2();
        withH2(off).run(context -> registerAndUse(context.getBean(Earnings.class), 4));
        assertThat(count(off, sql)).isZero();
    }

    @Test
    void occurredAtWindow_refusesAUseBeyondIt() {
        withH2(TestDatabases.h2()).withPropertyValues("earnings.occurred-at-window.back=1d").run(context -> {
            Earnings earnings = context.getBean(Earnings.class);
            registerAndUse(earnings, 0);
            UsageRequest old = UsageRequest.builder("user-1", MODEL).usageType("image_generation").occurredAt(Instant.now().minus(Duration.ofDays(2)))
                    .build();
            assertThatThrownBy(() -> earnings.logModelUsage(old)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("occurredAt");
            UsageRequest recent = UsageRequest.builder("user-1", MODEL).usageType("image_generation").occurredAt(Instant.now().minus(Duration.ofHours(20)))
                    .build();
            assertThat(earnings.logModelUsage(recent).result().earnings().amount()).isEqualByComparingTo("10.00");
        });
    }

    @Test
    void rateLimits_refuseAUseOverTheUsersRate() {
        withH2(TestDatabases.h2())
                .withPropertyValues("earnings.rate-limits.per-user[0].uses=2", "earnings.rate-limits.per-user[0].per=1h")
                .run(context -> {
                    Earnings earnings = context.getBean(Earnings.class);
                    registerAndUse(earnings, 0);
                    earnings.logModelUsage("user-1", MODEL, 0, "image_generation", Map.of());
                    earnings.logModelUsage("user-1", MODEL, 0, "image_generation", Map.of());
                    assertThatThrownBy(() -> earnings.logModelUsage("user-1", MODEL, 0, "image_generation", Map.of()))
                            .isInstanceOf(RateLimitedException.class);
                    // Another user has a bucket of their own.
                    earnings.logModelUsage("user-2", MODEL, 0, "image_generation", Map.of());
                });
    }

    @Test
    void payoutSchedules_areStoredForTheScheduler() {
        JdbcDataSource h2 = TestDatabases.h2();
        withH2(h2).withPropertyValues("earnings.payout-schedules.monthly=0 0 0 1 * *",
                        "earnings.payout-scheduler.polling=200ms", "earnings.payout-scheduler.heartbeat=2s")
                .run(context -> assertThat(context).hasSingleBean(Earnings.class));
        assertThat(count(h2, "SELECT COUNT(*) FROM earnings_scheduled_tasks")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void invalidProperties_failTheContextWithTheLibrarysMessage() {
        JdbcDataSource h2 = TestDatabases.h2();
        withH2(h2).withPropertyValues("earnings.hold-days=400").run(context -> assertThat(rootCause(context))
                .isInstanceOf(InvalidConfigurationException.class).hasMessage("holdDays is 400; allowed: 0 to 365"));
        withH2(h2).withPropertyValues("earnings.max-attempts=0").run(context -> assertThat(rootCause(context))
                .isInstanceOf(InvalidConfigurationException.class).hasMessage("maxAttempts is 0; allowed: 1 to 100"));
        withH2(h2).withPropertyValues("earnings.schema=Bad-Name").run(context -> assertThat(rootCause(context))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("schema"));
        withH2(h2).withPropertyValues("earnings.payout-schedules.monthly=every month").run(context -> assertThat(
                rootCause(context)).isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("six fields"));
        withH2(h2).withPropertyValues("earnings.rate-limits.per-user[0].uses=5").run(context -> assertThat(rootCause(context))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("earnings.rate-limits.per-user has a rate of 5 uses without its period"));
        withH2(h2).withPropertyValues("earnings.pseudonym-key=not base64!").run(context -> assertThat(rootCause(context))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("earnings.pseudonym-key is not Base64")
                .hasMessageNotContaining("not base64!"));
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        withH2(h2).withPropertyValues("earnings.pseudonym-key=" + shortKey).run(context -> assertThat(rootCause(context))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("pseudonymKey is 16 bytes; allowed: at least 32 bytes of secure random data"));
        withH2(h2).withPropertyValues("earnings.async-recorder.enabled=true", "earnings.async-recorder.writers=65")
                .run(context -> assertThat(rootCause(context)).isInstanceOf(InvalidConfigurationException.class)
                        .hasMessageContaining("writers"));
        runner.withPropertyValues("earnings.embedded-directory=" + temp.resolve("e"), "earnings.migration.username=owner")
                .run(context -> assertThat(rootCause(context)).isInstanceOf(InvalidConfigurationException.class)
                        .hasMessageContaining("the embedded database migrates itself"));
    }

    @Test
    void aPseudonymKeyAndTheEmbeddedFilePassword_areUsed() {
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        Path directory = temp.resolve("encrypted");
        ApplicationContextRunner encrypted = runner.withPropertyValues("earnings.embedded-directory=" + directory,
                "earnings.pseudonym-key=" + key, "earnings.embedded-file-password=correct-horse-battery");
        encrypted.run(context -> registerAndUse(context.getBean(Earnings.class), 1));
        encrypted.run(context -> assertThat(context.getBean(Earnings.class).analytics()
                .balance(Caller.creator(CREATOR), CREATOR).earned().amount()).isEqualByComparingTo("10.00"));
        // The files are encrypted: without the password they do not open.
        runner.withPropertyValues("earnings.embedded-directory=" + directory)
                .run(context -> assertThat(context).hasFailed());
    }

    @Test
    void customizersChangeTheBuilderAfterTheProperties() {
        withH2(TestDatabases.h2()).withPropertyValues("earnings.hold-days=7")
                .withBean(EarningsBuilderCustomizer.class, () -> builder -> builder.holdDays(0))
                .run(context -> {
                    Earnings earnings = context.getBean(Earnings.class);
                    registerAndUse(earnings, 1);
                    assertThat(earnings.analytics().balance(Caller.creator(CREATOR), CREATOR).held().amount())
                            .isEqualByComparingTo(BigDecimal.ZERO);
                });
    }
}
