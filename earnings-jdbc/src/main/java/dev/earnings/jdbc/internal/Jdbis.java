package dev.earnings.jdbc.internal;

import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.core.Money;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Currency;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.argument.AbstractArgumentFactory;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.config.ConfigRegistry;

/**
 * The library's JDBI configuration, made once per instance: how instants, money and days travel,
 * and in which schema the tables live.
 *
 * <p>Statements name tables as {@code <t>model_usage_logs}; the attribute {@code t} is defined once
 * as the quoted schema and a dot (or nothing), so H2 and PostgreSQL resolve it identically and
 * nothing from configuration reaches SQL unchecked. Instants travel as {@code OffsetDateTime} in
 * UTC: {@code java.sql.Timestamp} would pass through the JVM's default time zone. Money columns
 * are read with the deployment's currency at the 12 decimal places every stored amount has.
 */
public final class Jdbis {
    private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private Jdbis() {
    }

    /**
     * Checks a schema name.
     *
     * @param schema the name the host gave
     * @return the name
     * @throws InvalidConfigurationException if it is not a plain lower-case identifier
     */
    public static String requireSchema(String schema) {
        if (schema == null || !SCHEMA.matcher(schema).matches()) {
            throw new InvalidConfigurationException("schema", "schema is " + (schema == null ? "missing" : "'" + schema + "'")
                    + "; allowed: a lower-case identifier of 1 to 63 characters: a-z, 0-9 and _, not starting with a digit");
        }
        return schema;
    }

    /**
     * Configures JDBI on a data source.
     *
     * @param dataSource the pool
     * @param schema the schema of the tables, or empty for the connection's current schema
     * @param currency the deployment's currency, for money columns
     * @return the configured instance
     */
    public static Jdbi create(DataSource dataSource, Optional<String> schema, Currency currency) {
        Jdbi jdbi = Jdbi.create(dataSource);
        jdbi.define("t", schema.map(s -> '"' + requireSchema(s) + "\".").orElse(""));
        jdbi.registerArgument(new AbstractArgumentFactory<Instant>(Types.TIMESTAMP_WITH_TIMEZONE) {
            @Override
            protected Argument build(Instant value, ConfigRegistry config) {
                return (position, statement, ctx) -> statement.setObject(position, OffsetDateTime.ofInstant(value, ZoneOffset.UTC));
            }
        });
        jdbi.registerArgument(new AbstractArgumentFactory<Money>(Types.NUMERIC) {
            @Override
            protected Argument build(Money value, ConfigRegistry config) {
                return (position, statement, ctx) -> statement.setBigDecimal(position, value.amount());
            }
        });
        jdbi.registerColumnMapper(Instant.class, (rs, column, ctx) -> {
            OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
            return value == null ? null : value.toInstant();
        });
        jdbi.registerColumnMapper(LocalDate.class, (rs, column, ctx) -> rs.getObject(column, LocalDate.class));
        jdbi.registerColumnMapper(Money.class, (rs, column, ctx) -> {
            BigDecimal amount = rs.getBigDecimal(column);
            // Every stored amount has 12 places; a sum of them too. UNNECESSARY fails loudly otherwise.
            return amount == null ? null : Money.of(currency, amount.setScale(Money.SCALE, RoundingMode.UNNECESSARY));
        });
        return jdbi;
    }
}
