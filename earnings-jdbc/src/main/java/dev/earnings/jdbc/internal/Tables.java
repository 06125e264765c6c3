package dev.earnings.jdbc.internal;

import dev.earnings.core.InvalidConfigurationException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jdbi.v3.core.argument.Argument;

/**
 * Qualifies table names with the host's chosen schema, and binds times the same way on every
 * database.
 *
 * <p>The schema is a validated lower-case identifier, always written quoted, so H2 and PostgreSQL
 * resolve it identically and nothing from configuration reaches SQL unchecked. Times travel as
 * {@code OffsetDateTime} in UTC: {@code java.sql.Timestamp} would pass through the JVM's default
 * time zone.
 */
public final class Tables {
    private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final String prefix;
    private final Optional<String> schema;

    private Tables(Optional<String> schema) {
        this.schema = schema;
        this.prefix = schema.map(s -> '"' + s + "\".").orElse("");
    }

    /**
     * Tables in the connection's default schema, or in {@code schema} when given.
     *
     * @param schema a lower-case SQL identifier, or empty
     * @return the tables
     * @throws InvalidConfigurationException if the schema name is not a plain identifier
     */
    public static Tables in(Optional<String> schema) {
        schema.ifPresent(s -> {
            if (!SCHEMA.matcher(s).matches()) {
                throw new InvalidConfigurationException("schema", "schema is '" + s
                        + "'; allowed: a lower-case identifier of 1 to 63 characters: a-z, 0-9 and _, not starting with a digit");
            }
        });
        return new Tables(schema);
    }

    /**
     * The schema, when the host chose one.
     *
     * @return the schema name or empty
     */
    public Optional<String> schema() {
        return schema;
    }

    /**
     * Replaces every {@code {t}} in {@code sql} with the schema qualifier.
     *
     * @param sql statement text naming tables as {@code {t}model_usage_logs}
     * @return the statement for this schema
     */
    public String sql(String sql) {
        return sql.replace("{t}", prefix);
    }

    /**
     * An argument binding an instant as a UTC {@code TIMESTAMP WITH TIME ZONE}.
     *
     * @param instant the instant, or {@code null}
     * @return the argument
     */
    public static Argument utc(Instant instant) {
        return (position, statement, ctx) -> statement.setObject(position,
                instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
    }

    /**
     * Reads a {@code TIMESTAMP WITH TIME ZONE} column as an instant.
     *
     * @param rs the result set
     * @param column the column label
     * @return the instant, or {@code null} for SQL NULL
     * @throws SQLException if the driver fails
     */
    public static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
