package dev.earnings.testkit;

import static dev.earnings.testkit.EarningsAssertions.assertThat;

import dev.earnings.jdbc.Earnings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension on PostgreSQL: a fresh schema per test, dropped afterwards. */
class EarningsExtensionPostgresTest {
    static final String URL = env("EARNINGS_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
    static final String USER = env("EARNINGS_TEST_POSTGRES_USER", "postgres");
    static final String PASSWORD = env("EARNINGS_TEST_POSTGRES_PASSWORD", "");

    @RegisterExtension
    final EarningsExtension extension = EarningsExtension.postgres(URL, USER, PASSWORD);

    @BeforeAll
    static void requirePostgres() {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD)) {
            c.isValid(5);
        } catch (SQLException e) {
            String message = "PostgreSQL is unreachable at " + URL + " (" + e.getMessage() + ")";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(message + "; with CI=true this test may not be skipped", e);
            }
            Assumptions.assumeTrue(false, message);
        }
    }

    @Test
    void driveTo_onPostgres_putsTheNextUseInTheNextTier(Earnings earnings, Fixtures fixtures) {
        fixtures.creator("ada").model("anime", "0.01", "0").driveTo(1_000);
        assertThat(earnings.logModelUsage("u1", "anime", 0, "image_generation", null)).earned("0.015").atTier(3)
                .hasOrdinal(1_001);
        Assertions.assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void eachTest_getsItsOwnSchema(Earnings earnings) {
        Assertions.assertThat(earnings.models().find("anime")).isEmpty();
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
