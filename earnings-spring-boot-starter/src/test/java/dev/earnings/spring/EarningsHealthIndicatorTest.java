package dev.earnings.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.earnings.jdbc.Earnings;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
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
    private static final String H2_SCHEMA_VERSION = "24";
    /** The H2 migration before it (V23 is PostgreSQL's own). */
    private static final String H2_PREVIOUS_VERSION = "22";

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
            assertThat(health.getDetails()).containsEntry("schemaVersion", H2_PREVIOUS_VERSION)
                    .containsEntry("libraryVersion", H2_SCHEMA_VERSION)
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

    /**
     * Spring reads the signatures of every method of a bean's class; one that names a class of the
     * health support would fail the start of an application without it. A class loader of this
     * test's class path less Spring Boot's health jar is such an application's: each class of the
     * starter but the health indicator and its auto-configuration must give up its methods there.
     */
    @Test
    void withoutSpringBootsHealthJar_everyOtherClassOfTheStarter_isReadable() throws Exception {
        List<URL> urls = new ArrayList<>();
        // Surefire runs tests from a jar whose manifest names the class path, and gives the class path itself here.
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : classPath.split(File.pathSeparator)) {
            if (!Path.of(entry).getFileName().toString().startsWith("spring-boot-health")) {
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        Path classes = Path.of(EarningsDatabase.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> names;
        try (Stream<Path> files = Files.list(classes.resolve("dev/earnings/spring"))) {
            names = files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".class"))
                    .map(f -> "dev.earnings.spring." + f.substring(0, f.length() - ".class".length()))
                    .filter(n -> !n.startsWith("dev.earnings.spring.EarningsHealth")).sorted().toList();
        }
        assertThat(names).contains("dev.earnings.spring.EarningsDatabase", "dev.earnings.spring.EarningsAutoConfiguration");
        try (URLClassLoader withoutHealth = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> withoutHealth.loadClass("org.springframework.boot.health.contributor.HealthIndicator"))
                    .isInstanceOf(ClassNotFoundException.class);
            List<String> unreadable = new ArrayList<>();
            for (String name : names) {
                try {
                    withoutHealth.loadClass(name).getDeclaredMethods();
                } catch (LinkageError e) {
                    unreadable.add(name + ": " + e);
                }
            }
            assertThat(unreadable).isEmpty();
        }
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
