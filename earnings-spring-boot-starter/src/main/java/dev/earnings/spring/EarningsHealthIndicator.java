package dev.earnings.spring;

import dev.earnings.jdbc.Earnings;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.api.MigrationVersion;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * Reports whether the library's database answers and holds the schema this version of the
 * library expects, so a load balancer stops sending work to an instance that could not record a
 * use. It reads one row of the migration history; it is not the integrity check, which reads
 * every usage row and belongs in an audit job, not in a probe.
 *
 * <p>Up, with the database product and the schema version, when a connection answers and the
 * applied migrations reach the newest the library ships (or go beyond it, as while a newer
 * instance rolls out). Down when no connection can be had, the history is missing, or the schema
 * is older than the library, as when {@code earnings.migrate-on-start=false} and the deployment's
 * migrations have not run. A failure's detail names the exception's class and SQLSTATE only: a
 * driver's message may quote a URL with credentials.
 */
public final class EarningsHealthIndicator extends AbstractHealthIndicator {
    private static final Pattern MIGRATION = Pattern.compile("V([0-9][0-9_.]*)__.*\\.sql");

    /** How a check gets its connection: from the application's pool or the embedded database. */
    @FunctionalInterface
    interface Connections {
        Connection open() throws SQLException;
    }

    private final Connections connections;
    private final Optional<String> schema;

    private EarningsHealthIndicator(Connections connections, @Nullable String schema) {
        super("the earnings health check failed");
        this.connections = connections;
        this.schema = Optional.ofNullable(schema);
    }

    /**
     * Checks the library's tables through a {@code DataSource}.
     *
     * @param dataSource the data source the library runs on
     * @param schema the library's schema, or {@code null} for the connection's current one
     * @return the indicator
     */
    public static EarningsHealthIndicator of(DataSource dataSource, @Nullable String schema) {
        return new EarningsHealthIndicator(dataSource::getConnection, schema);
    }

    /**
     * Checks the embedded database, opened by this process, on a connection of its own; it never
     * creates the database.
     *
     * @param directory the embedded directory, or {@code null} for the library's default
     * @param filePassword the file password when the files are encrypted, or {@code null}
     * @param schema the library's schema, or {@code null} for the default one
     * @return the indicator
     */
    public static EarningsHealthIndicator embedded(@Nullable Path directory, @Nullable String filePassword,
            @Nullable String schema) {
        Path file = (directory != null ? directory : Earnings.DEFAULT_EMBEDDED_DIRECTORY).toAbsolutePath().resolve("earnings");
        String url = "jdbc:h2:file:" + file + ";IFEXISTS=TRUE" + (filePassword != null ? ";CIPHER=AES" : "");
        String password = filePassword != null ? filePassword + " " : "";
        return new EarningsHealthIndicator(() -> DriverManager.getConnection(url, "sa", password), schema);
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        try (Connection c = connections.open(); Statement s = c.createStatement()) {
            String product = c.getMetaData().getDatabaseProductName();
            builder.withDetail("database", product);
            Optional<MigrationVersion> expected = newestShipped("PostgreSQL".equals(product));
            String table = schema.map(name -> "\"" + name + "\".").orElse("") + "\"earnings_schema_history\"";
            try (ResultSet rs = s.executeQuery("SELECT \"version\" FROM " + table + " WHERE \"success\" AND \"version\""
                    + " IS NOT NULL ORDER BY \"installed_rank\" DESC FETCH FIRST 1 ROWS ONLY")) {
                if (!rs.next()) {
                    builder.down().withDetail("error", "no migration has been applied");
                    return;
                }
                MigrationVersion applied = MigrationVersion.fromVersion(rs.getString(1));
                builder.withDetail("schemaVersion", applied.getVersion());
                expected.ifPresent(v -> builder.withDetail("libraryVersion", v.getVersion()));
                if (expected.isPresent() && applied.compareTo(expected.get()) < 0) {
                    builder.down().withDetail("error", "the schema is older than the library: apply its migrations");
                } else {
                    builder.up();
                }
            }
        } catch (SQLException e) {
            builder.down().withDetail("error", e.getClass().getSimpleName() + " (SQLSTATE " + e.getSQLState() + ")");
        }
    }

    /** The newest migration the library on the class path ships for the database's dialect. */
    private static Optional<MigrationVersion> newestShipped(boolean postgres) {
        PathMatchingResourcePatternResolver resolver = new PathMatchingResourcePatternResolver(Earnings.class.getClassLoader());
        MigrationVersion newest = null;
        try {
            // As the library's Dialect.migrationLocations(): PostgreSQL has migrations of its own.
            String[] locations = postgres
                    ? new String[] {"dev/earnings/jdbc/migration", "dev/earnings/jdbc/dialect/postgresql"}
                    : new String[] {"dev/earnings/jdbc/migration"};
            for (String location : locations) {
                for (Resource r : resolver.getResources("classpath*:" + location + "/V*__*.sql")) {
                    String name = r.getFilename();
                    Matcher m = MIGRATION.matcher(name != null ? name : "");
                    if (m.matches()) {
                        MigrationVersion v = MigrationVersion.fromVersion(m.group(1));
                        if (newest == null || v.compareTo(newest) > 0) {
                            newest = v;
                        }
                    }
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.ofNullable(newest);
    }
}
