package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.earnings.core.EarningsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A password in a JDBC URL never reaches a message of the library. Nothing listens on port 1,
 * so building fails and says why; the library's messages (not the driver's, which it carries as
 * causes) are checked.
 */
class SecretsInMessagesTest {
    static final String SECRET = "s3cret-pw";

    static EarningsException buildFailure(String url) {
        EarningsException failure = catchThrowableOfType(EarningsException.class,
                () -> Earnings.builder().jdbcUrl(url).maximumPoolSize(1).build().close());
        assertThat(failure).as("building on " + url.replace(SECRET, "***") + " fails").isNotNull();
        return failure;
    }

    static void assertNoSecret(EarningsException failure) {
        assertThat(LibraryMessages.of(failure)).isNotEmpty().allSatisfy(message -> assertThat(message).doesNotContain(SECRET));
    }

    /**
     * Guards: a connection failure names only the URL's product: credentials hide in URLs in more
     * forms than can be told apart (query string, user info, settings, {@code user/password@host}).
     */
    @ParameterizedTest
    @ValueSource(strings = {"jdbc:postgresql://127.0.0.1:1/x?password=" + SECRET + "&user=u",
            "jdbc:postgresql://127.0.0.1:1/x?user=u&password=" + SECRET,
            "jdbc:postgresql://u:" + SECRET + "@127.0.0.1:1/x",
            "jdbc:postgresql://u:" + SECRET + "@127.0.0.1:1/x?sslmode=disable",
            "jdbc:h2:tcp://127.0.0.1:1/x;PASSWORD=" + SECRET})
    void aPasswordInTheUrl_isNotInTheMessage(String url) {
        EarningsException failure = buildFailure(url);
        assertThat(failure).isInstanceOf(StorageException.class);
        assertThat(failure.getMessage()).containsAnyOf("the postgresql database", "the h2 database").doesNotContain("127.0.0.1");
        assertNoSecret(failure);
    }

    /** Guards: a string that is not a JDBC URL is refused without repeating it. */
    @Test
    void aNonJdbcStringWithASecret_isRefusedWithoutRepeatingIt() {
        EarningsException refused = catchThrowableOfType(EarningsException.class,
                () -> Earnings.builder().jdbcUrl("postgres://u:" + SECRET + "@127.0.0.1:1/x?password=" + SECRET));
        assertThat(refused).isNotNull();
        assertThat(refused.getMessage()).contains("jdbcUrl");
        assertNoSecret(refused);
    }

    /**
     * A URL in the {@code user/password@host} form that some drivers use (Oracle's thin driver):
     * the library does not support the database, and must not quote the password while saying so.
     */
    @Test
    void aPasswordInAUserSlashPasswordUrl_isNotInTheMessage() {
        EarningsException failure = buildFailure("jdbc:oracle:thin:u/" + SECRET + "@127.0.0.1:1/x");
        assertNoSecret(failure);
    }
}
