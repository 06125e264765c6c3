package dev.earnings.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.Earnings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/**
 * Each condition of the auto-configurations on both of its sides, where {@link
 * EarningsAutoConfigurationTest} and {@link EarningsWebTest} prove only one: Micrometer and
 * OpenTelemetry each without the other, either on the class path without a bean, the
 * application's DataSource however it comes (and when it is ambiguous), and the HTTP endpoints in
 * every kind of application that must not get them.
 */
class EarningsConditionsTest {
    private static final String CREATOR = "creator-c";
    private static final String MODEL = "conditions-model";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EarningsAutoConfiguration.class, EarningsHealthAutoConfiguration.class));

    @TempDir
    Path temp;

    /** Registers the model and records {@code uses} uses, so meters and spans have something to show. */
    private static void record(AssertableApplicationContext context, int uses) {
        Earnings earnings = context.getBean(Earnings.class);
        earnings.models().register(MODEL, CREATOR, ModelPricing.of("1.00", "0"));
        for (int i = 0; i < uses; i++) {
            earnings.logModelUsage("user-" + i, MODEL, 0, "image_generation", Map.of());
        }
    }

    /** An OpenTelemetry SDK whose finished spans land in {@code spans}. */
    private static OpenTelemetrySdk telemetry(InMemorySpanExporter spans) {
        return OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
    }

    private static long recordSpans(InMemorySpanExporter spans) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("earnings.record")).count();
    }

    @Test
    void withoutMicrometerOnTheClassPath_theApplicationsOpenTelemetryStillGetsTheSpans() {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        OpenTelemetrySdk telemetry = telemetry(spans);
        runner.withBean(DataSource.class, TestDatabases::h2).withBean(OpenTelemetry.class, () -> telemetry)
                .withClassLoader(new FilteredClassLoader("io.micrometer.core"))
                .run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean("earningsMeterRegistry")
                            .hasBean("earningsOpenTelemetry");
                    record(context, 2);
                    // Read before the context closes: closing shuts the SDK down, which empties the exporter.
                    assertThat(recordSpans(spans)).isEqualTo(2);
                });
    }

    @Test
    void withoutOpenTelemetryOnTheClassPath_theApplicationsRegistryStillGetsTheMeters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        runner.withBean(DataSource.class, TestDatabases::h2).withBean(MeterRegistry.class, () -> registry)
                .withClassLoader(new FilteredClassLoader("io.opentelemetry.api"))
                .run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean("earningsOpenTelemetry")
                            .hasBean("earningsMeterRegistry");
                    record(context, 2);
                });
        assertThat(registry.get("earnings.uses.recorded").counter().count()).isEqualTo(2.0);
    }

    @Test
    void withMicrometerAndOpenTelemetryButNoBeanOfEither_theLibraryRecordsWithoutThem() {
        runner.withBean(DataSource.class, TestDatabases::h2).run(context -> {
            assertThat(context).hasNotFailed().hasBean("earningsMeterRegistry").hasBean("earningsOpenTelemetry");
            record(context, 1);
            assertThat(context.getBean(Earnings.class).analytics()
                    .balance(Caller.creator(CREATOR), CREATOR).earned().amount())
                    .isEqualByComparingTo("1.00");
        });
        // Without a registry of the application's, the meters go nowhere: not to Micrometer's global one.
        assertThat(Metrics.globalRegistry.find("earnings.uses.recorded").meters()).isEmpty();
    }

    @Test
    void theApplicationsDataSourceWinsOverTheEmbeddedDirectory() {
        JdbcDataSource h2 = TestDatabases.h2();
        Path embedded = temp.resolve("embedded");
        runner.withBean(DataSource.class, () -> h2).withPropertyValues("earnings.embedded-directory=" + embedded)
                .run(context -> record(context, 2));
        assertThat(EarningsAutoConfigurationTest.count(h2, "SELECT COUNT(*) FROM model_usage_logs")).isEqualTo(2);
        assertThat(Files.exists(embedded)).isFalse();
    }

    @Test
    void theDataSourceSpringBootMakesFromSpringDatasourceUrl_isTheLibrarys() {
        String url = TestDatabases.h2().getURL();
        runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
                .withPropertyValues("spring.datasource.url=" + url, "spring.datasource.username=sa",
                        "earnings.embedded-directory=" + temp.resolve("embedded"))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(DataSource.class);
                    record(context, 3);
                });
        JdbcDataSource same = new JdbcDataSource();
        same.setURL(url);
        same.setUser("sa");
        assertThat(EarningsAutoConfigurationTest.count(same, "SELECT COUNT(*) FROM model_usage_logs")).isEqualTo(3);
        assertThat(Files.exists(temp.resolve("embedded"))).isFalse();
    }

    @Test
    void ofSeveralDataSources_thePrimaryOneIsTheLibrarys() {
        JdbcDataSource primary = TestDatabases.h2();
        JdbcDataSource other = TestDatabases.h2();
        runner.withBean("primary", DataSource.class, () -> primary, d -> d.setPrimary(true))
                .withBean("other", DataSource.class, () -> other)
                .run(context -> {
                    record(context, 1);
                    // The other one has no schema: a health indicator that checked it would be down.
                    assertThat(context.getBean(EarningsHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
                });
        assertThat(EarningsAutoConfigurationTest.count(primary, "SELECT COUNT(*) FROM model_usage_logs")).isEqualTo(1);
        assertThat(EarningsAutoConfigurationTest.count(other, "SELECT COUNT(*) FROM information_schema.tables"
                + " WHERE table_name = 'MODEL_USAGE_LOGS'")).isZero();
    }

    @Test
    void severalDataSourcesWithoutAPrimaryOne_failTheStart_ratherThanFallBackToTheEmbeddedDatabase() {
        Path embedded = temp.resolve("embedded");
        runner.withBean("first", DataSource.class, TestDatabases::h2).withBean("second", DataSource.class, TestDatabases::h2)
                .withPropertyValues("earnings.embedded-directory=" + embedded)
                .run(context -> {
                    Throwable t = context.getStartupFailure();
                    assertThat(t).as("the context should have failed to start").isNotNull();
                    while (t.getCause() != null) {
                        t = t.getCause();
                    }
                    assertThat(t).isInstanceOf(InvalidConfigurationException.class)
                            .hasMessageContaining("2 DataSource beans (first, second) and none is primary");
                });
        assertThat(Files.exists(embedded)).isFalse();
    }

    @Test
    void theEndpointsAreOff_unlessEnabled() {
        TestApplications.mvc().withBean(DataSource.class, TestDatabases::h2)
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Earnings.class)
                        .doesNotHaveBean(EarningsController.class).doesNotHaveBean(EarningsCallerResolver.class)
                        .doesNotHaveBean(EarningsProblemHandler.class));
    }

    @Test
    void theEndpointsAreOff_inAReactiveApplication() {
        new ReactiveWebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(EarningsAutoConfiguration.class, EarningsWebAutoConfiguration.class))
                .withBean(DataSource.class, TestDatabases::h2).withPropertyValues("earnings.web.enabled=true")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Earnings.class)
                        .doesNotHaveBean(EarningsController.class).doesNotHaveBean(EarningsCallerResolver.class));
    }

    @Test
    void theEndpointsAreOff_withoutAnEarningsBean() {
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(EarningsWebAutoConfiguration.class, JacksonAutoConfiguration.class,
                        HttpMessageConvertersAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
                        WebMvcAutoConfiguration.class))
                .withPropertyValues("earnings.web.enabled=true")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(Earnings.class)
                        .doesNotHaveBean(EarningsController.class).doesNotHaveBean(EarningsCallerResolver.class));
    }

    @Test
    void theEndpointsServeAnEarningsBeanOfTheApplication() {
        Path directory = temp.resolve("host");
        TestApplications.mvc().withUserConfiguration(EarningsAutoConfigurationTest.HostEarnings.class)
                .withPropertyValues("earnings.web.enabled=true", "host.directory=" + directory)
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(Earnings.class).hasBean("hostEarnings")
                            .hasSingleBean(EarningsController.class);
                    Earnings host = context.getBean(Earnings.class);
                    host.models().register(MODEL, CREATOR, ModelPricing.of("1.00", "0"));
                    MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
                    mvc.perform(post("/api/track-model-usage").contentType(MediaType.APPLICATION_JSON)
                            .content("{\"userId\":\"u-1\",\"modelId\":\"" + MODEL + "\",\"usageType\":\"image_generation\","
                                    + "\"tokensConsumed\":1}")
                            .principal(() -> "backend").with(r -> {
                                r.addUserRole("EARNINGS_TRACKER");
                                return r;
                            })).andExpect(status().isOk());
                    assertThat(host.analytics().balance(Caller.creator(CREATOR), CREATOR).earned().amount())
                            .isEqualByComparingTo("1.00");
                });
    }
}
