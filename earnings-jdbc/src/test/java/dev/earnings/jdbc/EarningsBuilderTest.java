package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.internal.Failures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Building an instance: the three ways to name a database, migrations, and failures. */
class EarningsBuilderTest {

    @Test
    void embeddedDatabase_keepsItsDataAcrossRestarts(@TempDir Path directory) {
        Path data = directory.resolve("earnings-data");
        try (Earnings first = Earnings.builder().embeddedDatabase(data).build()) {
            first.models().register("m1", "c1", ModelPricing.of("0.01", "0"));
            first.logModelUsage("u1", "m1", 0, "chat", null);
        }
        assertThat(Files.isDirectory(data)).isTrue();
        try (Earnings second = Earnings.builder().embeddedDatabase(data).build()) {
            RecordedUse use = second.logModelUsage("u1", "m1", 0, "chat", null);
            assertThat(use.useOrdinal()).isEqualTo(OptionalLong.of(2));
            assertThat(second.verifyIntegrity().isClean()).isTrue();
        }
    }

    /** Guards: an embedded path cannot carry H2 URL settings such as INIT, which would run SQL. */
    @Test
    void embeddedDatabase_pathWithH2UrlSyntax_isRefusedBeforeAnythingRuns(@TempDir Path directory) throws Exception {
        Path marker = directory.resolve("init-ran");
        Path attack = directory.resolve("data;INIT=CREATE ALIAS X AS 'void x() {}'\\;RUNSCRIPT FROM '" + marker + "'");
        assertThatThrownBy(() -> Earnings.builder().embeddedDatabase(attack))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("';' at position")
                .hasMessageContaining("allowed: a path without ';' or control characters");
        assertThatThrownBy(() -> Earnings.builder().embeddedDatabase(Path.of("data\nx")))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("control character");
        try (var files = Files.list(directory)) {
            assertThat(files).as("nothing was created").isEmpty();
        }
    }

    /** Guards: the embedded database's files are not readable by other users of the machine. */
    @Test
    void embeddedDatabase_directoryIsCreatedOwnerOnly(@TempDir Path directory) throws Exception {
        Path data = directory.resolve("nested").resolve("earnings-data");
        try (Earnings earnings = Earnings.builder().embeddedDatabase(data).build()) {
            earnings.models().register("m1", "c1", ModelPricing.of("0.01", "0"));
        }
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
                .isEqualTo("rwx------");
    }

    /** Guards: a host's pseudonym key must be long enough to be a key. */
    @Test
    void pseudonymKey_shorterThan32Bytes_isRefused() {
        assertThatThrownBy(() -> Earnings.builder().pseudonymKey(new byte[31]))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("pseudonymKey is 31 bytes; allowed: at least 32 bytes of secure random data");
        assertThatThrownBy(() -> Earnings.builder().pseudonymKey(null))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("pseudonymKey is missing");
    }

    @Test
    void jdbcUrl_poolIsOwnedAndClosedWithTheInstance() {
        String url = "jdbc:h2:mem:owned_" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1";
        Earnings earnings = Earnings.builder().jdbcUrl(url, "sa", "").build();
        earnings.models().register("m1", "c1", ModelPricing.of("0.01", "0"));
        earnings.close();
        assertThatThrownBy(() -> earnings.models().find("m1")).isInstanceOf(StorageException.class);
    }

    @Test
    void hostDataSource_isLeftOpenOnClose() {
        try (TestDatabase db = TestDatabase.h2()) {
            Earnings.builder().dataSource(db.dataSource).build().close();
            assertThat(db.dataSource.isClosed()).isFalse();
            assertThat(db.count("earnings_models")).isZero();
        }
    }

    @Test
    void schema_keepsTablesAndHistoryApartFromTheHosts() {
        try (TestDatabase db = TestDatabase.h2()) {
            db.jdbi.useHandle(h -> h.execute("CREATE TABLE flyway_schema_history (host_column INT)"));
            try (Earnings earnings = db.builder().schema("earnings").build()) {
                earnings.models().register("m1", "c1", ModelPricing.of("0.01", "0"));
                earnings.logModelUsage("u1", "m1", 0, "chat", null);
            }
            long rows = db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM \"earnings\".model_usage_logs")
                    .mapTo(Long.class).one());
            assertThat(rows).isEqualTo(1);
            long hostHistory = db.jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM flyway_schema_history")
                    .mapTo(Long.class).one());
            assertThat(hostHistory).isZero();
        }
    }

    @Test
    void schema_thatIsNotAPlainIdentifier_isRejected() {
        assertThatThrownBy(() -> Earnings.builder().schema("x\"; DROP TABLE y"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("schema")
                .hasMessageContaining("allowed");
        assertThatThrownBy(() -> Earnings.builder().schema("Upper"))
                .isInstanceOf(InvalidConfigurationException.class);
    }

    @Test
    void twoDatabases_areAConfigurationError() {
        try (HikariDataSource ds = new HikariDataSource()) {
            assertThatThrownBy(() -> Earnings.builder().dataSource(ds).jdbcUrl("jdbc:h2:mem:x").build())
                    .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("configure one database");
        }
    }

    @Test
    void settings_outOfRange_areRejectedAtOnce() {
        assertThatThrownBy(() -> Earnings.builder().maxAttempts(0)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> Earnings.builder().maximumPoolSize(0)).isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> Earnings.builder().occurredAtWindow(Duration.ofDays(-1), Duration.ZERO))
                .isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> Earnings.builder().jdbcUrl("postgres://x")).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("jdbcUrl");
    }

    @Test
    void missingTables_withMigrationsOff_surfaceAsAStorageExceptionWithTheCause() {
        try (TestDatabase db = TestDatabase.h2()) {
            assertThatThrownBy(() -> db.builder().migrateOnStart(false).build())
                    .isInstanceOf(StorageException.class)
                    .satisfies(e -> assertThat(((StorageException) e).isTransient()).isFalse())
                    .hasCauseInstanceOf(RuntimeException.class)
                    // The SQLSTATE of an undefined table and what to do, not the driver's text.
                    .hasMessageContaining("stored currency").hasMessageContaining("SQLSTATE 42S04")
                    .hasMessageContaining("apply its migrations");
        }
    }

    @Test
    void transientFailures_areRecognisedBySqlState() {
        assertThat(Failures.isTransient(new RuntimeException(new SQLException("x", "40001")))).isTrue();
        assertThat(Failures.isTransient(new RuntimeException(new SQLException("x", "40P01")))).isTrue();
        assertThat(Failures.isTransient(new RuntimeException(new SQLException("x", "55P03")))).isTrue();
        assertThat(Failures.isTransient(new RuntimeException(new SQLException("x", "HYT00")))).isTrue();
        assertThat(Failures.isTransient(new RuntimeException(new SQLException("x", "08006")))).isTrue();
        assertThat(Failures.isTransient(new SQLTransientConnectionException("x"))).isTrue();
        assertThat(Failures.isTransient(new RuntimeException(new SQLException("x", "42P01")))).isFalse();
        assertThat(Failures.isTransient(new RuntimeException(new SQLException("x", "22003")))).isFalse();
        assertThat(Failures.isTransient(new RuntimeException("no cause"))).isFalse();
    }
}
