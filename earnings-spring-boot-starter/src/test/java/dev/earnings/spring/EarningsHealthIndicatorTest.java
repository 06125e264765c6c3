package dev.earnings.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.earnings.jdbc.Earnings;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The health indicator: when it is there, and what it reports. */
class EarningsHealthIndicatorTest {
    /** The newest migration the library ships for H2; PostgreSQL has later ones of its own. */
    private static final String H2_SCHEMA_VERSION = "16";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EarningsAutoConfiguration.class, EarningsHealthAutoConfiguration.class));

    @TempDir
    Path temp;

    private static Health health(org.springframework.context.ApplicationContext context) {
        return context.getBean("earningsHealthIndicator", HealthIndicator.class).health();
    }

    @Test
    void up_withTheDatabaseAndTheSchemaVersion() {
        JdbcDataSource h2 = TestDatabases.h2();
        runner.withBean(DataSource.class, () -> h2).run(context -> {
            Health health = health(context);
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("database", "H2")
                    .containsEntry("schemaVersion", H2_SCHEMA_VERSION).containsEntry("libraryVersion", H2_SCHEMA_VERSION);
        });
    }

    @Test
    void up_onTheEmbeddedDatabase() {
        runner.withPropertyValues("earnings.embedded-directory=" + temp.resolve("embedded")).run(context -> {
            Health health = health(context);
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("schemaVersion", H2_SCHEMA_VERSION);
        });
    }

    @Test
    void down_whenTheDatabaseIsUnreachable() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(TestDatabases.h2().getURL());
        config.setUsername("sa");
        config.setPassword("");
        config.setConnectionTimeout(250);
        HikariDataSource pool = new HikariDataSource(config);
        runner.withBean(DataSource.class, () -> pool).run(context -> {
            assertThat(health(context).getStatus()).isEqualTo(Status.UP);
            pool.close();
            Health health = health(context);
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("error", "SQLException (SQLSTATE null)")
                    .doesNotContainKey("schemaVersion");
        });
    }

    @Test
    void down_whenTheSchemaIsOlderThanTheLibrary() throws SQLException {
        JdbcDataSource h2 = TestDatabases.h2();
        runner.withBean(DataSource.class, () -> h2).run(context -> {
            try (Connection c = h2.getConnection(); Statement s = c.createStatement()) {
                s.executeUpdate("DELETE FROM \"earnings_schema_history\" WHERE \"version\" = '" + H2_SCHEMA_VERSION + "'");
            }
            Health health = health(context);
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("schemaVersion", "15").containsEntry("libraryVersion", "16")
                    .containsEntry("error", "the schema is older than the library: apply its migrations");
        });
    }

    @Test
    void down_whenNoMigrationWasApplied() {
        JdbcDataSource h2 = TestDatabases.h2();
        Health health = EarningsHealthIndicator.of(h2, null).health();
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("database", "H2").containsKey("error");
    }

    @Test
    void absent_withoutSpringBootsHealthSupport_andTheRestStillWorks() {
        JdbcDataSource h2 = TestDatabases.h2();
        runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.health"))
                .withBean(DataSource.class, () -> h2)
                .withPropertyValues("earnings.async-recorder.enabled=true")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(Earnings.class).hasBean("earningsAsyncRecorder")
                            .doesNotHaveBean("earningsHealthIndicator");
                    context.getBean(Earnings.class).models().register("m", "c", dev.earnings.core.ModelPricing.of("1", "0"));
                });
    }

    @Test
    void absent_whenTurnedOff() {
        runner.withBean(DataSource.class, TestDatabases::h2).withPropertyValues("management.health.earnings.enabled=false")
                .run(context -> assertThat(context).hasSingleBean(Earnings.class).doesNotHaveBean("earningsHealthIndicator"));
    }

    @Test
    void absent_besideAnEarningsBeanOfTheApplication_whoseDatabaseTheStarterCannotKnow() {
        runner.withUserConfiguration(EarningsAutoConfigurationTest.HostEarnings.class)
                .withPropertyValues("host.directory=" + temp.resolve("host"))
                .run(context -> assertThat(context).hasNotFailed().hasBean("hostEarnings")
                        .doesNotHaveBean("earningsHealthIndicator").doesNotHaveBean(EarningsDatabase.class));
    }

    @Test
    void anIndicatorOfTheApplicationWins() {
        HealthIndicator own = () -> Health.outOfService().build();
        runner.withBean(DataSource.class, TestDatabases::h2).withBean("earningsHealthIndicator", HealthIndicator.class, () -> own)
                .run(context -> assertThat(health(context).getStatus()).isEqualTo(Status.OUT_OF_SERVICE));
    }
}
