package dev.earnings.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** What a StorageException's cause chain keeps of the failures it stands for. */
class WithheldTest {
    private static final String SECRET = "user-4711 wrote a secret prompt";

    @Test
    void everyMessageOfTheChain_suppressedOnesToo_isWithheld_andTypesStatesAndStacksAreKept() {
        SQLException driver = new SQLException("ERROR: new row violates check; Detail: Failing row contains (" + SECRET + ")",
                "23514", 7);
        RuntimeException jdbi = new RuntimeException("statement failed [arguments: " + SECRET + "]", driver);
        jdbi.addSuppressed(new IllegalStateException("rollback failed for " + SECRET));

        Throwable withheld = Withheld.chainOf(jdbi);

        assertThat(withheld).isInstanceOf(Withheld.WithheldException.class)
                .hasMessage("java.lang.RuntimeException (message withheld)");
        assertThat(withheld.getStackTrace()).isEqualTo(jdbi.getStackTrace());
        assertThat(withheld.getSuppressed()).singleElement().extracting(Throwable::getMessage)
                .isEqualTo("java.lang.IllegalStateException (message withheld)");
        assertThat(withheld.getCause()).isInstanceOf(SQLException.class)
                .hasMessage("java.sql.SQLException: SQLSTATE 23514 (the driver's message is withheld: it may quote row values)");
        SQLException sql = (SQLException) withheld.getCause();
        assertThat(sql.getSQLState()).isEqualTo("23514");
        assertThat(sql.getErrorCode()).isEqualTo(7);
        assertThat(sql.getCause()).isNull();
        assertThat(Withheld.chainOf(withheld)).isSameAs(withheld);
        assertThat(Withheld.chainOf(null)).isNull();
    }

    @Test
    void aChainThatLoops_throughCausesOrSuppressedOnes_ends() {
        RuntimeException a = new RuntimeException(SECRET);
        RuntimeException b = new RuntimeException(SECRET, a);
        a.initCause(b);
        b.addSuppressed(a);

        Throwable withheld = Withheld.chainOf(a);

        assertThat(withheld.getCause()).isNotNull();
        assertThat(withheld.getCause().getCause()).isNull();
        assertThat(withheld.getCause().getSuppressed()).isEmpty();
        assertThat(withheld.getMessage()).doesNotContain(SECRET);
        assertThat(withheld.getCause().getMessage()).doesNotContain(SECRET);
    }
}
