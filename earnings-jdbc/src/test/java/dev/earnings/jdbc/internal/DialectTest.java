package dev.earnings.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.earnings.core.InvalidConfigurationException;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.junit.jupiter.api.Test;

class DialectTest {
    @Test
    void knowsTheTwoDatabasesByTheirDriversProductNames() {
        assertThat(Dialect.of("PostgreSQL")).isEqualTo(Dialect.POSTGRESQL);
        assertThat(Dialect.of("H2")).isEqualTo(Dialect.H2);
        assertThat(Dialect.POSTGRESQL.snapshotIsolation()).isEqualTo(TransactionIsolationLevel.REPEATABLE_READ);
        assertThat(Dialect.H2.snapshotIsolation()).isEqualTo(TransactionIsolationLevel.SERIALIZABLE);
    }

    @Test
    void refusesAnyOtherDatabaseByName() {
        assertThatThrownBy(() -> Dialect.of("MySQL")).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("MySQL").hasMessageContaining("allowed: H2 2.x or PostgreSQL 15 and later");
    }
}
