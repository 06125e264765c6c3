package dev.earnings.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.Earnings;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The starter on PostgreSQL, through a DataSource to a fresh schema: the application's pool logs
 * in as a runtime role, and the migrations as the owner named by {@code earnings.migration.*}.
 */
class PostgresTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EarningsAutoConfiguration.class, EarningsHealthAutoConfiguration.class));

    @Test
    void migratesAsTheOwner_runsAsTheRuntimeRole_andReportsHealth() {
        String schema = TestDatabases.freshSchema();
        PGSimpleDataSource runtime = TestDatabases.postgresRuntime();
        runner.withBean(DataSource.class, () -> runtime)
                .withPropertyValues("earnings.schema=" + schema, "earnings.migration.username=" + TestDatabases.OWNER_ROLE,
                        "earnings.migration.password=" + TestDatabases.ROLE_PASSWORD, "earnings.hold-days=3")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Earnings earnings = context.getBean(Earnings.class);
                    earnings.models().register("pg-model", "creator-pg", ModelPricing.of("2.50", "0"));
                    earnings.logModelUsage("user-1", "pg-model", 0, "image_generation", Map.of());
                    assertThat(earnings.analytics().balance(Caller.creator("creator-pg"), "creator-pg").held().amount())
                            .isEqualByComparingTo("2.50");

                    Health health = context.getBean("earningsHealthIndicator", HealthIndicator.class).health();
                    assertThat(health.getStatus()).isEqualTo(Status.UP);
                    assertThat(health.getDetails()).containsEntry("database", "PostgreSQL")
                            .containsEntry("schemaVersion", health.getDetails().get("libraryVersion"));
                    assertThat(Integer.parseInt((String) health.getDetails().get("schemaVersion"))).isGreaterThan(16);
                });
        DataSource admin = TestDatabases.postgresAdmin();
        assertThat(EarningsAutoConfigurationTest.count(admin, "SELECT COUNT(*) FROM pg_tables WHERE schemaname = '" + schema
                + "' AND tableowner <> '" + TestDatabases.OWNER_ROLE + "'")).isZero();
        assertThat(EarningsAutoConfigurationTest.count(admin, "SELECT COUNT(*) FROM pg_tables WHERE schemaname = '" + schema
                + "'")).isGreaterThan(10);
        assertThat(EarningsAutoConfigurationTest.count(admin, "SELECT COUNT(*) FROM " + schema + ".model_usage_logs"))
                .isEqualTo(1);
    }

    @Test
    void requireRowLevelSecurity_refusesAnUnfilteredLogin_unlessTurnedOff() {
        PGSimpleDataSource superuser = TestDatabases.postgresAdmin();
        runner.withBean(DataSource.class, () -> superuser).withPropertyValues("earnings.schema=" + TestDatabases.freshSchema())
                .run(context -> {
                    Throwable t = context.getStartupFailure();
                    assertThat(t).isNotNull();
                    while (t.getCause() != null) {
                        t = t.getCause();
                    }
                    assertThat(t).isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("row-level security");
                });
        runner.withBean(DataSource.class, () -> superuser)
                .withPropertyValues("earnings.schema=" + TestDatabases.freshSchema(), "earnings.require-row-level-security=false")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Earnings.class));
    }
}
